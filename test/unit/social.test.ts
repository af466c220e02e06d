import { createHash } from 'node:crypto';
import { base64url, exportSPKI, generateKeyPair, UnsecuredJWT } from 'jose';
import {
  ProviderUnavailable,
  providers,
  loadSocialSettings,
  socialSettings,
  verifyIdToken,
  type Provider,
} from '#lib/auth/social';
import { ConfigError } from '#lib/config/errors';
import { Invalid, Unauthorized } from '#lib/errors';
import {
  clientIds,
  defaultNonce,
  issuers,
  startIdentityProvider,
  type IdentityProvider,
} from '../support/identity-provider';
import { resetLazyValues } from '#lib/lazy';

const savedEnv = { ...process.env };
let idp: IdentityProvider;

beforeAll(async () => {
  idp = await startIdentityProvider();
});

beforeEach(() => {
  // A fresh container: settings and key sets are read again, from an environment that points at the local IdP.
  process.env = { ...savedEnv, ...idp.environment() };
  resetLazyValues();
  idp.behave('serve');
});

afterAll(async () => {
  process.env = savedEnv;
  resetLazyValues();
  await idp.stop();
});

async function expectInvalid(attempt: Promise<unknown>): Promise<void> {
  await expect(attempt).rejects.toBeInstanceOf(Unauthorized);
  await expect(attempt).rejects.toMatchObject({ errors: { idToken: ['is invalid'] } });
}

function decode(part: string | undefined): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(base64url.decode(part ?? '')));
}

const now = () => Math.floor(Date.now() / 1000);

describe('verifyIdToken accepts', () => {
  it.each<[Provider, Record<string, unknown>, Record<string, unknown>]>([
    [
      'google',
      { email: ' Jake@Example.COM ', email_verified: true, name: 'Jake Doe' },
      { email: 'jake@example.com', emailVerified: true, name: 'Jake Doe' },
    ],
    [
      // Apple: e-mail_verified as a string, and never a name in the token
      'apple',
      { email: 'x1y2@privaterelay.appleid.com', email_verified: 'true', is_private_email: 'true' },
      { email: 'x1y2@privaterelay.appleid.com', emailVerified: true },
    ],
    [
      // Kakao: e-mail without email_verified, the name in `nickname`
      'kakao',
      { email: 'jake@kakao.com', nickname: '제이크' },
      { email: 'jake@kakao.com', emailVerified: false, name: '제이크' },
    ],
  ])('a valid %s token, and returns the identity in it', async (provider, claims, expected) => {
    // Arrange
    const token = await idp.signIdToken(provider, claims);

    // Act
    const identity = await verifyIdToken(provider, token, defaultNonce);

    // Assert
    expect(identity).toStrictEqual({ provider, subject: `${provider}-user-0001`, ...expected });
  });

  it('a Google token whose issuer is spelled without the scheme, as Google documents', async () => {
    // Arrange
    const token = await idp.signIdToken('google', { iss: 'accounts.google.com' });

    // Act / Assert
    await expect(verifyIdToken('google', token, defaultNonce)).resolves.toMatchObject({ provider: 'google' });
  });

  it("a token for any of the stage's client ids (web, iOS, Android apps)", async () => {
    // Arrange
    process.env.GOOGLE_CLIENT_IDS = ` web.apps.googleusercontent.com , ${clientIds.google},,`;
    resetLazyValues();
    const token = await idp.signIdToken('google');

    // Act / Assert
    await expect(verifyIdToken('google', token, defaultNonce)).resolves.toMatchObject({ provider: 'google' });
  });

  it('a token that expired less than the clock tolerance ago', async () => {
    // Arrange
    const token = await idp.signIdToken('google', { iat: now() - 300, exp: now() - 10 });

    // Act / Assert
    await expect(verifyIdToken('google', token, defaultNonce)).resolves.toMatchObject({ provider: 'google' });
  });
});

describe('the identity', () => {
  it.each<[string, unknown, boolean]>([
    ['true', true, true],
    ['"true"', 'true', true],
    ['false', false, false],
    ['"false"', 'false', false],
    ['"TRUE"', 'TRUE', false],
    ['1', 1, false],
    ['missing', undefined, false],
  ])('is verified only when email_verified is true or "true" (here %s)', async (_case, claim, verified) => {
    // Arrange
    const token = await idp.signIdToken('apple', { email: 'jake@example.com', email_verified: claim });

    // Act
    const identity = await verifyIdToken('apple', token, defaultNonce);

    // Assert
    expect(identity.emailVerified).toBe(verified);
  });

  it('has no e-mail, and nothing verified, when the token carries none', async () => {
    // Arrange
    const token = await idp.signIdToken('google', { email: undefined, email_verified: true });

    // Act
    const identity = await verifyIdToken('google', token, defaultNonce);

    // Assert
    expect(identity).not.toHaveProperty('email');
    expect(identity.emailVerified).toBe(false);
  });

  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['name first', { name: ' Jake Doe ', given_name: 'J', family_name: 'D', nickname: 'jd' }, 'Jake Doe'],
    ['then given and family name', { given_name: 'Jake', family_name: 'Doe', nickname: 'jd' }, 'Jake Doe'],
    ['or either of them', { family_name: 'Doe' }, 'Doe'],
    ['then the nickname', { name: '  ', nickname: 'jd' }, 'jd'],
    ['else none', { name: 42 }, undefined],
  ])('takes its display name from the claims: %s', async (_case, claims, name) => {
    // Arrange
    const token = await idp.signIdToken('google', claims);

    // Act
    const identity = await verifyIdToken('google', token, defaultNonce);

    // Assert
    expect(identity.name).toBe(name);
    expect('name' in identity).toBe(name !== undefined);
  });
});

describe('the nonce', () => {
  it('is hashed (SHA-256, hex) in Apple tokens: the hash is accepted, the raw nonce is not', async () => {
    // Arrange
    const hashed = createHash('sha256').update(defaultNonce).digest('hex');
    const withHash = await idp.signIdToken('apple', { nonce: hashed });
    const withRaw = await idp.signIdToken('apple', { nonce: defaultNonce });

    // Act / Assert
    await expect(verifyIdToken('apple', withHash, defaultNonce)).resolves.toMatchObject({
      provider: 'apple',
    });
    await expectInvalid(verifyIdToken('apple', withRaw, defaultNonce));
  });

  it.each<Provider>(['google', 'kakao'])(
    'is compared as is in %s tokens (its hash is rejected)',
    async (provider) => {
      // Arrange
      const hashed = createHash('sha256').update(defaultNonce).digest('hex');
      const token = await idp.signIdToken(provider, { nonce: hashed });

      // Act / Assert
      await expectInvalid(verifyIdToken(provider, token, defaultNonce));
    },
  );

  it.each(providers)('must match the one the client sent (%s)', async (provider) => {
    // Arrange
    const token = await idp.signIdToken(provider, {}, { nonce: 'the-nonce-of-another-sign-in' });

    // Act / Assert
    await expectInvalid(verifyIdToken(provider, token, defaultNonce));
  });

  it.each(providers)('must be in the token (%s)', async (provider) => {
    // Arrange
    const token = await idp.signIdToken(provider, { nonce: undefined });

    // Act / Assert
    await expectInvalid(verifyIdToken(provider, token, defaultNonce));
  });

  it('cannot be empty, even when the token holds an empty one', async () => {
    // Arrange
    const token = await idp.signIdToken('google', { nonce: '' });

    // Act / Assert
    await expectInvalid(verifyIdToken('google', token, ''));
  });
});

describe('verifyIdToken rejects', () => {
  it('a token from another issuer', async () => {
    await expectInvalid(
      verifyIdToken('google', await idp.signIdToken('google', { iss: 'https://evil.example' }), defaultNonce),
    );
  });

  it.each<[Provider, Provider]>([
    ['apple', 'google'],
    ['google', 'kakao'],
    ['kakao', 'apple'],
  ])('a %s token whose issuer is %s (all else right)', async (provider, other) => {
    // Arrange: signed with a key in the set and for the right audience; only the issuer is wrong
    const token = await idp.signIdToken(provider, { iss: issuers[other] });

    // Act / Assert
    await expectInvalid(verifyIdToken(provider, token, defaultNonce));
  });

  it('a token for another audience', async () => {
    await expectInvalid(
      verifyIdToken('google', await idp.signIdToken('google', { aud: 'someone-elses-app' }), defaultNonce),
    );
  });

  it('a token that expired longer ago than the clock tolerance', async () => {
    await expectInvalid(
      verifyIdToken(
        'google',
        await idp.signIdToken('google', { iat: now() - 3600, exp: now() - 60 }),
        defaultNonce,
      ),
    );
  });

  it('a token issued more than 10 minutes ago, though not expired (Kakao tokens live for hours)', async () => {
    // Arrange
    const token = await idp.signIdToken('kakao', { iat: now() - 11 * 60, exp: now() + 3600 });

    // Act / Assert
    await expectInvalid(verifyIdToken('kakao', token, defaultNonce));
  });

  it.each(['exp', 'iat', 'sub'])('a token without %s', async (claim) => {
    await expectInvalid(
      verifyIdToken('kakao', await idp.signIdToken('kakao', { [claim]: undefined }), defaultNonce),
    );
  });

  it('a token with an empty sub', async () => {
    await expectInvalid(verifyIdToken('kakao', await idp.signIdToken('kakao', { sub: '' }), defaultNonce));
  });

  it('an unsecured token (alg "none")', async () => {
    // Arrange
    const token = new UnsecuredJWT({ nonce: defaultNonce })
      .setIssuer(issuers.google)
      .setAudience(clientIds.google)
      .setSubject('google-user-0001')
      .setIssuedAt()
      .setExpirationTime('1h')
      .encode();

    // Act / Assert
    await expectInvalid(verifyIdToken('google', token, defaultNonce));
  });

  it("an HS256 token keyed with the provider's public key (algorithm confusion)", async () => {
    // Arrange: the public key is public, so an HMAC over it is something anyone can forge
    const secret = new TextEncoder().encode(await exportSPKI(idp.publicKey));
    const token = await idp.signIdToken('google', {}, { alg: 'HS256', key: secret });

    // Act / Assert
    await expectInvalid(verifyIdToken('google', token, defaultNonce));
  });

  it('an ES256 token naming the provider key', async () => {
    // Arrange
    const { privateKey } = await generateKeyPair('ES256');
    const token = await idp.signIdToken('google', {}, { alg: 'ES256', key: privateKey });

    // Act / Assert
    await expectInvalid(verifyIdToken('google', token, defaultNonce));
  });

  it("an RS256 token naming the provider's kid but signed with another key", async () => {
    // Arrange
    const { privateKey } = await generateKeyPair('RS256');
    const token = await idp.signIdToken('google', {}, { key: privateKey });

    // Act / Assert
    await expectInvalid(verifyIdToken('google', token, defaultNonce));
  });

  it('a token naming a key that is not in the set', async () => {
    await expectInvalid(
      verifyIdToken('google', await idp.signIdToken('google', {}, { kid: 'retired-key' }), defaultNonce),
    );
  });

  it('a token whose payload was changed after signing', async () => {
    // Arrange
    const [header, payload, signature] = (await idp.signIdToken('google')).split('.');
    const forged = base64url.encode(JSON.stringify({ ...decode(payload), sub: 'google-user-0002' }));

    // Act / Assert
    await expectInvalid(verifyIdToken('google', `${header}.${forged}.${signature}`, defaultNonce));
  });

  it.each(['', 'abc', 'a.b.c', 'eyJhbGciOiJSUzI1NiJ9..'])('a malformed token %p', async (token) => {
    await expectInvalid(verifyIdToken('google', token, defaultNonce));
  });
});

describe('providers', () => {
  it('a provider without client ids is not enabled (422), and its keys are not fetched', async () => {
    // Arrange
    process.env.KAKAO_CLIENT_IDS = ' , ';
    resetLazyValues();
    const token = await idp.signIdToken('kakao');
    const before = idp.requests;

    // Act
    const attempt = verifyIdToken('kakao', token, defaultNonce);

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(Invalid);
    await expect(attempt).rejects.toMatchObject({ errors: { provider: ['is not enabled'] } });
    expect(idp.requests).toBe(before);
  });

  it('an unknown provider is not supported (422)', async () => {
    // Arrange
    const token = await idp.signIdToken('google');

    // Act
    const attempt = verifyIdToken('github' as Provider, token, defaultNonce);

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(Invalid);
    await expect(attempt).rejects.toMatchObject({ errors: { provider: ['is not supported'] } });
  });
});

describe('the key set', () => {
  it('is fetched once per provider per container, however many tokens are verified', async () => {
    // Arrange
    const before = idp.requests;
    const tokens = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((suffix) => idp.signIdToken('google', { sub: `google-user-${suffix}` })),
    );

    // Act: five at once on a cold container, then five more one by one
    await Promise.all(tokens.map((token) => verifyIdToken('google', token, defaultNonce)));
    for (const token of tokens) await verifyIdToken('google', token, defaultNonce);
    const afterGoogle = idp.requests;
    await verifyIdToken('apple', await idp.signIdToken('apple'), defaultNonce);

    // Assert
    expect(afterGoogle - before).toBe(1);
    expect(idp.requests - before).toBe(2);
  });

  it('is neither read nor fetched when the module is imported', async () => {
    // Arrange: a malformed override would throw the moment the settings are read
    process.env.GOOGLE_JWKS_URL = 'not a url';
    const before = idp.requests;

    // Act
    const load = jest.isolateModulesAsync(async () => {
      await import('#lib/auth/social');
    });

    // Assert
    await expect(load).resolves.toBeUndefined();
    expect(idp.requests).toBe(before);
  });

  it('unreachable (nothing listening) is ProviderUnavailable, not the client’s fault', async () => {
    // Arrange
    const gone = await startIdentityProvider();
    await gone.stop();
    process.env.GOOGLE_JWKS_URL = gone.jwksUrl;
    resetLazyValues();
    const token = await idp.signIdToken('google');

    // Act
    const attempt = verifyIdToken('google', token, defaultNonce);

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(ProviderUnavailable);
    await expect(attempt).rejects.toMatchObject({ provider: 'google' });
  });

  it('answering with an error status is ProviderUnavailable, and the next attempt fetches again', async () => {
    // Arrange
    idp.behave(503);
    const token = await idp.signIdToken('apple');

    // Act
    const failed = verifyIdToken('apple', token, defaultNonce);
    await expect(failed).rejects.toBeInstanceOf(ProviderUnavailable);
    idp.behave('serve');
    const recovered = verifyIdToken('apple', token, defaultNonce);

    // Assert: no failure is cached
    await expect(recovered).resolves.toMatchObject({ provider: 'apple' });
  });

  it('answering with something that is not a key set is ProviderUnavailable', async () => {
    // Arrange
    idp.behave(200);
    const token = await idp.signIdToken('kakao');

    // Act / Assert
    await expect(verifyIdToken('kakao', token, defaultNonce)).rejects.toBeInstanceOf(ProviderUnavailable);
  });

  it('not answering within the timeout is ProviderUnavailable', async () => {
    // Arrange
    idp.behave('hang');
    const token = await idp.signIdToken('google');

    // Act
    const started = Date.now();
    const attempt = verifyIdToken('google', token, defaultNonce);

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(ProviderUnavailable);
    expect(Date.now() - started).toBeLessThan(5000);
  }, 10_000);
});

describe('socialSettings', () => {
  it('reads comma-separated client ids and uses the providers’ own key sets by default', () => {
    // Act
    const settings = loadSocialSettings({
      GOOGLE_CLIENT_IDS: ' web , ios,,android ',
      APPLE_CLIENT_IDS: 'com.example',
    });

    // Assert
    expect(settings).toEqual({
      google: { clientIds: ['web', 'ios', 'android'], jwksUrl: 'https://www.googleapis.com/oauth2/v3/certs' },
      apple: { clientIds: ['com.example'], jwksUrl: 'https://appleid.apple.com/auth/keys' },
      kakao: { clientIds: [], jwksUrl: 'https://kauth.kakao.com/.well-known/jwks.json' },
    });
  });

  it.each(['https://keys.example.test/jwks', 'http://127.0.0.1:9999/jwks', 'http://localhost:9999/jwks'])(
    'takes a key set override %s',
    (url) => {
      expect(loadSocialSettings({ APPLE_JWKS_URL: url }).apple.jwksUrl).toBe(url);
    },
  );

  it.each([
    ['not a URL', 'keys.example.test/jwks'],
    ['plain HTTP off the loopback interface', 'http://keys.example.test/jwks'],
    ['another scheme', 'file:///etc/jwks.json'],
  ])('fails with a ConfigError naming the variable for %s', (_case, url) => {
    // Act
    const attempt = () => loadSocialSettings({ KAKAO_JWKS_URL: url });

    // Assert
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/KAKAO_JWKS_URL/);
  });

  it('reads the environment once per container', () => {
    // Arrange
    const first = socialSettings();

    // Act
    process.env.GOOGLE_CLIENT_IDS = 'changed-after-first-use';
    const cached = socialSettings();
    resetLazyValues();
    const reread = socialSettings();

    // Assert
    expect(cached).toBe(first);
    expect(reread.google.clientIds).toEqual(['changed-after-first-use']);
  });
});
