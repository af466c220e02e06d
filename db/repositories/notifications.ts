import { and, asc, eq, gt, inArray, isNull, lt, or } from 'drizzle-orm';
import { alias } from 'drizzle-orm/mysql-core';
import type { PublishedEvent } from '#lib/notifications/events';
import type { DeliveryStore, OutboxStore } from '#lib/notifications/service';
import type { Database } from '../client';
import { articles, comments, follows, outboxEvents, users } from '../schema';

const commenters = alias(users, 'commenters');

/** The outbox as the worker sees it, with what it reads to write an e-mail (on the primary). */
export function deliveryRepository(db: Database): DeliveryStore {
  return {
    async user(id) {
      const [found] = await db
        .select({
          username: users.username,
          email: users.email,
          emailNotifications: users.emailNotifications,
        })
        .from(users)
        .where(eq(users.id, id))
        .limit(1);
      return found;
    },

    async comment(id) {
      const [found] = await db
        .select({
          commenterId: comments.authorId,
          commenter: commenters.username,
          body: comments.body,
          articleAuthorId: articles.authorId,
          articleTitle: articles.title,
          articleSlug: articles.slug,
        })
        .from(comments)
        .innerJoin(articles, eq(articles.id, comments.articleId))
        .innerJoin(commenters, eq(commenters.id, comments.authorId))
        .where(and(eq(comments.id, id), isNull(comments.deletedAt), isNull(articles.deletedAt)))
        .limit(1);
      return found;
    },

    async isFollowing(followerId, followeeId) {
      const [found] = await db
        .select({ followerId: follows.followerId })
        .from(follows)
        .where(and(eq(follows.followerId, followerId), eq(follows.followeeId, followeeId)))
        .limit(1);
      return found !== undefined;
    },

    async claim(eventId, until) {
      const now = new Date();
      const [claimed] = await db
        .update(outboxEvents)
        .set({ deliveringUntil: until, updatedAt: now })
        .where(
          and(
            eq(outboxEvents.id, eventId),
            isNull(outboxEvents.deliveredAt),
            or(isNull(outboxEvents.deliveringUntil), lt(outboxEvents.deliveringUntil, now)),
          ),
        );
      if (claimed.affectedRows === 1) return 'claimed';
      const [found] = await db
        .select({ deliveredAt: outboxEvents.deliveredAt })
        .from(outboxEvents)
        .where(eq(outboxEvents.id, eventId));
      // Gone (swept long after it was published) counts as done: nothing is left to send.
      return !found || found.deliveredAt ? 'done' : 'busy';
    },

    async markDelivered(eventId) {
      const now = new Date();
      await db
        .update(outboxEvents)
        .set({ deliveredAt: now, deliveringUntil: null, updatedAt: now })
        .where(eq(outboxEvents.id, eventId));
    },

    async release(eventId) {
      await db
        .update(outboxEvents)
        .set({ deliveringUntil: null, updatedAt: new Date() })
        .where(eq(outboxEvents.id, eventId));
    },
  };
}

function idsIn(payload: string): Record<string, unknown> {
  try {
    const ids: unknown = JSON.parse(payload);
    return ids && typeof ids === 'object' ? (ids as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The outbox as the relay sees it (on the primary: a replica may lag behind the writes and the marks). */
export function outboxRepository(db: Database): OutboxStore {
  return {
    async publishBatch(afterId, limit, publish) {
      const rows = await db
        .select({ id: outboxEvents.id, kind: outboxEvents.kind, payload: outboxEvents.payload })
        .from(outboxEvents)
        .where(and(isNull(outboxEvents.publishedAt), gt(outboxEvents.id, afterId)))
        .orderBy(asc(outboxEvents.id))
        .limit(limit);
      if (!rows.length) return { lastId: afterId, taken: 0, published: 0 };
      // The payload is the event's own ids (db/repositories/outbox.ts wrote it). One that cannot be read is
      // sent without them rather than stopping every run: the worker refuses it, and after its retries it
      // waits in the dead-letter queue, whose alarm says so.
      const events = rows.map(({ id, kind, payload }) => ({ ...idsIn(payload), kind, id }) as PublishedEvent);
      const published = await publish(events);
      if (published.length) {
        const now = new Date();
        await db
          .update(outboxEvents)
          .set({ publishedAt: now, updatedAt: now })
          .where(inArray(outboxEvents.id, published));
      }
      return { lastId: rows.at(-1)!.id, taken: rows.length, published: published.length };
    },

    async sweep(before, limit) {
      // Ids first, then a delete by primary key: a ranged DELETE would lock the index gap new events go into
      // (unpublished, highest id), and registrations, follows and comments would wait on it.
      const old = await db
        .select({ id: outboxEvents.id })
        .from(outboxEvents)
        .where(lt(outboxEvents.publishedAt, before))
        .limit(limit);
      if (!old.length) return 0;
      const [result] = await db.delete(outboxEvents).where(
        inArray(
          outboxEvents.id,
          old.map(({ id }) => id),
        ),
      );
      return result.affectedRows;
    },
  };
}
