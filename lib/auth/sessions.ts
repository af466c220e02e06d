import { createHash, randomBytes } from 'node:crypto';
import { Unauthorized } from '#lib/errors';
import type { AccessClaims } from './tokens';

/** How long a refresh token can be exchanged; each exchange starts a new one (the session slides). */
export const refreshTokenLifetimeMs = 30 * 24 * 60 * 60 * 1000;
/**
 * How long an exchanged refresh token still works: a client whose refresh request timed out retries with
 * the same token and must not be logged out for it. After this, presenting it again is reuse.
 */
export const reuseGraceMs = 10 * 1000;

/** A refresh token as stored: only its hash is kept. */
export interface StoredRefreshToken {
  sessionId: number;
  userId: number;
  expiresAt: Date;
  /** When it was exchanged for a newer one; null while it is the session's current token. */
  rotatedAt: Date | null;
}

/**
 * What exchanging a presented refresh token does: `renew` issues a new one (and retires the presented one),
 * `end` deletes the session because an exchanged token came back (it was copied), `reject` changes nothing.
 */
export type Verdict = 'renew' | 'end' | 'reject';

export interface Replacement {
  tokenHash: string;
  expiresAt: Date;
}

export interface SessionStore {
  /** Creates a session with its first refresh token; returns the session id. */
  open(userId: number, first: Replacement): Promise<number>;
  /**
   * Locks the refresh token with this hash, asks `decide` what to do, and does it in the same transaction:
   * `renew` retires every live token of the session (at `now`) and stores the replacement, `end` deletes the
   * session. Undefined when no such token exists (or its session has ended).
   */
  exchange(
    tokenHash: string,
    decide: (token: StoredRefreshToken) => Verdict,
    replacement: Replacement,
    now: Date,
  ): Promise<{ verdict: Verdict; sessionId: number; userId: number } | undefined>;
  /** One primary-key lookup, on the primary: a replica may not have seen a logout yet. */
  isOpen(sessionId: number, userId: number): Promise<boolean>;
  end(sessionId: number, userId: number): Promise<void>;
  endAll(userId: number): Promise<void>;
}

export interface SessionTokens {
  /** The RealWorld `token`: a short-lived access JWT naming the session. */
  token: string;
  /** Opaque, single-use, exchanged at POST /api/users/refresh for a new pair. */
  refreshToken: string;
}

export type AccessTokenSigner = (claims: AccessClaims) => Promise<string>;

const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The rotation rules, apart from storage so they read in one place. */
export function judge(token: StoredRefreshToken, now: Date): Verdict {
  if (token.expiresAt <= now) return 'reject';
  if (!token.rotatedAt) return 'renew';
  return now.getTime() - token.rotatedAt.getTime() <= reuseGraceMs ? 'renew' : 'end';
}

const invalidRefreshToken = () => new Unauthorized('refreshToken', 'is invalid');

export function sessionService(store: SessionStore, sign: AccessTokenSigner, clock = () => new Date()) {
  /** 256 random bits, URL-safe: guessing one is hopeless, so a fast hash is enough to store it. */
  function newRefreshToken(now = clock()) {
    const refreshToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + refreshTokenLifetimeMs);
    return { refreshToken, replacement: { tokenHash: hashRefreshToken(refreshToken), expiresAt } };
  }

  /**
   * A new session's tokens, stored by `save`: the session store, or a write that creates the user in the
   * same transaction (registration) and so tells whose session it is.
   */
  async function openWith(
    save: (first: Replacement) => Promise<AccessClaims>,
  ): Promise<SessionTokens & { userId: number }> {
    const { refreshToken, replacement } = newRefreshToken();
    const claims = await save(replacement);
    return { userId: claims.userId, token: await sign(claims), refreshToken };
  }

  return {
    /** Signs a user in on a new session. */
    open: (userId: number) =>
      openWith(async (first) => ({ userId, sessionId: await store.open(userId, first) })),

    openWith,

    /** Exchanges a refresh token for a new pair; a reused one ends its session, then fails like any other. */
    async refresh(presented: string): Promise<SessionTokens & { userId: number }> {
      const now = clock();
      const { refreshToken, replacement } = newRefreshToken(now);
      const outcome = await store.exchange(
        hashRefreshToken(presented),
        (token) => judge(token, now),
        replacement,
        now,
      );
      if (outcome?.verdict !== 'renew') throw invalidRefreshToken();
      const { userId, sessionId } = outcome;
      return { userId, token: await sign({ userId, sessionId }), refreshToken };
    },

    /** A new access token for a session the caller already holds (after a profile change). */
    accessToken: (claims: AccessClaims) => sign(claims),

    async assertOpen({ userId, sessionId }: AccessClaims): Promise<void> {
      if (!(await store.isOpen(sessionId, userId))) throw new Unauthorized('token', 'is invalid');
    },

    end: ({ userId, sessionId }: AccessClaims) => store.end(sessionId, userId),
    endAll: (userId: number) => store.endAll(userId),
  };
}

export type SessionService = ReturnType<typeof sessionService>;
