import * as z from 'zod/mini';

/**
 * What happened, as the outbox records it in the same transaction as the change (db/repositories/outbox.ts):
 * ids only, never an address or a name, so neither the table nor the queue holds anything personal. Which
 * e-mail each one becomes, and for whom, is decided when it is delivered (./service.ts).
 */
export type NotificationEvent =
  | { kind: 'user_registered'; userId: number }
  | { kind: 'user_followed'; followerId: number; followeeId: number }
  | { kind: 'comment_added'; commentId: number };

/** An event as it travels from the outbox to the worker: its outbox row's id is its identity. */
export type PublishedEvent = NotificationEvent & { id: number };

const rowId = z.int().check(z.positive());

/** A queue message's body, checked: anything else is a poison message (the worker reports it as failed). */
export const PublishedEventSchema = z.discriminatedUnion('kind', [
  z.object({ id: rowId, kind: z.literal('user_registered'), userId: rowId }),
  z.object({ id: rowId, kind: z.literal('user_followed'), followerId: rowId, followeeId: rowId }),
  z.object({ id: rowId, kind: z.literal('comment_added'), commentId: rowId }),
]);
