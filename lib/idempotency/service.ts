import { setTimeout as sleep } from 'node:timers/promises';
import { Invalid, StillRunning } from '#lib/errors';
import { describeError, log } from '#lib/log';

/**
 * Idempotent creates (the Idempotency-Key header): a client that retries a POST after a lost reply gets the
 * first reply again instead of a second article, comment or account. Keys belong to their user (0: a request
 * without one, registration) and their route, and are kept `keptForMs` (24 h).
 */

/** A reply as it was sent: its status and its JSON body, serialised. */
export interface StoredReply {
  statusCode: number;
  body: string;
}

export interface KeyedRequest {
  ownerId: number;
  /** API Gateway's route key (`POST /api/articles`). */
  route: string;
  key: string;
  /**
   * Digests of what was asked (path and body), the first to store, any to match (one per current secret):
   * the same key with another request is refused.
   */
  requestHashes: [string, ...string[]];
}

export interface Claim {
  id: number;
  requestHash: string;
  /** The reply, once the first request has one; undefined while it runs. */
  reply?: StoredReply;
  /** A reply was stored, but can no longer be read (the secret it was sealed with is gone): run again. */
  unreadable?: boolean;
  createdAt: Date;
  expiresAt: Date;
}

/** Where claims live: a table with a unique key on (owner, route, key), so one claim wins a race. */
export interface IdempotencyStore {
  /** Inserts a claim with `requestHash`; its id, or undefined when one exists for (owner, route, key). */
  claim(
    request: Omit<KeyedRequest, 'requestHashes'>,
    requestHash: string,
    expiresAt: Date,
  ): Promise<number | undefined>;
  find(request: Omit<KeyedRequest, 'requestHashes'>): Promise<Claim | undefined>;
  complete(id: number, reply: StoredReply): Promise<void>;
  /** Deletes the claim `id` (a failed request, an expired or abandoned claim) so the key can be used again. */
  release(id: number): Promise<void>;
  /** Deletes up to `limit` claims that expired before `now`. */
  purgeExpired(now: Date, limit: number): Promise<void>;
}

export type Outcome = { run: true; claimId: number } | { run: false; reply: StoredReply };

export interface IdempotencyOptions {
  keptForMs: number;
  /** How long a retry waits for the first request's reply before a 409. */
  waitMs: number;
  pollMs: number;
  /**
   * A claim still without a reply after this long belongs to a request that died (a function times out after
   * 10 s): it is given up, and the key runs again.
   */
  abandonedAfterMs: number;
  /** One claim in `sweepEvery` also deletes expired claims (a bounded batch), so the table does not grow. */
  sweepEvery: number;
}

export const defaultIdempotencyOptions: IdempotencyOptions = {
  keptForMs: 24 * 60 * 60 * 1000,
  waitMs: 5_000,
  pollMs: 50,
  abandonedAfterMs: 60_000,
  sweepEvery: 16,
};

const field = 'idempotencyKey';

export function idempotencyService(store: IdempotencyStore, options = defaultIdempotencyOptions) {
  return {
    /**
     * Claims the key for this request (`run: true`: answer it, then complete() or release()), or returns the
     * reply of the first request with the same key and the same content. The same key with other content is
     * a 422; a first request still running is waited for, up to `waitMs`, then a 409 with Retry-After.
     */
    async begin(request: KeyedRequest): Promise<Outcome> {
      const deadline = Date.now() + options.waitMs;
      for (;;) {
        const now = new Date();
        const claimId = await store.claim(
          request,
          request.requestHashes[0],
          new Date(now.getTime() + options.keptForMs),
        );
        if (claimId !== undefined) {
          // Housekeeping: its failure must not strand the claim just made.
          if (Math.random() * options.sweepEvery < 1)
            await store
              .purgeExpired(now, 100)
              .catch((error: unknown) =>
                log.warn('could not sweep expired idempotency keys', { error: describeError(error) }),
              );
          return { run: true, claimId };
        }
        const found = await store.find(request);
        // Released meanwhile (the first request failed): claim it again.
        if (!found) continue;
        // Given up: a claim left without a reply too long, or a reply no current secret can open.
        const abandoned =
          found.unreadable ||
          (!found.reply && now.getTime() - found.createdAt.getTime() > options.abandonedAfterMs);
        if (found.expiresAt <= now || abandoned) {
          await store.release(found.id);
          continue;
        }
        if (!request.requestHashes.includes(found.requestHash))
          throw new Invalid({ [field]: ['was used with a different request'] });
        if (found.reply) return { run: false, reply: found.reply };
        if (Date.now() >= deadline) throw new StillRunning(field, 1);
        await sleep(options.pollMs);
      }
    },

    complete: (claimId: number, reply: StoredReply) => store.complete(claimId, reply),
    release: (claimId: number) => store.release(claimId),
  };
}

export type IdempotencyService = ReturnType<typeof idempotencyService>;
