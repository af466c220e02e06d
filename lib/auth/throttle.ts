import { TooManyAttempts } from '#lib/errors';

/**
 * How many login attempts may fail within a window: a handful per account (guessing one password), many
 * more per source address (an office or a mobile carrier puts many users behind one address).
 */
export interface LoginLimits {
  windowMs: number;
  perAccount: number;
  perAddress: number;
}

export const loginLimits: LoginLimits = { windowMs: 15 * 60 * 1000, perAccount: 5, perAddress: 100 };

export type AttemptScope = 'account' | 'address';

export interface AttemptCount {
  scope: AttemptScope;
  attempts: number;
  windowStartedAt: Date;
}

export interface AttemptStore {
  /**
   * Counts one more attempt for the account and for the address (a window that started at or before
   * `windowStart` starts over at `now`) and returns both counts, this attempt included. Counting before the
   * password is checked means concurrent guesses cannot all slip in under the limit.
   */
  count(account: string, address: string, now: Date, windowStart: Date): Promise<AttemptCount[]>;
  /** A successful login: the account starts afresh, and the address gets its attempt back. */
  succeeded(account: string, address: string): Promise<void>;
  /** Forgets the counts of one account, or every count (accounts and addresses); returns how many went. */
  clear(account?: string): Promise<number>;
}

/** The account is the e-mail as typed, known or not, so throttling says nothing about who has an account. */
const accountOf = (email: string) => email.trim().toLowerCase();

export function loginThrottle(store: AttemptStore, limits = loginLimits, clock = () => new Date()) {
  const limitOf = { account: limits.perAccount, address: limits.perAddress };

  return {
    /** Throws TooManyAttempts (with how long to wait) when this attempt is over either limit. */
    async attempt(email: string, address: string): Promise<void> {
      const now = clock();
      const counts = await store.count(
        accountOf(email),
        address,
        now,
        new Date(now.getTime() - limits.windowMs),
      );
      const over = counts.filter(({ scope, attempts }) => attempts > limitOf[scope]);
      if (over.length === 0) return;
      const reopensAt = Math.max(
        ...over.map(({ windowStartedAt }) => windowStartedAt.getTime() + limits.windowMs),
      );
      throw new TooManyAttempts('credentials', Math.max(1, Math.ceil((reopensAt - now.getTime()) / 1000)));
    },

    succeeded: (email: string, address: string) => store.succeeded(accountOf(email), address),

    /** Lifts the limit for `email` at once, or for everyone (`npm run db:unlock`); returns the counts dropped. */
    unlock: (email?: string) => store.clear(email === undefined ? undefined : accountOf(email)),
  };
}

export type LoginThrottle = ReturnType<typeof loginThrottle>;
