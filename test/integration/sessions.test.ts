import { decodeJwt, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { createHash } from 'node:crypto';
import { closeDatabase, database } from '#db/client';
import { userRepository } from '#db/repositories/users';
import { parseSigningKeys } from '#lib/config/secrets';
import { api } from '../support/api';
import { registerUser, unique, type TestUser } from '../support/fixtures';
import { asAdmin } from '../support/test-database';

afterAll(closeDatabase);

const tokenInvalid = { errors: { token: ['is invalid'] } };
const refreshInvalid = { errors: { refreshToken: ['is invalid'] } };

interface Session {
  token: string;
  refreshToken: string;
}

async function login({ email, password }: TestUser): Promise<Session> {
  const response = await api.post('/api/users/login', { user: { email, password } });
  expect(response.status).toBe(200);
  return response.body.user;
}

const refresh = (refreshToken: unknown) => api.post('/api/users/refresh', { refreshToken });
const currentUser = (token: string) => api.get('/api/user', { token });

const hashOf = (refreshToken: string) => createHash('sha256').update(refreshToken).digest('hex');

/** Moves a rotated token's rotation `seconds` into the past, as if the clock had run on. */
const rotatedSecondsAgo = (refreshToken: string, seconds: number) =>
  asAdmin('update refresh_tokens set rotated_at = now(3) - interval ? second where token_hash = ?', [
    seconds,
    hashOf(refreshToken),
  ]);

describe('sessions: login, register and refresh', () => {
  test('register and login each return a refresh token next to the token; GET and PUT /api/user do not', async () => {
    const user = await registerUser();
    const session = await login(user);

    const read = await currentUser(session.token);
    const update = await api.put('/api/user', { user: { bio: 'Hi' } }, { token: session.token });

    expect(session.refreshToken).toMatch(/^[\w-]{43}$/);
    expect(read.status).toBe(200);
    expect(read.body.user).not.toHaveProperty('refreshToken');
    expect(update.status).toBe(200);
    expect(update.body.user).not.toHaveProperty('refreshToken');
  });

  test('POST /api/users/refresh returns the user with a new working pair on the same session', async () => {
    const user = await registerUser();
    const session = await login(user);

    const response = await refresh(session.refreshToken);

    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ username: user.username, email: user.email });
    expect(response.body.user.refreshToken).not.toBe(session.refreshToken);
    expect(decodeJwt(response.body.user.token).sid).toBe(decodeJwt(session.token).sid);
    expect((await currentUser(response.body.user.token)).status).toBe(200);
    expect((await refresh(response.body.user.refreshToken)).status).toBe(200);
  });

  test('a rotated refresh token presented again within 10 s (a retry) still gets a pair', async () => {
    const session = await login(await registerUser());
    const first = await refresh(session.refreshToken);

    const retry = await refresh(session.refreshToken);

    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect((await refresh(first.body.user.refreshToken)).status).toBe(200);
  });

  test('two concurrent refreshes with one token both succeed (the grace window covers the race)', async () => {
    const session = await login(await registerUser());

    const responses = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)]);

    expect(responses.map(({ status }) => status)).toEqual([200, 200]);
    expect(responses[0]!.body.user.refreshToken).not.toBe(responses[1]!.body.user.refreshToken);
  });

  test('a rotated refresh token replayed after the grace window ends the whole session', async () => {
    const user = await registerUser();
    const stolen = await login(user);
    const other = await login(user);
    const renewed = await refresh(stolen.refreshToken);
    await rotatedSecondsAgo(stolen.refreshToken, 11);

    const replay = await refresh(stolen.refreshToken);

    expect(replay.status).toBe(401);
    expect(replay.body).toEqual(refreshInvalid);
    // Everything the session held is dead: the legitimate client's newest pair included.
    expect((await refresh(renewed.body.user.refreshToken)).body).toEqual(refreshInvalid);
    expect((await currentUser(renewed.body.user.token)).body).toEqual(tokenInvalid);
    expect((await currentUser(stolen.token)).status).toBe(401);
    // Another device's session is not touched.
    expect((await currentUser(other.token)).status).toBe(200);
  });

  test('a copy exchanged inside the grace window grows no chain of its own: one live token per session', async () => {
    const session = await login(await registerUser());
    const legitimate = await refresh(session.refreshToken);
    const copy = await refresh(session.refreshToken); // within 10 s: a pair, and the legitimate one is retired
    await rotatedSecondsAgo(legitimate.body.user.refreshToken, 11);

    const late = await refresh(legitimate.body.user.refreshToken);

    expect([legitimate.status, copy.status, late.status]).toEqual([200, 200, 401]);
    expect((await refresh(copy.body.user.refreshToken)).body).toEqual(refreshInvalid);
    expect((await currentUser(copy.body.user.token)).body).toEqual(tokenInvalid);
  });

  test('a replay inside the grace window ends nothing (the boundary is 10 s)', async () => {
    const session = await login(await registerUser());
    const renewed = await refresh(session.refreshToken);
    await rotatedSecondsAgo(session.refreshToken, 9);

    const retry = await refresh(session.refreshToken);

    expect(retry.status).toBe(200);
    expect((await currentUser(renewed.body.user.token)).status).toBe(200);
  });

  test('an expired refresh token is 401 and ends nothing', async () => {
    const session = await login(await registerUser());
    await asAdmin('update refresh_tokens set expires_at = now(3) - interval 1 second where token_hash = ?', [
      hashOf(session.refreshToken),
    ]);

    const response = await refresh(session.refreshToken);

    expect(response.status).toBe(401);
    expect(response.body).toEqual(refreshInvalid);
    expect((await currentUser(session.token)).status).toBe(200);
  });

  test.each([
    ['an unknown token', { refreshToken: 'x'.repeat(43) }, 401, refreshInvalid],
    ['no token', {}, 422, { errors: { refreshToken: [expect.any(String)] } }],
    ['an empty token', { refreshToken: '  ' }, 422, { errors: { refreshToken: [expect.any(String)] } }],
    ['a number', { refreshToken: 42 }, 422, { errors: { refreshToken: [expect.any(String)] } }],
  ])('%s is refused and changes nothing', async (_case, body, status, errors) => {
    const before = await asAdmin<{ n: number }[]>('select count(*) as n from refresh_tokens');

    const response = await api.post('/api/users/refresh', body);

    expect(response.status).toBe(status);
    expect(response.body).toEqual(errors);
    expect(await asAdmin('select count(*) as n from refresh_tokens')).toEqual(before);
  });
});

describe('ending sessions', () => {
  test('POST /api/users/logout: the access token gets 401 on the very next request, the refresh token too', async () => {
    const user = await registerUser();
    const session = await login(user);
    const otherDevice = await login(user);

    const response = await api.post('/api/users/logout', undefined, { token: session.token });

    expect(response.status).toBe(204);
    expect(response.raw).toBe('');
    expect((await currentUser(session.token)).body).toEqual(tokenInvalid);
    expect((await refresh(session.refreshToken)).body).toEqual(refreshInvalid);
    expect((await api.post('/api/users/logout', undefined, { token: session.token })).status).toBe(401);
    expect((await currentUser(otherDevice.token)).status).toBe(200);
  });

  test('logout without a token is 401 token is missing', async () => {
    const response = await api.post('/api/users/logout');

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: { token: ['is missing'] } });
  });

  test("DELETE /api/user/sessions ends every session of the user, and nobody else's", async () => {
    const user = await registerUser();
    const sessions = [await login(user), await login(user), await login(user)];
    const someoneElse = await registerUser();

    const response = await api.delete('/api/user/sessions', { token: sessions[1]!.token });

    expect(response.status).toBe(204);
    for (const { token, refreshToken } of [...sessions, { token: user.token, refreshToken: '' }]) {
      expect((await currentUser(token)).status).toBe(401);
      if (refreshToken) expect((await refresh(refreshToken)).status).toBe(401);
    }
    expect((await currentUser(someoneElse.token)).status).toBe(200);
    expect(
      await asAdmin(
        'select count(*) as n from refresh_tokens r join sessions s on s.id = r.session_id join users u on u.id = s.user_id where u.username = ?',
        [user.username],
      ),
    ).toEqual([{ n: 0 }]);
  });

  test("changing the password ends the user's other sessions and keeps this one", async () => {
    const user = await registerUser();
    const here = await login(user);
    const elsewhere = await login(user);

    const response = await api.put(
      '/api/user',
      { user: { password: 'a-brand-new-password' } },
      { token: here.token },
    );

    expect(response.status).toBe(200);
    expect((await currentUser(response.body.user.token)).status).toBe(200);
    expect((await currentUser(here.token)).status).toBe(200);
    expect((await currentUser(elsewhere.token)).status).toBe(401);
    expect((await refresh(elsewhere.refreshToken)).status).toBe(401);
    expect((await refresh(here.refreshToken)).status).toBe(200);
  });
});

describe('access tokens the API refuses (RFC 8725), all 401 token is invalid', () => {
  const [current] = parseSigningKeys(process.env.JWT_SIGNING_KEYS!);
  let jake: TestUser;
  let claims: JWTPayload;

  beforeAll(async () => {
    jake = await registerUser();
    claims = decodeJwt(jake.token);
  });

  /** Jake's token, signed with the current key, except for what a case changes. */
  async function forged(
    change: { header?: Record<string, unknown>; payload?: Record<string, unknown>; key?: Uint8Array } = {},
  ) {
    const payload = { ...claims, ...change.payload };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', kid: current.kid, typ: 'at+jwt', ...change.header } as never)
      .sign(change.key ?? current.key);
  }

  test('the control: a token forged exactly like the real one is accepted', async () => {
    expect((await currentUser(await forged())).status).toBe(200);
  });

  test.each<[string, () => Promise<string>]>([
    ['an unknown kid', () => forged({ header: { kid: 'nobody-knows-me' } })],
    ['no kid', () => forged({ header: { kid: undefined } })],
    ['a kid naming a key of another format', () => forged({ header: { kid: '../../etc/passwd' } })],
    ['no exp', () => forged({ payload: { exp: undefined } })],
    ['an expired exp', () => forged({ payload: { exp: Math.floor(Date.now() / 1000) - 1 } })],
    ['another issuer', () => forged({ payload: { iss: 'someone-else' } })],
    ['another audience', () => forged({ payload: { aud: 'another-api' } })],
    ['no session id', () => forged({ payload: { sid: undefined } })],
    ['a session that does not exist', () => forged({ payload: { sid: '999999999' } })],
    ["another user's id on this session", () => forged({ payload: { sub: '999999999' } })],
    ['typ JWT instead of at+jwt', () => forged({ header: { typ: 'JWT' } })],
    [
      'HS256 signed with a public key as the secret',
      async () => {
        const { publicKey } = await generateKeyPair('RS256', { extractable: true });
        return forged({ key: new TextEncoder().encode(await exportSPKI(publicKey)) });
      },
    ],
    [
      'alg none',
      async () => {
        const [, payload] = (await forged()).split('.');
        return `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${payload}.`;
      },
    ],
    [
      'a payload edited after signing',
      async () => {
        const [header, , signature] = (await forged()).split('.');
        const edited = Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url');
        return `${header}.${edited}.${signature}`;
      },
    ],
  ])('%s', async (_case, build) => {
    const response = await currentUser(await build());

    expect(response.status).toBe(401);
    expect(response.body).toEqual(tokenInvalid);
  });

  test('a refresh token presented as an access token', async () => {
    const session = await login(jake);

    const asToken = await currentUser(session.refreshToken);
    const asBearer = await api.get('/api/user', {
      headers: { authorization: `Bearer ${session.refreshToken}` },
    });

    expect([asToken.status, asBearer.status]).toEqual([401, 401]);
    expect(asToken.body).toEqual(tokenInvalid);
    expect(asBearer.body).toEqual(tokenInvalid);
  });
});

describe('registration writes the account and its first session together', () => {
  test('when the session cannot be written, no account is left behind (a retry is not a 409)', async () => {
    const users = userRepository(database());
    const taken = await login(await registerUser());
    const username = unique('atomic');
    const newUser = { username, email: `${username}@example.com`, passwordHash: null };

    // A refresh token hash that is already stored: the session's insert fails after the user's.
    const attempt = users.insertWithSession(newUser, {
      tokenHash: hashOf(taken.refreshToken),
      expiresAt: new Date(Date.now() + 60_000),
    });

    await expect(attempt).rejects.toThrow();
    expect(await users.findByEmail(newUser.email)).toBeUndefined();
    const retry = await api.post('/api/users', {
      user: { username, email: newUser.email, password: 'password123' },
    });
    expect(retry.status).toBe(201);
  });
});
