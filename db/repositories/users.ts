import { and, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import { Conflict } from '#lib/errors';
import type { NewUser, UserStore } from '#lib/users/service';
import type { Database, Executor } from '../client';
import { duplicateKey } from '../errors';
import { recordEvent } from './outbox';
import { insertSession } from './sessions';
import {
  articles,
  articleTags,
  comments,
  favorites,
  follows,
  sessions,
  userIdentities,
  users,
} from '../schema';

const record = {
  id: users.id,
  username: users.username,
  email: users.email,
  passwordHash: users.passwordHash,
  bio: users.bio,
  image: users.image,
  emailNotifications: users.emailNotifications,
  emailVerified: sql`${users.emailVerifiedAt} is not null`.mapWith(Boolean),
};

/** Turns a duplicate-key error on a users unique index into Conflict('username' | 'email'). */
function rethrowTaken(error: unknown): never {
  const key = duplicateKey(error);
  if (key === 'users_username_unique') throw new Conflict('username');
  if (key === 'users_email_unique') throw new Conflict('email');
  if (key === 'PRIMARY') throw new Conflict('identity');
  throw error;
}

const insertUser = async (db: Executor, user: NewUser, emailVerifiedAt: Date | null = null) => {
  const [result] = await db.insert(users).values({ ...user, emailVerifiedAt });
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

    async insertWithSession(user, first) {
      try {
        return await db.transaction(async (tx) => {
          const userId = await insertUser(tx, user);
          await recordEvent(tx, { kind: 'user_registered', userId });
          return { userId, sessionId: await insertSession(tx, userId, first) };
        });
      } catch (error) {
        rethrowTaken(error);
      }
    },

    async insertWithIdentity(user, { provider, subject, email, emailVerified }) {
      try {
        return await db.transaction(async (tx) => {
          const id = await insertUser(tx, user, emailVerified ? new Date() : null);
          await tx.insert(userIdentities).values({ provider, subject, userId: id, email });
          await recordEvent(tx, { kind: 'user_registered', userId: id });
          return id;
        });
      } catch (error) {
        rethrowTaken(error);
      }
    },

    async linkIdentity(userId, { provider, subject, email }, { claim }) {
      try {
        await db.transaction(async (tx) => {
          await tx.insert(userIdentities).values({ provider, subject, userId, email });
          if (!claim) return;
          const now = new Date();
          await tx
            .update(users)
            .set({ passwordHash: null, emailVerifiedAt: now, updatedAt: now })
            .where(eq(users.id, userId));
          await tx
            .delete(userIdentities)
            .where(
              and(
                eq(userIdentities.userId, userId),
                or(ne(userIdentities.provider, provider), ne(userIdentities.subject, subject)),
              ),
            );
          await tx.delete(sessions).where(eq(sessions.userId, userId));
        });
      } catch (error) {
        rethrowTaken(error);
      }
    },

    async update(id, changes, { endSessionsExcept } = {}) {
      const write = async (tx: Executor) => {
        await tx
          .update(users)
          // A new address is nobody's verified address yet.
          .set({
            ...changes,
            ...(changes.email !== undefined && { emailVerifiedAt: null }),
            updatedAt: new Date(),
          })
          .where(eq(users.id, id));
        if (endSessionsExcept !== undefined)
          await tx.delete(sessions).where(and(eq(sessions.userId, id), ne(sessions.id, endSessionsExcept)));
      };
      try {
        await (endSessionsExcept === undefined ? write(db) : db.transaction(write));
      } catch (error) {
        rethrowTaken(error);
      }
    },

    remove: (id) =>
      db.transaction(async (tx) => {
        // Locked first: every write that would refer to the account (an article, a comment, a favorite, a
        // follow) checks its foreign key with a shared lock on this row, so none can slip in between the
        // deletes below and the account's own; it waits, then finds the account gone.
        await tx.select({ id: users.id }).from(users).where(eq(users.id, id)).for('update');
        // Soft-deleted articles too: their rows still refer to the account. Locked for the same reason as the
        // account, against other users' comments and favorites on them.
        const owned = (
          await tx.select({ id: articles.id }).from(articles).where(eq(articles.authorId, id)).for('update')
        ).map((article) => article.id);
        if (owned.length) {
          // Live ones are marked deleted first: their triggers (migration 0003) take the article count, then
          // the tags' counts, the order creating an article takes them in. Deleting their tags first would
          // take them the other way round, and deadlock against a concurrent create.
          const now = new Date();
          await tx
            .update(articles)
            .set({ deletedAt: now, updatedAt: now })
            .where(and(eq(articles.authorId, id), isNull(articles.deletedAt)));
          await tx.delete(comments).where(inArray(comments.articleId, owned));
          await tx.delete(favorites).where(inArray(favorites.articleId, owned));
          // Tags stay, as when an article is deleted: the list of tags shows only those of live articles.
          await tx.delete(articleTags).where(inArray(articleTags.articleId, owned));
          await tx.delete(articles).where(inArray(articles.id, owned));
        }
        await tx.delete(comments).where(eq(comments.authorId, id));
        await tx.delete(favorites).where(eq(favorites.userId, id));
        // Two statements, so each direction uses its own index.
        await tx.delete(follows).where(eq(follows.followerId, id));
        await tx.delete(follows).where(eq(follows.followeeId, id));
        // Sessions, their refresh tokens and the sign-in identities go with it (ON DELETE CASCADE).
        await tx.delete(users).where(eq(users.id, id));
      }),
  };
}
