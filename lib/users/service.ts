import { decoyHash, hashPassword, verifyPassword } from '#lib/auth/password';
import type { Replacement, SessionService, SessionTokens } from '#lib/auth/sessions';
import type { Provider, SocialIdentity } from '#lib/auth/social';
import type { LoginThrottle } from '#lib/auth/throttle';
import type { AccessClaims } from '#lib/auth/tokens';
import { Conflict, Invalid, Unauthorized } from '#lib/errors';
import { saveUnderFreeName } from '#lib/unique-names';
import { usernameFrom } from './usernames';

export interface UserRecord {
  id: number;
  username: string;
  email: string;
  /** Null for an account that signs in only through a provider. */
  passwordHash: string | null;
  bio: string | null;
  image: string | null;
  /** Whether the user gets e-mails about new followers and comments on their articles (default on). */
  emailNotifications: boolean;
  /** Whether a sign-in provider has asserted the e-mail belongs to this account's holder. */
  emailVerified: boolean;
}

export type NewUser = Pick<UserRecord, 'username' | 'email' | 'passwordHash'>;

/** What registering needs (the HTTP layer validates the request into this; see ./schemas.ts). */
export interface Registration {
  username: string;
  email: string;
  password: string;
}

/** The account fields an update changes; `null` clears bio or image. */
export interface UserChanges {
  username?: string;
  email?: string;
  password?: string;
  bio?: string | null;
  image?: string | null;
  emailNotifications?: boolean;
}
export type UserFields = Partial<Omit<UserRecord, 'id' | 'emailVerified'>>;

export interface UserStore {
  findById(id: number): Promise<UserRecord | undefined>;
  findByEmail(email: string): Promise<UserRecord | undefined>;
  /** Throws Conflict('username' | 'email') when either is taken. */
  insert(user: NewUser): Promise<number>;
  /**
   * insert(), and the account's first session with `first` as its refresh token, in one transaction, which
   * also records the `user_registered` event (the welcome e-mail).
   */
  insertWithSession(user: NewUser, first: Replacement): Promise<AccessClaims>;
  /**
   * Throws Conflict('username' | 'email') when either is taken by someone else. A changed e-mail is no
   * longer verified. With `endSessionsExcept`, ends the user's other sessions in the same transaction.
   */
  update(id: number, changes: UserFields, options?: { endSessionsExcept?: number }): Promise<void>;
  findByIdentity(identity: IdentityKey): Promise<UserRecord | undefined>;
  /**
   * A new account and its provider identity, together, with its `user_registered` event; the e-mail counts as
   * verified when the identity says so. Throws Conflict('username' | 'email' | 'identity').
   */
  insertWithIdentity(user: NewUser, identity: LinkedIdentity): Promise<number>;
  /**
   * Links a provider identity that verified the account's e-mail. With `claim` (the e-mail was never
   * verified before), everything that did not prove it goes, in the same transaction: the password, the
   * other identities and every session. Throws Conflict('identity') when the identity is already linked.
   */
  linkIdentity(userId: number, identity: LinkedIdentity, options: { claim: boolean }): Promise<void>;
  /**
   * Deletes the account and, in the same transaction, everything that refers to it: its articles (soft-deleted
   * ones too) with their comments, favorites and tag links, its comments and favorites elsewhere, its follows
   * both ways, its sessions with their refresh tokens, and its provider identities. Nothing when it is gone.
   */
  remove(id: number): Promise<void>;
}

export interface IdentityKey {
  provider: Provider;
  subject: string;
}

export interface LinkedIdentity extends IdentityKey {
  email: string;
  emailVerified: boolean;
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
  emailNotifications: boolean;
}

const view = (
  { email, username, bio, image, emailNotifications }: UserRecord,
  { token, refreshToken }: Pick<SessionTokens, 'token'> & Partial<SessionTokens>,
): AuthenticatedUser => ({
  email,
  token,
  ...(refreshToken && { refreshToken }),
  username,
  bio,
  image,
  emailNotifications,
});

/** What a new account starts with besides its name, e-mail and password. */
const newAccount = { bio: null, image: null, emailNotifications: true };

export type UserSessions = Pick<SessionService, 'open' | 'openWith' | 'refresh' | 'accessToken'>;

export function userService(store: UserStore, sessions: UserSessions, throttle: LoginThrottle) {
  async function existing(id: number): Promise<UserRecord> {
    const user = await store.findById(id);
    // A valid token for a user that no longer exists is as good as no token.
    if (!user) throw new Unauthorized('token', 'is invalid');
    return user;
  }

  /**
   * A new account for a provider identity, named after its profile: the plain name if free, else with a
   * random suffix (the unique index decides, so two sign-ins racing for a name cannot both get it).
   */
  async function createFor(identity: LinkedIdentity & { name?: string }): Promise<UserRecord> {
    const user = { email: identity.email, passwordHash: null };
    const { name: username, saved: id } = await saveUnderFreeName(
      usernameFrom(identity),
      'username',
      (username) => store.insertWithIdentity({ ...user, username }, identity),
    );
    return { ...user, ...newAccount, username, id, emailVerified: identity.emailVerified };
  }

  /**
   * Who a verified provider identity is: the account it was linked to; else the account with the same
   * e-mail, linked now, but only when the provider asserts the e-mail is verified (anyone can type an
   * address into a provider profile or a registration form); else a new account without a password.
   *
   * Linking to an account whose e-mail was never verified also claims it: whoever registered it, or set its
   * password, may not own the address (pre-account takeover), so the password, the other identities and
   * every session go, and the provider's sign-in is the way in until a new password is set.
   */
  async function accountFor({
    email,
    ...identity
  }: SocialIdentity): Promise<{ user: UserRecord; created: boolean }> {
    const known = await store.findByIdentity(identity);
    if (known) return { user: known, created: false };
    if (!email) throw new Invalid({ email: ['must be shared by the provider'] });
    const linked = { ...identity, email };
    const owner = await store.findByEmail(email);
    if (!owner) return { user: await createFor(linked), created: true };
    if (!identity.emailVerified) throw new Conflict('email');
    await store.linkIdentity(owner.id, linked, { claim: !owner.emailVerified });
    return { user: { ...owner, emailVerified: true }, created: false };
  }

  return {
    /** Signs in with a provider identity (verified by lib/auth/social.ts), creating the account if needed. */
    async signInWith(identity: SocialIdentity): Promise<{ user: AuthenticatedUser; created: boolean }> {
      let account: { user: UserRecord; created: boolean };
      try {
        account = await accountFor(identity);
      } catch (error) {
        // A concurrent first sign-in with the same identity got there first: it is linked now.
        if (!(error instanceof Conflict && (error.errors.identity || error.errors.email))) throw error;
        const linked = await store.findByIdentity(identity);
        if (!linked) throw error;
        account = { user: linked, created: false };
      }
      return { user: view(account.user, await sessions.open(account.user.id)), created: account.created };
    },

    /** The account and its first session are written together: a failed registration leaves nothing behind. */
    async register({ username, email, password }: Registration): Promise<AuthenticatedUser> {
      const passwordHash = await hashPassword(password);
      const newUser = { username, email, passwordHash };
      const { userId, ...tokens } = await sessions.openWith((first) =>
        store.insertWithSession(newUser, first),
      );
      return view({ ...newUser, ...newAccount, id: userId, emailVerified: false }, tokens);
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

    /** A new password ends the user's other sessions (in the same transaction): whoever knew the old one is out. */
    async update(session: AccessClaims, { password, ...changes }: UserChanges): Promise<AuthenticatedUser> {
      const passwordHash = password === undefined ? undefined : await hashPassword(password);
      await store.update(
        session.userId,
        { ...changes, ...(passwordHash && { passwordHash }) },
        passwordHash ? { endSessionsExcept: session.sessionId } : {},
      );
      return view(await existing(session.userId), { token: await sessions.accessToken(session) });
    },

    /**
     * Deletes the account and everything it owns or takes part in (see UserStore.remove). Its sessions go with
     * it, so its access and refresh tokens stop working at once; its username and e-mail are free again.
     */
    async remove(id: number): Promise<void> {
      await store.remove(id);
    },
  };
}
