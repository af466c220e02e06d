import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { ProfileStore } from '#lib/profiles/service';
import type { Executor } from '../client';
import { follows, users } from '../schema';

/** `following` for the row's user, as one correlated EXISTS on the follows primary key. */
export function followingExpr(viewerId: number | undefined, userId: SQL | typeof users.id = users.id) {
  if (viewerId === undefined) return sql<boolean>`false`.mapWith(Boolean);
  return sql<boolean>`exists(select 1 from ${follows} where ${follows.followerId} = ${viewerId} and ${follows.followeeId} = ${userId})`.mapWith(
    (value) => Boolean(Number(value)),
  );
}

/** The author columns every article and comment view carries. */
export function authorColumns(viewerId: number | undefined) {
  return { username: users.username, bio: users.bio, image: users.image, following: followingExpr(viewerId) };
}

export function profileRepository(db: Executor): ProfileStore {
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
      await db
        .insert(follows)
        .values({ followerId, followeeId })
        .onDuplicateKeyUpdate({ set: { followerId: sql`${follows.followerId}` } });
    },

    async unfollow(followerId, followeeId) {
      await db
        .delete(follows)
        .where(and(eq(follows.followerId, followerId), eq(follows.followeeId, followeeId)));
    },
  };
}
