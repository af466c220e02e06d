import { and, eq, lt, ne } from 'drizzle-orm';
import type { SessionStore } from '#lib/auth/sessions';
import type { Database, Executor } from '../client';
import { refreshTokens, sessions } from '../schema';

/**
 * Sessions and their refresh tokens. `reads` answers isOpen: the primary, so a logout is seen by the very
 * next request whichever container serves it.
 */
export function sessionRepository(db: Database, reads: Executor): SessionStore {
  return {
    async open(userId, first) {
      // Sessions nobody renewed in time can never be used again; signing in is a cheap moment to drop them.
      // Not inside the transaction below: its gap locks would make concurrent sign-ins deadlock.
      await db.delete(sessions).where(and(eq(sessions.userId, userId), lt(sessions.expiresAt, new Date())));
      return db.transaction(async (tx) => {
        const [session] = await tx.insert(sessions).values({ userId, expiresAt: first.expiresAt });
        await tx.insert(refreshTokens).values({ sessionId: session.insertId, ...first });
        return session.insertId;
      });
    },

    exchange: (tokenHash, judge, replacement, now) =>
      db.transaction(async (tx) => {
        // Locked: of two concurrent exchanges of one token, the second sees what the first did.
        const [token] = await tx
          .select({
            id: refreshTokens.id,
            sessionId: refreshTokens.sessionId,
            userId: sessions.userId,
            expiresAt: refreshTokens.expiresAt,
            rotatedAt: refreshTokens.rotatedAt,
          })
          .from(refreshTokens)
          .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
          .where(eq(refreshTokens.tokenHash, tokenHash))
          .limit(1)
          .for('update');
        if (!token) return undefined;
        const verdict = judge(token);
        const { sessionId, userId } = token;
        if (verdict === 'end') await tx.delete(sessions).where(eq(sessions.id, sessionId));
        if (verdict === 'renew') {
          if (!token.rotatedAt)
            await tx
              .update(refreshTokens)
              .set({ rotatedAt: now, updatedAt: now })
              .where(eq(refreshTokens.id, token.id));
          await tx.insert(refreshTokens).values({ sessionId, ...replacement });
          await tx
            .update(sessions)
            .set({ expiresAt: replacement.expiresAt, updatedAt: now })
            .where(eq(sessions.id, sessionId));
          // An expired token can no longer be presented, so reuse detection no longer needs it.
          await tx
            .delete(refreshTokens)
            .where(and(eq(refreshTokens.sessionId, sessionId), lt(refreshTokens.expiresAt, now)));
        }
        return { verdict, sessionId, userId };
      }),

    async isOpen(sessionId, userId) {
      const rows = await reads
        .select({ id: sessions.id })
        .from(sessions)
        .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
        .limit(1);
      return rows.length > 0;
    },

    async end(sessionId, userId) {
      await db.delete(sessions).where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)));
    },

    async endAll(userId, except) {
      await db
        .delete(sessions)
        .where(and(eq(sessions.userId, userId), except === undefined ? undefined : ne(sessions.id, except)));
    },
  };
}
