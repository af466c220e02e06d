import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { ProfileStore } from '#lib/profiles/service';
import type { Database } from '../client';
import { duplicateKey } from '../errors';
import { recordEvent } from './outbox';
import { followNotices, follows, users } from '../schema';

/**
 * A viewer-relative boolean column (`following`, `favorited`): a correlated EXISTS on a primary key, or
 * plain `false` for anonymous viewers, who follow and favorite nothing.
 */
export function viewerFlag(viewerId: number | undefined, subquery: (viewerId: number) => SQL) {
  if (viewerId === undefined) return sql<boolean>`false`.mapWith(Boolean);
  return sql<boolean>`exists(${subquery(viewerId)})`.mapWith((value) => Boolean(Number(value)));
}

const following = (viewerId: number | undefined) =>
  viewerFlag(
    viewerId,
    (id) =>
      sql`select 1 from ${follows} where ${follows.followerId} = ${id} and ${follows.followeeId} = ${users.id}`,
  );

/** The author columns every article and comment view carries. */
export function authorColumns(viewerId: number | undefined) {
  return { username: users.username, bio: users.bio, image: users.image, following: following(viewerId) };
}

export function profileRepository(db: Database): ProfileStore {
  return {
    async find(username, viewerId) {
      const [row] = await db
        .select({ id: users.id, ...authorColumns(viewerId) })
        .from(users)
        .where(eq(users.username, username))
        .limit(1);
      return row;
    },

    async follow(followerId, followeeId) {
      try {
        await db.transaction(async (tx) => {
          await tx.insert(follows).values({ followerId, followeeId });
          // Only a pair's first follow is announced: IGNORE makes a repeat insert nothing (the table has no
          // foreign key, so a duplicate key is all it can ignore).
          const [notice] = await tx.insert(followNotices).ignore().values({ followerId, followeeId });
          if (notice.affectedRows === 1)
            await recordEvent(tx, { kind: 'user_followed', followerId, followeeId });
        });
      } catch (error) {
        // Already following: nothing changes, and nobody is told twice.
        if (duplicateKey(error) !== 'PRIMARY') throw error;
      }
    },

    async unfollow(followerId, followeeId) {
      await db
        .delete(follows)
        .where(and(eq(follows.followerId, followerId), eq(follows.followeeId, followeeId)));
    },
  };
}
