import type { Replacement, SessionStore, StoredRefreshToken, Verdict } from '#lib/auth/sessions';

interface FakeToken extends StoredRefreshToken {
  tokenHash: string;
}

/** A SessionStore over maps, with the real one's rules: ending a session takes its refresh tokens along. */
export class FakeSessionStore implements SessionStore {
  sessions = new Map<number, { userId: number; expiresAt: Date }>();
  tokens: FakeToken[] = [];
  private nextId = 1;

  async open(userId: number, first: Replacement) {
    const sessionId = this.nextId++;
    this.sessions.set(sessionId, { userId, expiresAt: first.expiresAt });
    this.tokens.push({ ...first, sessionId, userId, rotatedAt: null });
    return sessionId;
  }

  async exchange(
    tokenHash: string,
    decide: (token: StoredRefreshToken) => Verdict,
    replacement: Replacement,
    now: Date,
  ) {
    const token = this.tokens.find((candidate) => candidate.tokenHash === tokenHash);
    if (!token) return undefined;
    const verdict = decide({ ...token });
    const { sessionId, userId } = token;
    if (verdict === 'end') await this.end(sessionId, userId);
    if (verdict === 'renew') {
      for (const live of this.tokens) if (live.sessionId === sessionId) live.rotatedAt ??= now;
      this.tokens.push({ ...replacement, sessionId, userId, rotatedAt: null });
    }
    return { verdict, sessionId, userId };
  }

  async isOpen(sessionId: number, userId: number) {
    return this.sessions.get(sessionId)?.userId === userId;
  }

  async end(sessionId: number, userId: number) {
    if (this.sessions.get(sessionId)?.userId !== userId) return;
    this.sessions.delete(sessionId);
    this.tokens = this.tokens.filter((token) => token.sessionId !== sessionId);
  }

  async endAll(userId: number) {
    for (const [id, session] of this.sessions) if (session.userId === userId) await this.end(id, userId);
  }
}
