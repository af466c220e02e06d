import { verifyPassword } from '#lib/auth/password';
import { sessionService, type Replacement } from '#lib/auth/sessions';
import type { SocialIdentity } from '#lib/auth/social';
import { loginThrottle } from '#lib/auth/throttle';
import { signAccessToken, verifyAccessToken } from '#lib/auth/tokens';
import { Conflict, Invalid, Unauthorized } from '#lib/errors';
import {
  userService,
  type IdentityKey,
  type LinkedIdentity,
  type NewUser,
  type UserFields,
  type UserRecord,
  type UserStore,
} from '#lib/users/service';
import { FakeAttemptStore } from '../support/fake-attempt-store';
import { FakeSessionStore } from '../support/fake-session-store';
import { withUnitTestSigningKey } from '../support/unit-secrets';

/** A UserStore over a map, with the unique username/e-mail rules of the real table. */
class FakeUserStore implements UserStore {
  constructor(private readonly sessionStore: FakeSessionStore) {}

  users = new Map<number, UserRecord>();
  updates: { id: number; changes: UserFields }[] = [];
  private nextId = 1;

  async findById(id: number) {
    const user = this.users.get(id);
    return user && { ...user };
  }

  async findByEmail(email: string) {
    const user = [...this.users.values()].find((u) => u.email === email);
    return user && { ...user };
  }

  private assertFree(fields: { username?: string; email?: string }, exceptId?: number): void {
    for (const user of this.users.values()) {
      if (user.id === exceptId) continue;
      if (fields.username !== undefined && user.username === fields.username) throw new Conflict('username');
      if (fields.email !== undefined && user.email === fields.email) throw new Conflict('email');
    }
  }

  async insert(user: NewUser) {
    this.assertFree(user);
    const id = this.nextId++;
    this.users.set(id, {
      ...user,
      id,
      bio: null,
      image: null,
      emailNotifications: true,
      emailVerified: false,
    });
    return id;
  }

  async insertWithSession(user: NewUser, first: Replacement) {
    const userId = await this.insert(user);
    return { userId, sessionId: await this.sessionStore.open(userId, first) };
  }

  /** Sessions the store ended with an update (a password change), to check the service asks for it. */
  endedSessions: { userId: number; except: number }[] = [];

  async update(id: number, changes: UserFields, { endSessionsExcept }: { endSessionsExcept?: number } = {}) {
    this.updates.push({ id, changes });
    this.assertFree(changes, id);
    const user = this.users.get(id);
    if (user) Object.assign(user, changes, changes.email === undefined ? {} : { emailVerified: false });
    if (endSessionsExcept !== undefined) this.endedSessions.push({ userId: id, except: endSessionsExcept });
  }

  /** `provider:subject` → user id, as user_identities keys them. */
  identities = new Map<string, number>();

  async findByIdentity({ provider, subject }: IdentityKey) {
    const id = this.identities.get(`${provider}:${subject}`);
    return id === undefined ? undefined : this.findById(id);
  }

  async insertWithIdentity(user: NewUser, identity: LinkedIdentity) {
    if (this.identities.has(`${identity.provider}:${identity.subject}`)) throw new Conflict('identity');
    const id = await this.insert(user);
    this.users.get(id)!.emailVerified = identity.emailVerified;
    this.identities.set(`${identity.provider}:${identity.subject}`, id);
    return id;
  }

  /** Accounts claimed by a link (password, other identities and sessions dropped). */
  claimed: number[] = [];

  async linkIdentity(userId: number, { provider, subject }: LinkedIdentity, { claim }: { claim: boolean }) {
    if (this.identities.has(`${provider}:${subject}`)) throw new Conflict('identity');
    if (claim) {
      this.claimed.push(userId);
      Object.assign(this.users.get(userId)!, { passwordHash: null, emailVerified: true });
      for (const [key, owner] of this.identities) if (owner === userId) this.identities.delete(key);
    }
    this.identities.set(`${provider}:${subject}`, userId);
  }

  /** Accounts removed, in order. */
  removed: number[] = [];

  async remove(id: number) {
    this.removed.push(id);
    this.users.delete(id);
    for (const [key, owner] of this.identities) if (owner === id) this.identities.delete(key);
    await this.sessionStore.endAll(id);
  }
}

const jake = { username: 'jake', email: 'jake@jake.jake', password: 'jakejake-secret' };
withUnitTestSigningKey();

function setup() {
  const sessionStore = new FakeSessionStore();
  const store = new FakeUserStore(sessionStore);
  const service = userService(
    store,
    sessionService(sessionStore, signAccessToken),
    loginThrottle(new FakeAttemptStore()),
  );
  return { store, sessionStore, service };
}

const address = '192.0.2.1';

/** Jake's first session, as register opens it. */
const jakeSession = { userId: 1, sessionId: 1 };

describe('userService.register', () => {
  it('stores a password hash, never the password, that verifies against the password', async () => {
    // Arrange
    const { store, service } = setup();

    // Act
    await service.register(jake);

    // Assert
    const stored = store.users.get(1);
    expect(stored?.passwordHash).toBeDefined();
    expect(stored?.passwordHash).not.toBe(jake.password);
    expect(stored?.passwordHash).not.toContain(jake.password);
    expect(await verifyPassword(jake.password, stored?.passwordHash ?? '')).toBe(true);
  });

  it('returns the user with null bio and image and a token for the new id', async () => {
    // Arrange
    const { service } = setup();

    // Act
    const user = await service.register(jake);

    // Assert
    expect(user).toEqual({
      username: 'jake',
      email: 'jake@jake.jake',
      bio: null,
      image: null,
      emailNotifications: true,
      token: expect.any(String),
      refreshToken: expect.stringMatching(/^[\w-]{43}$/),
    });
    expect(user).not.toHaveProperty('passwordHash');
    expect(await verifyAccessToken(user.token)).toEqual({ userId: 1, sessionId: 1 });
  });

  it('lets a Conflict from the store through', async () => {
    // Arrange
    const { service } = setup();
    await service.register(jake);

    // Act
    const attempt = service.register({ ...jake, email: 'other@jake.jake' });

    // Assert
    await expect(attempt).rejects.toMatchObject({ errors: { username: ['has already been taken'] } });
  });
});

describe('userService.login', () => {
  it('returns the user and a working token for the right password', async () => {
    // Arrange
    const { service } = setup();
    await service.register(jake);

    // Act
    const user = await service.login(jake.email, jake.password, address);

    // Assert: a session of its own, next to the one registering opened
    expect(user.username).toBe('jake');
    expect(user.refreshToken).toEqual(expect.any(String));
    expect(await verifyAccessToken(user.token)).toEqual({ userId: 1, sessionId: 2 });
  });

  it.each([
    ['an unknown e-mail', 'nobody@jake.jake', jake.password],
    ['a wrong password', jake.email, 'not-the-password'],
  ])('rejects %s with Unauthorized(credentials, invalid)', async (_case, email, password) => {
    // Arrange
    const { service } = setup();
    await service.register(jake);

    // Act
    const attempt = service.login(email, password, address);

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(Unauthorized);
    await expect(attempt).rejects.toMatchObject({ errors: { credentials: ['invalid'] } });
  });
});

describe('userService.refresh', () => {
  it('returns the user with a new token pair for the same session', async () => {
    // Arrange
    const { service } = setup();
    const registered = await service.register(jake);

    // Act
    const user = await service.refresh(registered.refreshToken!);

    // Assert
    expect(user).toMatchObject({ username: 'jake', email: jake.email, refreshToken: expect.any(String) });
    expect(user.refreshToken).not.toBe(registered.refreshToken);
    expect(await verifyAccessToken(user.token)).toEqual(jakeSession);
  });
});

describe('userService.current', () => {
  it('returns the user with the token it was given', async () => {
    // Arrange
    const { service } = setup();
    await service.register(jake);

    // Act
    const user = await service.current(1, 'the-presented-token');

    // Assert
    expect(user).toEqual({
      username: 'jake',
      email: jake.email,
      bio: null,
      image: null,
      emailNotifications: true,
      token: 'the-presented-token',
    });
  });

  it('treats a user that no longer exists as an invalid token', async () => {
    // Arrange
    const { store, service } = setup();
    await service.register(jake);
    store.users.delete(1);

    // Act
    const attempt = service.current(1, 'token');

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(Unauthorized);
    await expect(attempt).rejects.toMatchObject({ errors: { token: ['is invalid'] } });
  });
});

describe('userService.update', () => {
  it('re-hashes a new password, so the new one logs in and the old one does not', async () => {
    // Arrange
    const { store, service } = setup();
    await service.register(jake);
    const oldHash = store.users.get(1)?.passwordHash;

    // Act
    await service.update(jakeSession, { password: 'a-brand-new-password' });

    // Assert
    const newHash = store.users.get(1)?.passwordHash ?? '';
    expect(newHash).not.toBe(oldHash);
    expect(newHash).not.toContain('a-brand-new-password');
    expect(store.updates[0]?.changes).not.toHaveProperty('password');
    await expect(service.login(jake.email, 'a-brand-new-password', address)).resolves.toMatchObject({
      username: 'jake',
    });
    await expect(service.login(jake.email, jake.password, address)).rejects.toBeInstanceOf(Unauthorized);
  });

  it("asks the store to end the user's other sessions with a password change, keeping this one", async () => {
    // Arrange
    const { store, service } = setup();
    await service.register(jake);

    // Act
    const user = await service.update(jakeSession, { password: 'a-brand-new-password' });

    // Assert
    expect(store.endedSessions).toEqual([{ userId: 1, except: 1 }]);
    expect(await verifyAccessToken(user.token)).toEqual(jakeSession);
    expect(user).not.toHaveProperty('refreshToken');
  });

  it('keeps every session when the password does not change', async () => {
    // Arrange
    const { store, service } = setup();
    await service.register(jake);

    // Act
    await service.update(jakeSession, { bio: 'Still here' });

    // Assert
    expect(store.endedSessions).toEqual([]);
  });

  it('leaves the password hash alone when no password is given', async () => {
    // Arrange
    const { store, service } = setup();
    await service.register(jake);

    // Act
    const user = await service.update(jakeSession, { bio: 'I like to skateboard', image: null });

    // Assert
    expect(store.updates[0]?.changes).toEqual({ bio: 'I like to skateboard', image: null });
    expect(user.bio).toBe('I like to skateboard');
  });

  it('returns a token that works after the username and e-mail change', async () => {
    // Arrange
    const { service } = setup();
    await service.register(jake);

    // Act
    const user = await service.update(jakeSession, { username: 'jacob', email: 'jacob@jake.jake' });

    // Assert
    expect(user).toMatchObject({ username: 'jacob', email: 'jacob@jake.jake' });
    expect(await verifyAccessToken(user.token)).toEqual({ userId: 1, sessionId: 1 });
  });

  it('treats a vanished user as an invalid token', async () => {
    // Arrange
    const { store, service } = setup();

    // Act
    const attempt = service.update({ userId: 42, sessionId: 1 }, { bio: 'ghost' });

    // Assert
    await expect(attempt).rejects.toMatchObject({ errors: { token: ['is invalid'] } });
    expect(await store.findById(42)).toBeUndefined();
  });

  it('lets a Conflict on the e-mail through', async () => {
    // Arrange
    const { service } = setup();
    await service.register(jake);
    await service.register({ ...jake, username: 'celeb', email: 'celeb@jake.jake' });

    // Act
    const attempt = service.update(jakeSession, { email: 'celeb@jake.jake' });

    // Assert
    await expect(attempt).rejects.toMatchObject({ errors: { email: ['has already been taken'] } });
  });
});

describe('userService.remove', () => {
  it('asks the store to remove exactly the given account', async () => {
    // Arrange
    const { store, service } = setup();
    await service.register(jake);
    await service.register({ ...jake, username: 'jane', email: 'jane@jane.jane' });

    // Act
    await service.remove(1);

    // Assert
    expect(store.removed).toEqual([1]);
    expect([...store.users.keys()]).toEqual([2]);
  });
});

describe('userService.signInWith (a verified provider identity)', () => {
  const google = (fields: Partial<SocialIdentity> = {}): SocialIdentity => ({
    provider: 'google',
    subject: '1087',
    email: 'jake@jake.jake',
    emailVerified: true,
    name: 'Jake Doe',
    ...fields,
  });

  it('creates a passwordless account named after the profile: 201-worthy, with a session', async () => {
    // Arrange
    const { store, service } = setup();

    // Act
    const { user, created } = await service.signInWith(google());

    // Assert
    expect(created).toBe(true);
    expect(user).toMatchObject({ username: 'jake.doe', email: 'jake@jake.jake', bio: null, image: null });
    expect(user.refreshToken).toEqual(expect.any(String));
    expect(await verifyAccessToken(user.token)).toEqual({ userId: 1, sessionId: 1 });
    expect(store.users.get(1)?.passwordHash).toBeNull();
  });

  it('signs the same identity in again without creating anything, even after its e-mail changed', async () => {
    // Arrange
    const { store, service } = setup();
    await service.signInWith(google());

    // Act
    const { user, created } = await service.signInWith(google({ email: 'new@jake.jake', name: 'Other' }));

    // Assert
    expect(created).toBe(false);
    expect(user.username).toBe('jake.doe');
    expect(store.users.size).toBe(1);
  });

  it('links to the account with the same e-mail when the provider says it is verified, and claims it', async () => {
    // Arrange: an account whose e-mail nobody has proven (anyone can register any address)
    const { store, service } = setup();
    await service.register(jake);

    // Act
    const { user, created } = await service.signInWith(google());

    // Assert: the provider proved the address; the password whoever registered set goes
    expect(created).toBe(false);
    expect(user.username).toBe('jake');
    expect(store.identities.get('google:1087')).toBe(1);
    expect(store.claimed).toEqual([1]);
    await expect(service.login(jake.email, jake.password, address)).rejects.toBeInstanceOf(Unauthorized);
  });

  it('links without claiming when a provider already verified the e-mail', async () => {
    // Arrange: an account Apple created with a verified address, then a password its holder set
    const { store, service } = setup();
    await service.signInWith(google({ provider: 'apple', subject: 'a-1' }));
    await service.update(jakeSession, { password: jake.password });

    // Act
    const { created } = await service.signInWith(google());

    // Assert
    expect(created).toBe(false);
    expect(store.claimed).toEqual([]);
    expect(store.identities.get('apple:a-1')).toBe(1);
    await expect(service.login(jake.email, jake.password, address)).resolves.toMatchObject({
      username: 'jake.doe',
    });
  });

  it('never links on an unverified e-mail: the existing account stays untouched', async () => {
    // Arrange
    const { store, service } = setup();
    await service.register(jake);

    // Act
    const attempt = service.signInWith(google({ provider: 'kakao', emailVerified: false }));

    // Assert
    await expect(attempt).rejects.toMatchObject({ errors: { email: ['has already been taken'] } });
    expect(store.identities.size).toBe(0);
    expect(store.users.size).toBe(1);
  });

  it('creates an account on an unverified e-mail nobody uses (Kakao does not assert verification)', async () => {
    // Arrange
    const { service } = setup();

    // Act
    const { created } = await service.signInWith(google({ provider: 'kakao', emailVerified: false }));

    // Assert
    expect(created).toBe(true);
  });

  it('refuses an identity without an e-mail', async () => {
    // Arrange
    const { service } = setup();

    // Act
    const attempt = service.signInWith(google({ email: undefined, emailVerified: false }));

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(Invalid);
    await expect(attempt).rejects.toMatchObject({ errors: { email: ['must be shared by the provider'] } });
  });

  it('keeps the same subject at two providers apart', async () => {
    // Arrange
    const { store, service } = setup();
    await service.signInWith(google());

    // Act
    const { created } = await service.signInWith(
      google({ provider: 'apple', email: 'jd@privaterelay.appleid.com' }),
    );

    // Assert
    expect(created).toBe(true);
    expect(store.users.size).toBe(2);
  });

  it('suffixes the username when the plain one is taken', async () => {
    // Arrange
    const { service } = setup();
    await service.register({ ...jake, username: 'jake.doe', email: 'first@jake.jake' });

    // Act
    const { user } = await service.signInWith(google());

    // Assert
    expect(user.username).toMatch(/^jake\.doe-[0-9a-z]{6}$/);
  });

  it('a passwordless account cannot be logged into with any password', async () => {
    // Arrange
    const { service } = setup();
    await service.signInWith(google());

    // Act
    const attempt = service.login('jake@jake.jake', 'password123', address);

    // Assert
    await expect(attempt).rejects.toMatchObject({ errors: { credentials: ['invalid'] } });
  });
});
