import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Replacement, SessionStore } from '#lib/auth/sessions';
import type { Database, Executor } from '../client';
import { refreshTokens, sessions } from '../schema';

/** A session with its first refresh token; run it in a transaction. Returns the session id. */
export async function insertSession(tx: Executor, userId: number, first: Replacement): Promise<number> {
  const [session] = await tx.insert(sessions).values({ userId, expiresAt: first.expiresAt });
  await tx.insert(refreshTokens).values({ sessionId: session.insertId, ...first });
  return session.insertId;
}

/**
 * Sessions and their refresh tokens. `reads` answers isOpen: the primary, so a logout is seen by the very
 * next request whichever container serves it.
 */
export function sessionRepository(db: Database, reads: Executor): SessionStore {
  // Every authenticated request asks isOpen: its SQL is built here once (drizzle's prepare), not per request.
  const openSession = reads
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.id, sql.placeholder('sessionId')), eq(sessions.userId, sql.placeholder('userId'))))
    .limit(1)
    .prepare();

  return {
    async open(userId, first) {
      // Sessions nobody renewed in time can never be used again; signing in is a cheap moment to drop them.
      // Not inside the transaction below: its gap locks would make concurrent sign-ins deadlock.
      await db.delete(sessions).where(and(eq(sessions.userId, userId), lt(sessions.expiresAt, new Date())));
      return db.transaction((tx) => insertSession(tx, userId, first));
    },

    exchange: (tokenHash, decide, replacement, now) =>
      db.transaction(async (tx) => {
        // Every change to a session's tokens (exchange, logout's cascade) locks the session row first, then
        // its tokens: concurrent exchanges of one session queue up instead of deadlocking, and each sees
        // what the one before it did.
        const [found] = await tx
          .select({ sessionId: refreshTokens.sessionId })
          .from(refreshTokens)
          .where(eq(refreshTokens.tokenHash, tokenHash))
          .limit(1);
        if (!found) return undefined;
        const [session] = await tx
          .select({ userId: sessions.userId })
          .from(sessions)
          .where(eq(sessions.id, found.sessionId))
          .for('update');
        const [token] = await tx
          .select({ expiresAt: refreshTokens.expiresAt, rotatedAt: refreshTokens.rotatedAt })
          .from(refreshTokens)
          .where(eq(refreshTokens.tokenHash, tokenHash))
          .for('update');
        // Ended between the lookup and the lock (a logout, a detected reuse): as good as unknown.
        if (!session || !token) return undefined;
        const { sessionId } = found;
        const { userId } = session;
        const verdict = decide({ ...token, sessionId, userId });
        if (verdict === 'end') await tx.delete(sessions).where(eq(sessions.id, sessionId));
        if (verdict === 'renew') {
          // Retires every live token of the session, not only the presented one: a session has one live
          // refresh token, so a copy exchanged in the grace window cannot grow a chain of its own.
          await tx
            .update(refreshTokens)
            .set({ rotatedAt: now, updatedAt: now })
            .where(and(eq(refreshTokens.sessionId, sessionId), isNull(refreshTokens.rotatedAt)));
          // An expired token can no longer be presented, so reuse detection no longer needs it.
          await tx
            .delete(refreshTokens)
            .where(and(eq(refreshTokens.sessionId, sessionId), lt(refreshTokens.expiresAt, now)));
          await tx.insert(refreshTokens).values({ sessionId, ...replacement });
          await tx
            .update(sessions)
            .set({ expiresAt: replacement.expiresAt, updatedAt: now })
            .where(eq(sessions.id, sessionId));
        }
        return { verdict, sessionId, userId };
      }),

    async isOpen(sessionId, userId) {
      const rows = await openSession.execute({ sessionId, userId });
      return rows.length > 0;
    },

    async end(sessionId, userId) {
      await db.delete(sessions).where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)));
    },

    async endAll(userId) {
      await db.delete(sessions).where(eq(sessions.userId, userId));
    },
  };
}
