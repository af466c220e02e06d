import { decodeJwt, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { closeDatabase } from '#db/client';
import { parseSigningKeys } from '#lib/config/secrets';
import { api, type ApiResponse } from '../support/api';
import { registerUser, unique, type TestUser } from '../support/fixtures';

afterAll(closeDatabase);

const credentialsInvalid = { errors: { credentials: ['invalid'] } };
const tokenMissing = { errors: { token: ['is missing'] } };
const tokenInvalid = { errors: { token: ['is invalid'] } };
const tokenSchemeWrong = {
  errors: { token: ['must be sent as "Authorization: Token <jwt>" (or Bearer)'] },
};

const newUser = (overrides: Record<string, unknown> = {}) => {
  const username = unique('reg');
  return { username, email: `${username}@example.com`, password: 'password123', ...overrides };
};

/** Nothing about the stored password may ever reach a client. */
function expectNoSecrets(response: ApiResponse): void {
  expect(response.raw).not.toMatch(/scrypt\$|passwordHash|password_hash/);
}

/** The signing keys test/support/env.ts configures: the current one first, then the previous one. */
const [current, previous] = parseSigningKeys(process.env.JWT_SIGNING_KEYS!);
const secret = () => current.key;

/** A token with the claims the API issues (user and session of `claims`), signed with `key`, for tampering tests. */
function tokenLike(
  { sub, sid }: JWTPayload,
  key: Uint8Array,
  { exp = '1h' as string | number, kid = current.kid } = {},
) {
  return new SignJWT({ sid })
    .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
    .setSubject(sub!)
    .setIssuer(process.env.JWT_ISSUER || 'conduit')
    .setAudience(process.env.JWT_AUDIENCE || 'conduit-api')
    .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
    .setExpirationTime(exp)
    .sign(key);
}

describe('POST /api/users (register)', () => {
  test('creates the user: 201, bio and image null, and the token works on GET /api/user', async () => {
    const user = newUser();

    const response = await api.post('/api/users', { user });

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      user: {
        username: user.username,
        email: user.email,
        bio: null,
        image: null,
        emailNotifications: true,
        token: expect.any(String),
        refreshToken: expect.any(String),
      },
    });
    expectNoSecrets(response);
    const current = await api.get('/api/user', { token: response.body.user.token });
    expect(current.status).toBe(200);
    expect(current.body.user).toMatchObject({ username: user.username, email: user.email });
  });

  test('a body without username, email and password is 422 with a key for each field', async () => {
    const response = await api.post('/api/users', { user: {} });

    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual({
      username: ["can't be blank"],
      email: ["can't be blank"],
      password: ["can't be blank"],
    });
  });

  test('a body without the user envelope is 422', async () => {
    const response = await api.post('/api/users', newUser());

    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual(['user']);
  });

  test.each([
    ['a blank username', { username: '' }, 'username'],
    ['a whitespace-only username', { username: '   ' }, 'username'],
    ['a username over 64 characters', { username: 'u'.repeat(65) }, 'username'],
    ['an invalid e-mail', { email: 'not-an-email' }, 'email'],
    ['a blank e-mail', { email: '' }, 'email'],
    ['a password of 7 characters', { password: 'seven77' }, 'password'],
    ['a null password', { password: null }, 'password'],
  ])('%s is 422 keyed by the field', async (_case, overrides, field) => {
    const response = await api.post('/api/users', { user: newUser(overrides) });

    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual([field]);
    expect(response.body.errors[field]).toEqual([expect.any(String)]);
  });

  test('a username of exactly 64 characters and a password of exactly 8 are accepted', async () => {
    const username = `${unique('max')}`.padEnd(64, 'x');

    const response = await api.post('/api/users', {
      user: { username, email: `${unique()}@example.com`, password: '12345678' },
    });

    expect(response.status).toBe(201);
    expect(response.body.user.username).toBe(username);
  });

  test('a taken username is 409 on username', async () => {
    const existing = await registerUser();

    const response = await api.post('/api/users', { user: newUser({ username: existing.username }) });

    expect(response.status).toBe(409);
    expect(response.body).toEqual({ errors: { username: ['has already been taken'] } });
  });

  test('a taken e-mail is 409 on email', async () => {
    const existing = await registerUser();

    const response = await api.post('/api/users', { user: newUser({ email: existing.email }) });

    expect(response.status).toBe(409);
    expect(response.body).toEqual({ errors: { email: ['has already been taken'] } });
  });

  test('10 simultaneous identical registrations: exactly one 201, the rest 409', async () => {
    const user = newUser();

    const responses = await Promise.all(Array.from({ length: 10 }, () => api.post('/api/users', { user })));

    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, ...Array<number>(9).fill(409)]);
    for (const response of responses.filter((r) => r.status === 409))
      expect(Object.values(response.body.errors)).toEqual([['has already been taken']]);
    const login = await api.post('/api/users/login', {
      user: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(200);
  });
});

describe('POST /api/users/login', () => {
  let jake: TestUser;
  beforeAll(async () => {
    jake = await registerUser();
  });

  test('the right credentials give 200 with the user and a working token', async () => {
    const response = await api.post('/api/users/login', {
      user: { email: jake.email, password: jake.password },
    });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      user: {
        username: jake.username,
        email: jake.email,
        bio: null,
        image: null,
        emailNotifications: true,
        token: expect.any(String),
        refreshToken: expect.any(String),
      },
    });
    expectNoSecrets(response);
    const current = await api.get('/api/user', { token: response.body.user.token });
    expect(current.status).toBe(200);
    expect(current.body.user.username).toBe(jake.username);
  });

  test('a wrong password and an unknown e-mail are both 401 credentials invalid, with identical bodies', async () => {
    const wrongPassword = await api.post('/api/users/login', {
      user: { email: jake.email, password: 'not-the-password' },
    });
    const unknownEmail = await api.post('/api/users/login', {
      user: { email: `${unique('nobody')}@example.com`, password: jake.password },
    });

    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.body).toEqual(credentialsInvalid);
    expect(unknownEmail.status).toBe(401);
    expect(unknownEmail.raw).toBe(wrongPassword.raw);
  });

  test('a missing password is 422, not an authentication attempt', async () => {
    const response = await api.post('/api/users/login', { user: { email: jake.email } });

    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual(['password']);
  });
});

describe('GET /api/user', () => {
  let jake: TestUser;
  beforeAll(async () => {
    jake = await registerUser();
  });

  test('returns the current user and echoes the token it was called with', async () => {
    const response = await api.get('/api/user', { token: jake.token });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      user: {
        username: jake.username,
        email: jake.email,
        bio: null,
        image: null,
        emailNotifications: true,
        token: jake.token,
      },
    });
    expectNoSecrets(response);
  });

  test('accepts the Bearer scheme too', async () => {
    const response = await api.get('/api/user', { headers: { authorization: `Bearer ${jake.token}` } });

    expect(response.status).toBe(200);
    expect(response.body.user.username).toBe(jake.username);
  });

  test('without a token is 401 token is missing', async () => {
    const response = await api.get('/api/user');

    expect(response.status).toBe(401);
    expect(response.body).toEqual(tokenMissing);
  });

  test.each([
    ['another scheme', (token: string) => `JWT ${token}`],
    ['Basic', (token: string) => `Basic ${token}`],
    ['a bare token', (token: string) => token],
    ['a scheme run into the token', (token: string) => `Token${token}`],
  ])('%s is 401 saying how to send the token', async (_case, authorization) => {
    // Act
    const response = await api.get('/api/user', { headers: { authorization: authorization(jake.token) } });

    // Assert
    expect(response.status).toBe(401);
    expect(response.body).toEqual(tokenSchemeWrong);
  });

  test.each([
    ['a lowercase scheme', `token`],
    ['an uppercase scheme', `BEARER`],
  ])('%s is accepted', async (_case, scheme) => {
    // Act
    const response = await api.get('/api/user', { headers: { authorization: `${scheme} ${jake.token}` } });

    // Assert
    expect(response.status).toBe(200);
  });

  test.each([
    ['Token with nothing after it', 'Token'],
    ['Bearer with a token that is not a JWT', 'Bearer not-a-jwt'],
    ['Token with two tokens', 'Token a.b.c d.e.f'],
  ])('the right scheme with a bad token (%s) is still 401 token is invalid', async (_case, authorization) => {
    // Act
    const response = await api.get('/api/user', { headers: { authorization } });

    // Assert
    expect(response.status).toBe(401);
    expect(response.body).toEqual(tokenInvalid);
  });

  test('junk is 401 token is invalid', async () => {
    const response = await api.get('/api/user', { token: 'not.a.jwt' });

    expect(response.status).toBe(401);
    expect(response.body).toEqual(tokenInvalid);
  });

  test('a token whose payload was swapped for another user (signature kept) is 401 token is invalid', async () => {
    const other = await registerUser();
    const [header, , signature] = jake.token.split('.');
    const [, otherPayload] = other.token.split('.');
    const forged = `${header}.${otherPayload}.${signature}`;

    const response = await api.get('/api/user', { token: forged });

    expect(response.status).toBe(401);
    expect(response.body).toEqual(tokenInvalid);
  });

  test('an expired token (right secret, right user) is 401 token is invalid', async () => {
    const claims = decodeJwt(jake.token);
    const valid = await tokenLike(claims, secret());
    const expired = await tokenLike(claims, secret(), { exp: Math.floor(Date.now() / 1000) - 60 });

    const control = await api.get('/api/user', { token: valid });
    const response = await api.get('/api/user', { token: expired });

    expect(control.status).toBe(200);
    expect(response.status).toBe(401);
    expect(response.body).toEqual(tokenInvalid);
  });

  test('a token signed with the previous signing key (by its kid) still works after a rotation', async () => {
    const token = await tokenLike(decodeJwt(jake.token), previous!.key, { kid: previous!.kid });

    const response = await api.get('/api/user', { token });

    expect(response.status).toBe(200);
    expect(response.body.user.username).toBe(jake.username);
  });

  test('a token signed with another secret is 401 token is invalid', async () => {
    const token = await tokenLike(
      decodeJwt(jake.token),
      new TextEncoder().encode('another-secret-of-at-least-32-characters!!'),
    );

    const response = await api.get('/api/user', { token });

    expect(response.status).toBe(401);
    expect(response.body).toEqual(tokenInvalid);
  });

  test('a token with alg "none" is 401 token is invalid', async () => {
    const { sub, sid } = decodeJwt(jake.token);
    const unsigned = new UnsecuredJWT({ sid })
      .setSubject(sub!)
      .setIssuer(process.env.JWT_ISSUER || 'conduit')
      .setAudience(process.env.JWT_AUDIENCE || 'conduit-api')
      .setExpirationTime('1h')
      .encode();

    for (const token of [unsigned, `${unsigned}x`]) {
      const response = await api.get('/api/user', { token });

      expect(response.status).toBe(401);
      expect(response.body).toEqual(tokenInvalid);
    }
  });

  test('a well-signed token for a user id that does not exist is 401 token is invalid', async () => {
    const token = await tokenLike({ ...decodeJwt(jake.token), sub: '999999999' }, secret());

    const response = await api.get('/api/user', { token });

    expect(response.status).toBe(401);
    expect(response.body).toEqual(tokenInvalid);
  });
});

describe('PUT /api/user', () => {
  test('sets bio and image, and "" clears them back to null', async () => {
    const jake = await registerUser();
    const image = 'https://example.com/jake.png';

    const set = await api.put('/api/user', { user: { bio: 'I like 🐉', image } }, { token: jake.token });
    const cleared = await api.put('/api/user', { user: { bio: '', image: '' } }, { token: jake.token });

    expect(set.status).toBe(200);
    expect(set.body.user).toMatchObject({ username: jake.username, bio: 'I like 🐉', image });
    expect(cleared.status).toBe(200);
    expect(cleared.body.user).toMatchObject({ bio: null, image: null });
    const current = await api.get('/api/user', { token: jake.token });
    expect(current.body.user).toMatchObject({ bio: null, image: null });
  });

  test('bio and image are visible on the public profile', async () => {
    const jake = await registerUser();
    const image = 'https://example.com/p.png';

    await api.put('/api/user', { user: { bio: 'public bio', image } }, { token: jake.token });
    const profile = await api.get(`/api/profiles/${jake.username}`);

    expect(profile.body.profile).toMatchObject({ bio: 'public bio', image });
  });

  test.each([
    ['username ""', { username: '' }, 'username'],
    ['username null', { username: null }, 'username'],
    ['email ""', { email: '' }, 'email'],
    ['email null', { email: null }, 'email'],
    ['a password of 7 characters', { password: '1234567' }, 'password'],
    ['an image that is not a URL', { image: 'javascript:alert(1)' }, 'image'],
  ])('%s is 422 keyed by the field, and nothing changes', async (_case, changes, field) => {
    const jake = await registerUser();

    const response = await api.put(
      '/api/user',
      { user: { bio: 'changed', ...changes } },
      { token: jake.token },
    );

    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual([field]);
    const current = await api.get('/api/user', { token: jake.token });
    expect(current.body.user).toMatchObject({ username: jake.username, email: jake.email, bio: null });
  });

  test('a password of 64 characters is accepted, and logs in (the old one no longer does)', async () => {
    const jake = await registerUser();
    const password = 'p'.repeat(32) + 'Q'.repeat(31) + '!';

    const response = await api.put('/api/user', { user: { password } }, { token: jake.token });

    expect(password).toHaveLength(64);
    expect(response.status).toBe(200);
    expectNoSecrets(response);
    const login = await api.post('/api/users/login', { user: { email: jake.email, password } });
    expect(login.status).toBe(200);
    const oldLogin = await api.post('/api/users/login', {
      user: { email: jake.email, password: jake.password },
    });
    expect(oldLogin.status).toBe(401);
  });

  test('after a username and e-mail change the new token works and login uses the new e-mail', async () => {
    const jake = await registerUser();
    const username = unique('renamed');
    const email = `${username}@example.com`;

    const response = await api.put('/api/user', { user: { username, email } }, { token: jake.token });

    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ username, email });
    const current = await api.get('/api/user', { token: response.body.user.token });
    expect(current.status).toBe(200);
    expect(current.body.user).toMatchObject({ username, email, token: response.body.user.token });
    const login = await api.post('/api/users/login', { user: { email, password: jake.password } });
    expect(login.status).toBe(200);
    expect(login.body.user.username).toBe(username);
    const oldEmail = await api.post('/api/users/login', {
      user: { email: jake.email, password: jake.password },
    });
    expect(oldEmail.status).toBe(401);
    expect((await api.get(`/api/profiles/${jake.username}`)).status).toBe(404);
  });

  test("a taken username is 409 on username, and none of the request's changes are applied", async () => {
    const jake = await registerUser();
    const other = await registerUser();

    const response = await api.put(
      '/api/user',
      { user: { username: other.username, bio: 'should not stick' } },
      { token: jake.token },
    );

    expect(response.status).toBe(409);
    expect(response.body).toEqual({ errors: { username: ['has already been taken'] } });
    const current = await api.get('/api/user', { token: jake.token });
    expect(current.body.user).toMatchObject({ username: jake.username, email: jake.email, bio: null });
  });

  test("a taken e-mail is 409 on email, and none of the request's changes are applied", async () => {
    const jake = await registerUser();
    const other = await registerUser();

    const response = await api.put(
      '/api/user',
      { user: { email: other.email, bio: 'should not stick' } },
      { token: jake.token },
    );

    expect(response.status).toBe(409);
    expect(response.body).toEqual({ errors: { email: ['has already been taken'] } });
    const current = await api.get('/api/user', { token: jake.token });
    expect(current.body.user).toMatchObject({ username: jake.username, email: jake.email, bio: null });
    const login = await api.post('/api/users/login', {
      user: { email: other.email, password: other.password },
    });
    expect(login.body.user.username).toBe(other.username);
  });

  test('keeping your own username and e-mail is not a conflict', async () => {
    const jake = await registerUser();

    const response = await api.put(
      '/api/user',
      { user: { username: jake.username, email: jake.email } },
      { token: jake.token },
    );

    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ username: jake.username, email: jake.email });
  });

  test('an empty change is 422', async () => {
    const jake = await registerUser();

    const response = await api.put('/api/user', { user: {} }, { token: jake.token });

    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual(expect.any(Object));
  });

  test('without a token is 401 token is missing', async () => {
    const response = await api.put('/api/user', { user: { bio: 'x' } });

    expect(response.status).toBe(401);
    expect(response.body).toEqual(tokenMissing);
  });
});
