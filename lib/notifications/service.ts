import type { PublishedEvent } from './events';
import { newComment, newFollower, welcome, type CommentNotice, type Mail, type Person } from './mails';

/**
 * E-mail notifications (ARCHITECTURE.md §4b): the relay takes committed events from the outbox to the queue;
 * the worker turns each into at most one e-mail. Delivery is at least once end to end (an event stays in the
 * outbox until the queue has it; a message stays in the queue until the worker reports it done), and
 * idempotent by event id: a second delivery of an event already sent sends nothing.
 */

/** A user as the worker reads them when it sends: who to write to, and whether they want it. */
export interface Recipient extends Person {
  emailNotifications: boolean;
}

/** A live comment on a live article, with the article's author. */
export interface CommentFacts extends CommentNotice {
  commenterId: number;
  articleAuthorId: number;
}

/** What the worker reads when it sends (on the primary: a replica may not have the comment yet). */
export interface DeliveryReads {
  user(id: number): Promise<Recipient | undefined>;
  comment(id: number): Promise<CommentFacts | undefined>;
  isFollowing(followerId: number, followeeId: number): Promise<boolean>;
}

export interface DeliveryStore extends DeliveryReads {
  /**
   * Takes the event for this worker until `until`: 'claimed'; 'done' when it was delivered already (or is gone
   * from the outbox); 'busy' while another worker holds it. One short statement: nothing stays locked while
   * the e-mail is sent.
   */
  claim(eventId: number, until: Date): Promise<'claimed' | 'done' | 'busy'>;
  /** The e-mail went (or none was due): later deliveries of the event find it done. */
  markDelivered(eventId: number): Promise<void>;
  /** Sending failed: the next delivery may claim the event at once. */
  release(eventId: number): Promise<void>;
}

/** Another copy of the event is being delivered right now: this one fails, and the queue brings it back. */
export class StillDelivering extends Error {
  override readonly name = 'StillDelivering';
  constructor(eventId: number) {
    super(`event ${eventId} is being delivered by another worker`);
  }
}

/**
 * How long a claim holds: longer than the worker may run (30 s), so a claim never runs out under a worker
 * still sending; a worker that died with one holds its event no longer than this.
 */
export const claimMs = 60_000;

export interface Mailer {
  /** Throws Undeliverable when the mail service will never take this message. */
  send(mail: Mail): Promise<void>;
}

/** The mail service refused this message for good: retrying cannot help, so it counts as delivered. */
export class Undeliverable extends Error {
  override readonly name = 'Undeliverable';
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`the mail service refused the message for good (${reason})`, options);
  }
}

export type Outcome = 'sent' | 'skipped' | 'duplicate' | 'rejected';

export function notificationService(store: DeliveryStore, mailer: Mailer, appUrl: string) {
  /** The e-mail an event calls for, as things stand now, or undefined when it calls for none. */
  async function mailFor(event: PublishedEvent, reads: DeliveryReads): Promise<Mail | undefined> {
    switch (event.kind) {
      // Always sent: it confirms the account, before there was any setting to turn off.
      case 'user_registered': {
        const user = await reads.user(event.userId);
        return user && welcome(user, appUrl);
      }
      case 'user_followed': {
        const [followee, follower, following] = await Promise.all([
          reads.user(event.followeeId),
          reads.user(event.followerId),
          reads.isFollowing(event.followerId, event.followeeId),
        ]);
        // Unfollowed before the e-mail left: there is nothing to announce.
        if (!followee?.emailNotifications || !follower || !following) return undefined;
        return newFollower(followee, follower.username, appUrl);
      }
      case 'comment_added': {
        const comment = await reads.comment(event.commentId);
        // Deleted since, or the author answering on their own article: nobody to tell.
        if (!comment || comment.commenterId === comment.articleAuthorId) return undefined;
        const author = await reads.user(comment.articleAuthorId);
        if (!author?.emailNotifications) return undefined;
        return newComment(author, comment, appUrl);
      }
    }
  }

  return {
    /**
     * Sends the e-mail `event` calls for, once: 'duplicate' when an earlier delivery already did. Throws
     * StillDelivering while another copy is being sent, and whatever sending threw (the claim released).
     */
    async deliver(event: PublishedEvent, now = new Date()): Promise<Outcome> {
      const claim = await store.claim(event.id, new Date(now.getTime() + claimMs));
      if (claim === 'done') return 'duplicate';
      if (claim === 'busy') throw new StillDelivering(event.id);
      let outcome: Outcome;
      try {
        const mail = await mailFor(event, store);
        if (mail) await mailer.send(mail);
        outcome = mail ? 'sent' : 'skipped';
      } catch (error) {
        if (!(error instanceof Undeliverable)) {
          await store.release(event.id);
          throw error;
        }
        outcome = 'rejected';
      }
      await store.markDelivered(event.id);
      return outcome;
    },
  };
}

export interface OutboxStore {
  /**
   * Takes the oldest unpublished events after `afterId` (at most `limit`), hands them to `publish`, and marks
   * published the ids it returns; when `publish` rejects, nothing is marked. No lock is held while publishing
   * (so inserts into the outbox never wait on the queue): two relays running at once may both publish an
   * event, which the worker's claim makes harmless.
   */
  publishBatch(
    afterId: number,
    limit: number,
    publish: (events: PublishedEvent[]) => Promise<number[]>,
  ): Promise<{ lastId: number; taken: number; published: number }>;
  /** Deletes up to `limit` events published before `before` (their e-mails went, or their messages expired). */
  sweep(before: Date, limit: number): Promise<number>;
}

export interface EventQueue {
  /** Sends the events; resolves with the ids the queue has now, rejects when it took none. */
  publish(events: PublishedEvent[]): Promise<number[]>;
}

/** How long published events are kept: SQS's longest retention, so a redriven message still finds its row. */
export const keptForMs = 14 * 24 * 3600 * 1000;

export interface RelayOptions {
  /** SQS's most per SendMessageBatch. */
  batchSize?: number;
  /** A bound on one run's work; the next run carries on. */
  maxBatches?: number;
}

export function outboxRelay(store: OutboxStore, queue: EventQueue, options: RelayOptions = {}) {
  const { batchSize = 10, maxBatches = 50 } = options;
  return {
    /**
     * Publishes every committed event not yet published, oldest first, one batch at a time; an event the
     * queue refused stays unpublished for the next run. A queue that takes nothing at all ends the run with
     * its error (the scheduled run fails, and the function's error alarm says so).
     */
    async run(now = new Date()): Promise<{ published: number; refused: number; swept: number }> {
      let afterId = 0;
      let published = 0;
      let refused = 0;
      for (let batch = 0; batch < maxBatches; batch++) {
        const result = await store.publishBatch(afterId, batchSize, (events) => queue.publish(events));
        published += result.published;
        refused += result.taken - result.published;
        if (result.taken < batchSize) break;
        afterId = result.lastId;
      }
      const swept = await store.sweep(new Date(now.getTime() - keptForMs), 500);
      return { published, refused, swept };
    },
  };
}
