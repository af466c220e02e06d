import { and, eq } from 'drizzle-orm';
import { Conflict } from '#lib/errors';
import type { UserStore } from '#lib/users/service';
import type { Database, Executor } from '../client';
import { duplicateKey } from '../errors';
import { userIdentities, users } from '../schema';

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
  if (key === 'PRIMARY') throw new Conflict('identity');
  throw error;
}

const insertUser = async (db: Executor, user: Parameters<UserStore['insert']>[0]) => {
  const [result] = await db.insert(users).values(user);
  return result.insertId;
};

export function userRepository(db: Database): UserStore {
  const findBy = async (where: ReturnType<typeof eq>) =>
    (await db.select(record).from(users).where(where).limit(1))[0];

  return {
    findById: (id) => findBy(eq(users.id, id)),
    findByEmail: (email) => findBy(eq(users.email, email)),

    async findByIdentity({ provider, subject }) {
      const [found] = await db
        .select(record)
        .from(userIdentities)
        .innerJoin(users, eq(users.id, userIdentities.userId))
        .where(and(eq(userIdentities.provider, provider), eq(userIdentities.subject, subject)))
        .limit(1);
      return found;
    },

    async insert(user) {
      try {
        return await insertUser(db, user);
      } catch (error) {
        rethrowTaken(error);
      }
    },

    async insertWithIdentity(user, { provider, subject, email }) {
      try {
        return await db.transaction(async (tx) => {
          const id = await insertUser(tx, user);
          await tx.insert(userIdentities).values({ provider, subject, userId: id, email });
          return id;
        });
      } catch (error) {
        rethrowTaken(error);
      }
    },

    async linkIdentity(userId, { provider, subject, email }) {
      try {
        await db.insert(userIdentities).values({ provider, subject, userId, email });
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
