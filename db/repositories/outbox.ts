import type { NotificationEvent } from '#lib/notifications/events';
import type { Executor } from '../client';
import { outboxEvents } from '../schema';

/**
 * Records `event` in the outbox with the executor of the change it reports: called inside that change's
 * transaction, so the event is committed, or rolled back, with it.
 */
export async function recordEvent(tx: Executor, { kind, ...ids }: NotificationEvent): Promise<void> {
  await tx.insert(outboxEvents).values({ kind, payload: JSON.stringify(ids) });
}
