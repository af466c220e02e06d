import { eq } from 'drizzle-orm';
import { Conflict } from '#lib/errors';
import type { UserStore } from '#lib/users/service';
import type { Executor } from '../client';
import { duplicateKey } from '../errors';
import { users } from '../schema';

const record = {
  id: users.id,
  username: users.username,
  email: users.email,
  passwordHash: users.passwordHash,
  bio: users.bio,
  image: users.image,
};

/** Turns a duplicate-key error on a users unique index into Conflict('username' | 'email'). */
function rethrowTaken(error: unknown): never {
  const key = duplicateKey(error);
  if (key === 'users_username_unique') throw new Conflict('username');
  if (key === 'users_email_unique') throw new Conflict('email');
  throw error;
}

export function userRepository(db: Executor): UserStore {
  const findBy = async (where: ReturnType<typeof eq>) =>
    (await db.select(record).from(users).where(where).limit(1))[0];

  return {
    findById: (id) => findBy(eq(users.id, id)),
    findByEmail: (email) => findBy(eq(users.email, email)),

    async insert(user) {
      try {
        const [result] = await db.insert(users).values(user);
        return result.insertId;
      } catch (error) {
        rethrowTaken(error);
      }
    },

    async update(id, changes) {
      try {
        await db
          .update(users)
          .set({ ...changes, updatedAt: new Date() })
          .where(eq(users.id, id));
      } catch (error) {
        rethrowTaken(error);
      }
    },
  };
}
