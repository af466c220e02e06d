import { exportSPKI } from 'jose';
import { createHash } from 'node:crypto';
import { closeDatabase } from '#db/client';
import { type Provider } from '#lib/auth/social';
import { api } from '../support/api';
import { registerUser, unique } from '../support/fixtures';
import { defaultNonce, startIdentityProvider, type IdentityProvider } from '../support/identity-provider';
import { asAdmin } from '../support/test-database';
import { resetLazyValues } from '#lib/lazy';

// Google, Apple and Kakao are played by a local identity provider: real RS256 keys, a real JWKS over HTTP
// on 127.0.0.1, tokens with each provider's real issuer. Nothing leaves the machine.
const saved = { ...process.env };
let idp: IdentityProvider;

beforeAll(async () => {
  idp = await startIdentityProvider();
  Object.assign(process.env, idp.environment());
  resetLazyValues();
});

afterAll(async () => {
  process.env = saved;
  resetLazyValues();
  await idp.stop();
  await closeDatabase();
});

const idTokenInvalid = { errors: { idToken: ['is invalid'] } };

const signIn = (provider: Provider, idToken: string, nonce = defaultNonce) =>
  api.post('/api/users/social', { provider, idToken, nonce });

/** A person at a provider: a fresh subject and e-mail per test. */
function person(provider: Provider, claims: Record<string, unknown> = {}) {
  const email = `${unique('sso')}@example.com`;
  return idp.signIdToken(provider, {
    sub: unique(`${provider}-`),
    email,
    // As each provider says it: Apple as a string, Google as a boolean, Kakao not at all.
    email_verified: { apple: 'true', google: true, kakao: undefined }[provider],
    name: 'Jake Doe',
    ...claims,
  });
}

async function rowCount(table: string): Promise<number> {
  const [row] = await asAdmin<{ n: number }[]>(`select count(*) as n from ${table}`);
  return row!.n;
}

describe('POST /api/users/social', () => {
  test.each<Provider>(['google', 'apple', 'kakao'])(
    '%s: a new identity gets a new account (201) with token and refreshToken that work',
    async (provider) => {
      const response = await signIn(provider, await person(provider, { name: undefined, nickname: 'Jake' }));

      expect(response.status).toBe(201);
      expect(response.body.user).toMatchObject({
        username: expect.stringMatching(/^jake/),
        email: expect.stringMatching(/@example\.com$/),
        bio: null,
        image: null,
        token: expect.any(String),
        refreshToken: expect.any(String),
      });
      expect((await api.get('/api/user', { token: response.body.user.token })).status).toBe(200);
      expect(
        (await api.post('/api/users/refresh', { refreshToken: response.body.user.refreshToken })).status,
      ).toBe(200);
    },
  );

  test('the same identity signs in again (200) to the same account, whatever its e-mail is now', async () => {
    const subject = unique('google-');
    const first = await signIn('google', await person('google', { sub: subject }));

    const again = await signIn('google', await person('google', { sub: subject }));

    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.user.username).toBe(first.body.user.username);
    expect(again.body.user.email).toBe(first.body.user.email);
  });

  test('a verified e-mail links to the existing account (200) and claims it: its password and sessions end', async () => {
    const jake = await registerUser();

    const response = await signIn('google', await person('google', { email: jake.email.toUpperCase() }));

    expect(response.status).toBe(200);
    expect(response.body.user.username).toBe(jake.username);
    // Whoever registered the address may not own it: only the provider's proof counts from now on.
    expect((await api.get('/api/user', { token: jake.token })).status).toBe(401);
    const login = await api.post('/api/users/login', {
      user: { email: jake.email, password: jake.password },
    });
    expect(login.status).toBe(401);
    expect((await api.get('/api/user', { token: response.body.user.token })).status).toBe(200);
  });

  test('pre-account takeover: an unverified e-mail account is claimed by the verified owner, the squatter is out', async () => {
    const victimEmail = `${unique('victim')}@example.com`;
    const squatterKakao = unique('kakao-');
    const squatter = await signIn(
      'kakao',
      await person('kakao', { sub: squatterKakao, email: victimEmail, email_verified: undefined }),
    );

    const owner = await signIn('google', await person('google', { email: victimEmail }));
    const squatterAgain = await signIn(
      'kakao',
      await person('kakao', { sub: squatterKakao, email: victimEmail, email_verified: undefined }),
    );

    expect([squatter.status, owner.status]).toEqual([201, 200]);
    expect((await api.get('/api/user', { token: squatter.body.user.token })).status).toBe(401);
    expect(
      (await api.post('/api/users/refresh', { refreshToken: squatter.body.user.refreshToken })).status,
    ).toBe(401);
    expect(squatterAgain.status).toBe(409);
    expect((await api.get('/api/user', { token: owner.body.user.token })).status).toBe(200);
  });

  test('a second verified provider links without claiming: the first stays, and a password set since still works', async () => {
    const email = `${unique('both')}@example.com`;
    const apple = await signIn('apple', await person('apple', { email }));
    await api.put('/api/user', { user: { password: 'my-own-password' } }, { token: apple.body.user.token });

    const google = await signIn('google', await person('google', { email }));

    expect([apple.status, google.status]).toEqual([201, 200]);
    expect((await api.get('/api/user', { token: apple.body.user.token })).status).toBe(200);
    const login = await api.post('/api/users/login', { user: { email, password: 'my-own-password' } });
    expect(login.status).toBe(200);
  });

  test('changing the e-mail makes it unverified again: the next verified sign-in with it claims the account', async () => {
    const email = `${unique('moved')}@example.com`;
    const first = await signIn('google', await person('google'));
    await api.put(
      '/api/user',
      { user: { email, password: 'a-password-123' } },
      { token: first.body.user.token },
    );

    const other = await signIn('apple', await person('apple', { email }));

    expect(other.status).toBe(200);
    const login = await api.post('/api/users/login', { user: { email, password: 'a-password-123' } });
    expect(login.status).toBe(401);
  });

  test('an unverified e-mail never links: 409, and nothing is written', async () => {
    const jake = await registerUser();
    const before = await rowCount('user_identities');

    const responses = [
      await signIn('google', await person('google', { email: jake.email, email_verified: false })),
      await signIn('apple', await person('apple', { email: jake.email, email_verified: 'false' })),
      await signIn('kakao', await person('kakao', { email: jake.email, email_verified: undefined })),
    ];

    expect(responses.map(({ status }) => status)).toEqual([409, 409, 409]);
    expect(responses[0]!.body).toEqual({ errors: { email: ['has already been taken'] } });
    expect(await rowCount('user_identities')).toBe(before);
  });

  test('usernames stay unique: a second "Jake Doe" gets a suffixed name', async () => {
    const first = await signIn('google', await person('google', { name: 'Jake Doe' }));
    const second = await signIn('google', await person('google', { name: 'Jake Doe' }));

    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.user.username).not.toBe(first.body.user.username);
    expect(second.body.user.username).toMatch(/^jake\.doe(-[0-9a-z]{6})?$/);
  });

  test('two concurrent first sign-ins with one identity end in one account', async () => {
    const idToken = await person('google');
    const users = await rowCount('users');

    const responses = await Promise.all([signIn('google', idToken), signIn('google', idToken)]);

    expect(responses.map(({ status }) => status).sort()).toEqual([200, 201]);
    expect(responses[0]!.body.user.username).toBe(responses[1]!.body.user.username);
    expect(await rowCount('users')).toBe(users + 1);
  });

  test('Apple: the token carries SHA-256(nonce), the client sends the raw nonce', async () => {
    const idToken = await person('apple');
    const hashedNonce = createHash('sha256').update(defaultNonce).digest('hex');

    const withHash = await signIn('apple', idToken, hashedNonce);
    const withRaw = await signIn('apple', idToken);

    expect(withHash.status).toBe(401);
    expect(withRaw.status).toBe(201);
  });

  test.each<[string, () => Promise<{ provider: Provider; idToken: string; nonce?: string }>]>([
    [
      'another nonce',
      async () => ({ provider: 'google', idToken: await person('google'), nonce: 'another' }),
    ],
    [
      'no nonce claim',
      async () => ({ provider: 'google', idToken: await person('google', { nonce: undefined }) }),
    ],
    [
      'another audience',
      async () => ({ provider: 'google', idToken: await person('google', { aud: 'someone-else' }) }),
    ],
    [
      'another issuer',
      async () => ({ provider: 'google', idToken: await person('google', { iss: 'https://evil.example' }) }),
    ],
    [
      "another provider's issuer",
      async () => ({
        provider: 'google',
        idToken: await person('google', { iss: 'https://appleid.apple.com' }),
      }),
    ],
    ['a token for another provider', async () => ({ provider: 'kakao', idToken: await person('google') })],
    [
      'expired',
      async () => ({
        provider: 'google',
        idToken: await person('google', { exp: Math.floor(Date.now() / 1000) - 120 }),
      }),
    ],
    ['no exp', async () => ({ provider: 'google', idToken: await person('google', { exp: undefined }) })],
    ['no iat', async () => ({ provider: 'google', idToken: await person('google', { iat: undefined }) })],
    ['no sub', async () => ({ provider: 'google', idToken: await person('google', { sub: undefined }) })],
    [
      'an unknown kid',
      async () => ({ provider: 'google', idToken: await idp.signIdToken('google', {}, { kid: 'unknown' }) }),
    ],
    [
      'HS256 signed with the public key',
      async () => {
        const key = new TextEncoder().encode(await exportSPKI(idp.publicKey));
        return { provider: 'google', idToken: await idp.signIdToken('google', {}, { alg: 'HS256', key }) };
      },
    ],
    [
      'alg none',
      async () => {
        const [, payload] = (await person('google')).split('.');
        return {
          provider: 'google',
          idToken: `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`,
        };
      },
    ],
    [
      'an edited payload',
      async () => {
        const [header, payload, signature] = (await person('google')).split('.');
        const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
        const edited = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
        return { provider: 'google', idToken: `${header}.${edited}.${signature}` };
      },
    ],
  ])('%s → 401 idToken is invalid, nothing written', async (_case, build) => {
    const { provider, idToken, nonce } = await build();
    const users = await rowCount('users');

    const response = await signIn(provider, idToken, nonce);

    expect(response.status).toBe(401);
    expect(response.body).toEqual(idTokenInvalid);
    expect(await rowCount('users')).toBe(users);
  });

  test.each([
    ['an unknown provider', 'provider', { provider: 'facebook', idToken: 'x.y.z', nonce: 'n' }],
    ['no idToken', 'idToken', { provider: 'google', nonce: 'n' }],
    ['no nonce', 'nonce', { provider: 'google', idToken: 'x.y.z' }],
  ])('%s → 422 on %s', async (_case, field, body) => {
    const response = await api.post('/api/users/social', body);

    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual([field]);
  });

  test('a provider this stage has no client ids for → 422 provider is not enabled', async () => {
    process.env.KAKAO_CLIENT_IDS = '';
    resetLazyValues();
    try {
      const response = await signIn('kakao', await person('kakao'));

      expect(response.status).toBe(422);
      expect(response.body).toEqual({ errors: { provider: ['is not enabled'] } });
    } finally {
      Object.assign(process.env, idp.environment());
      resetLazyValues();
    }
  });

  test("the provider's keys are fetched once per container, however many sign-ins", async () => {
    resetLazyValues();
    const before = idp.requests;

    for (let i = 0; i < 3; i++) expect((await signIn('google', await person('google'))).status).toBe(201);

    expect(idp.requests - before).toBe(1);
  });

  test('a token naming a key the set lacks fetches the set again, at most once per 30 s', async () => {
    resetLazyValues();
    expect((await signIn('google', await person('google'))).status).toBe(201);
    const fetched = idp.requests;
    const unknownKey = () =>
      idp.signIdToken(
        'google',
        { sub: unique('google-'), email: `${unique('sso')}@example.com` },
        { kid: 'rotated-in' },
      );
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now');
    try {
      // Within the cooldown: refused without asking the provider again.
      clock.mockReturnValue(now + 1_000);
      expect((await signIn('google', await unknownKey())).status).toBe(401);
      expect(idp.requests).toBe(fetched);

      // After it: one more fetch (a rotation would be picked up), then the cooldown again.
      clock.mockReturnValue(now + 31_000);
      expect((await signIn('google', await unknownKey())).status).toBe(401);
      expect((await signIn('google', await unknownKey())).status).toBe(401);
      expect(idp.requests).toBe(fetched + 1);
    } finally {
      clock.mockRestore();
      resetLazyValues();
    }
  });

  test("the provider's keys unreachable → 503 with Retry-After, no detail", async () => {
    resetLazyValues();
    idp.behave(500);
    try {
      const response = await signIn('google', await person('google'));

      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBeDefined();
      expect(response.raw).not.toMatch(/jwks|127\.0\.0\.1|google/i);
    } finally {
      idp.behave('serve');
      resetLazyValues();
    }
  });
});
