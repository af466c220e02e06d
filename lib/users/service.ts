import { decoyHash, hashPassword, verifyPassword } from '#lib/auth/password';
import type { SessionService, SessionTokens } from '#lib/auth/sessions';
import type { LoginThrottle } from '#lib/auth/throttle';
import type { AccessClaims } from '#lib/auth/tokens';
import { Unauthorized } from '#lib/errors';
import type { Registration, UserChanges } from './schemas';

export interface UserRecord {
  id: number;
  username: string;
  email: string;
  /** Null for an account that signs in only through a provider. */
  passwordHash: string | null;
  bio: string | null;
  image: string | null;
}

export type UserFields = Partial<Omit<UserRecord, 'id'>>;

export interface UserStore {
  findById(id: number): Promise<UserRecord | undefined>;
  findByEmail(email: string): Promise<UserRecord | undefined>;
  /** Throws Conflict('username' | 'email') when either is taken. */
  insert(user: Omit<UserRecord, 'id' | 'bio' | 'image'>): Promise<number>;
  /** Throws Conflict('username' | 'email') when either is taken by someone else. */
  update(id: number, changes: UserFields): Promise<void>;
}

/**
 * The authenticated user, as the RealWorld `user` envelope carries it, plus the refresh token when a
 * session starts or renews (clients that only know `token` ignore it).
 */
export interface AuthenticatedUser {
  email: string;
  token: string;
  refreshToken?: string;
  username: string;
  bio: string | null;
  image: string | null;
}

const view = (
  { email, username, bio, image }: UserRecord,
  { token, refreshToken }: Pick<SessionTokens, 'token'> & Partial<SessionTokens>,
): AuthenticatedUser => ({ email, token, ...(refreshToken && { refreshToken }), username, bio, image });

export type UserSessions = Pick<SessionService, 'open' | 'refresh' | 'accessToken' | 'endOthers'>;

export function userService(store: UserStore, sessions: UserSessions, throttle: LoginThrottle) {
  async function existing(id: number): Promise<UserRecord> {
    const user = await store.findById(id);
    // A valid token for a user that no longer exists is as good as no token.
    if (!user) throw new Unauthorized('token', 'is invalid');
    return user;
  }

  return {
    async register({ username, email, password }: Registration): Promise<AuthenticatedUser> {
      const passwordHash = await hashPassword(password);
      const id = await store.insert({ username, email, passwordHash });
      return view({ id, username, email, passwordHash, bio: null, image: null }, await sessions.open(id));
    },

    /**
     * Unknown e-mail and wrong password answer alike, after the same amount of hashing work; too many
     * attempts for the e-mail or from the address answer 429 before any password is checked.
     */
    async login(email: string, password: string, address: string): Promise<AuthenticatedUser> {
      await throttle.attempt(email, address);
      const user = await store.findByEmail(email);
      const matches = await verifyPassword(password, user?.passwordHash ?? decoyHash);
      if (!user || !matches) throw new Unauthorized('credentials', 'invalid');
      await throttle.succeeded(email, address);
      return view(user, await sessions.open(user.id));
    },

    /** A new token pair for the session the refresh token belongs to. */
    async refresh(refreshToken: string): Promise<AuthenticatedUser> {
      const { userId, ...tokens } = await sessions.refresh(refreshToken);
      return view(await existing(userId), tokens);
    },

    async current(id: number, token: string): Promise<AuthenticatedUser> {
      return view(await existing(id), { token });
    },

    /** A new password ends the user's other sessions: whoever knew the old one is signed out. */
    async update(session: AccessClaims, { password, ...changes }: UserChanges): Promise<AuthenticatedUser> {
      const passwordHash = password === undefined ? undefined : await hashPassword(password);
      await store.update(session.userId, { ...changes, ...(passwordHash && { passwordHash }) });
      if (passwordHash) await sessions.endOthers(session);
      return view(await existing(session.userId), { token: await sessions.accessToken(session) });
    },
  };
}
