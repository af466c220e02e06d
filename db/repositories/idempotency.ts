import { and, eq, lt } from 'drizzle-orm';
import type { IdempotencyStore } from '#lib/idempotency/service';
import type { Database } from '../client';
import { duplicateKey } from '../errors';
import { idempotencyKeys } from '../schema';

/**
 * Idempotency claims. Every statement goes to the primary (they write, or read what another request just
 * wrote): a claim is decided by the unique key `idempotency_keys_unique`, never by reading first.
 */
export function idempotencyRepository(db: Database): IdempotencyStore {
  const of = ({ ownerId, route, key }: { ownerId: number; route: string; key: string }) =>
    and(eq(idempotencyKeys.ownerId, ownerId), eq(idempotencyKeys.route, route), eq(idempotencyKeys.key, key));

  return {
    async claim({ ownerId, route, key }, requestHash, expiresAt) {
      try {
        const [inserted] = await db
          .insert(idempotencyKeys)
          .values({ ownerId, route, key, requestHash, expiresAt });
        return inserted.insertId;
      } catch (error) {
        if (duplicateKey(error) === 'idempotency_keys_unique') return undefined;
        throw error;
      }
    },

    async find(request) {
      // Already a write in this request (the claim), so this read goes to the primary too.
      const [row] = await db.select().from(idempotencyKeys).where(of(request)).limit(1);
      if (!row) return undefined;
      const { id, requestHash, statusCode, responseBody, createdAt, expiresAt } = row;
      const reply = statusCode === null ? undefined : { statusCode, body: responseBody ?? '' };
      return { id, requestHash, reply, createdAt, expiresAt };
    },

    async complete(id, { statusCode, body }) {
      await db
        .update(idempotencyKeys)
        .set({ statusCode, responseBody: body, updatedAt: new Date() })
        .where(eq(idempotencyKeys.id, id));
    },

    async release(id) {
      await db.delete(idempotencyKeys).where(eq(idempotencyKeys.id, id));
    },

    async purgeExpired(now, limit) {
      await db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, now)).limit(limit);
    },
  };
}
