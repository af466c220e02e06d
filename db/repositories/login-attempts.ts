import { and, eq, gt, or, sql } from 'drizzle-orm';
import type { AttemptStore } from '#lib/auth/throttle';
import type { Database } from '../client';
import { loginAttempts } from '../schema';

const key = (scope: 'account' | 'address', subject: string) =>
  and(eq(loginAttempts.scope, scope), eq(loginAttempts.subject, subject));

export function loginAttemptRepository(db: Database): AttemptStore {
  return {
    count: (account, address, now, windowStart) =>
      // The upsert locks both rows until commit, so each concurrent attempt reads the count it made: of 20
      // guesses at once, exactly the allowed number get through. Rows are always locked account first.
      db.transaction(async (tx) => {
        const expired = sql`${loginAttempts.windowStartedAt} <= ${windowStart}`;
        await tx
          .insert(loginAttempts)
          .values(
            (['account', 'address'] as const).map((scope) => ({
              scope,
              subject: scope === 'account' ? account : address,
              attempts: 1,
              windowStartedAt: now,
              createdAt: now,
              updatedAt: now,
            })),
          )
          .onDuplicateKeyUpdate({
            // MySQL assigns left to right: `attempts` still sees the old window start.
            set: {
              attempts: sql`if(${expired}, 1, ${loginAttempts.attempts} + 1)`,
              windowStartedAt: sql`if(${expired}, ${now}, ${loginAttempts.windowStartedAt})`,
              updatedAt: now,
            },
          });
        return tx
          .select({
            scope: loginAttempts.scope,
            attempts: loginAttempts.attempts,
            windowStartedAt: loginAttempts.windowStartedAt,
          })
          .from(loginAttempts)
          .where(or(key('account', account), key('address', address)));
      }),

    async succeeded(account, address) {
      await db.delete(loginAttempts).where(key('account', account));
      await db
        .update(loginAttempts)
        .set({ attempts: sql`${loginAttempts.attempts} - 1` })
        .where(and(key('address', address), gt(loginAttempts.attempts, 0)));
    },

    async clear(account) {
      const [result] = await db.delete(loginAttempts).where(account ? key('account', account) : undefined);
      return result.affectedRows;
    },
  };
}
