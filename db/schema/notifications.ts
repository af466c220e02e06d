import { index, mysqlTable, primaryKey, varchar } from 'drizzle-orm/mysql-core';
import { id, ref, timestamp, timestamps } from './columns';

/**
 * The transactional outbox (ARCHITECTURE.md §4b): each event is inserted in the same transaction as the change
 * it reports (a registration, a follow, a comment), so it exists exactly when the change was committed. The
 * relay publishes rows whose `published_at` is null and sets it; a worker claims a row (`delivering_until`)
 * before it sends, and sets `delivered_at` once the e-mail is sent, which makes a later delivery of the same
 * event a no-op. The payload holds ids only, never an address: the worker reads who to write to, and whether
 * they still want it, when it sends.
 */
export const outboxEvents = mysqlTable(
  'outbox_events',
  {
    id: id(),
    kind: varchar('kind', { length: 32 }).notNull(),
    /** The event's ids, as JSON (a few dozen bytes). */
    payload: varchar('payload', { length: 1024 }).notNull(),
    publishedAt: timestamp('published_at'),
    /** Set by the worker sending this event's e-mail, so a copy of it delivered meanwhile waits. */
    deliveringUntil: timestamp('delivering_until'),
    deliveredAt: timestamp('delivered_at'),
    ...timestamps,
  },
  // The relay reads the oldest unpublished events: this index gives them in order and stops after one batch.
  (t) => [index('outbox_events_unpublished_idx').on(t.publishedAt, t.id)],
);

/**
 * The pairs whose first follow was announced: a "new follower" e-mail goes out once per pair, so following,
 * unfollowing and following again cannot flood anyone's inbox. Ids only, and no foreign keys: a row outlives
 * nothing personal, and ids are never reused.
 */
export const followNotices = mysqlTable(
  'follow_notices',
  {
    followerId: ref('follower_id'),
    followeeId: ref('followee_id'),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.followerId, t.followeeId] })],
);
