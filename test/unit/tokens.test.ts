import { SignJWT, UnsecuredJWT, base64url, exportSPKI, generateKeyPair } from 'jose';
import { signAccessToken, verifyAccessToken } from '#lib/auth/tokens';
import { useSecrets } from '#lib/config/secrets';
import { Unauthorized } from '#lib/errors';
import { resetLazyValues } from '#lib/lazy';

const secretText = 'the-unit-test-signing-secret-0123456789abcdef';
const secret = new TextEncoder().encode(secretText);
const savedEnv = { ...process.env };

const previousText = 'the-signing-secret-before-the-rotation-0123456789';

/** Installs signing keys as the secrets middleware would after fetching them. */
function signingKeys(value: string): void {
  resetLazyValues();
  useSecrets({ databasePassword: 'unused-here', signingKeys: value });
}

beforeEach(() => {
  process.env.JWT_ISSUER = 'conduit-test';
  process.env.JWT_AUDIENCE = 'conduit-api-test';
  process.env.ACCESS_TOKEN_TTL = '15m';
  resetLazyValues();
  signingKeys(`k-test=${secretText}`);
});

afterAll(() => {
  process.env = savedEnv;
  resetLazyValues();
  resetLazyValues();
});

interface Overrides {
  alg?: string;
  kid?: string | null;
  iss?: string;
  aud?: string;
  sub?: string | null;
  sid?: string | null;
  typ?: string;
  exp?: number | string | null;
  key?: Uint8Array;
}

/** A token exactly like the service's, except for what the test changes. */
function token({
  alg = 'HS256',
  kid = 'k-test',
  iss = 'conduit-test',
  aud = 'conduit-api-test',
  sub = '7',
  sid = '3',
  typ = 'at+jwt',
  exp = '15m',
  key = secret,
}: Overrides = {}): Promise<string> {
  const jwt = new SignJWT(sid === null ? {} : { sid }).setProtectedHeader({
    alg,
    typ,
    ...(kid === null ? {} : { kid }),
  });
  jwt.setIssuer(iss).setAudience(aud).setIssuedAt();
  if (sub !== null) jwt.setSubject(sub);
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(key);
}

async function expectInvalid(jwt: string): Promise<void> {
  const attempt = verifyAccessToken(jwt);
  await expect(attempt).rejects.toBeInstanceOf(Unauthorized);
  await expect(attempt).rejects.toMatchObject({ errors: { token: ['is invalid'] } });
}

describe('signAccessToken / verifyAccessToken', () => {
  it('round-trips the user and session ids', async () => {
    // Arrange
    const jwt = await signAccessToken({ userId: 42, sessionId: 3 });

    // Act
    const claims = await verifyAccessToken(jwt);

    // Assert
    expect(claims).toEqual({ userId: 42, sessionId: 3 });
  });

  it('signs with HS256, the configured kid, issuer, audience, a string sub and an exp', async () => {
    // Act
    const jwt = await signAccessToken({ userId: 42, sessionId: 3 });

    // Assert
    const [header, payload] = jwt
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(new TextDecoder().decode(base64url.decode(part))));
    expect(header).toMatchObject({ alg: 'HS256', kid: 'k-test', typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: '42', sid: '3', iss: 'conduit-test', aud: 'conduit-api-test' });
    expect(payload.exp - payload.iat).toBe(15 * 60);
  });

  it('accepts a token built the same way outside the service', async () => {
    // Arrange: guards the helper below, so the rejections are about the one thing each test changes
    const jwt = await token();

    // Act / Assert
    await expect(verifyAccessToken(jwt)).resolves.toEqual({ userId: 7, sessionId: 3 });
  });
});

describe('verifyAccessToken rejects', () => {
  it('an unsecured token (alg "none")', async () => {
    // Arrange
    const jwt = new UnsecuredJWT({ sid: '3' })
      .setSubject('7')
      .setIssuer('conduit-test')
      .setAudience('conduit-api-test')
      .setExpirationTime('15m')
      .encode();

    // Act / Assert
    await expectInvalid(jwt);
  });

  it('an HS256 token signed with another secret', async () => {
    await expectInvalid(
      await token({ key: new TextEncoder().encode('another-secret-of-sufficient-length-0123456') }),
    );
  });

  it('a token with another HMAC algorithm (HS512) and the right secret', async () => {
    await expectInvalid(await token({ alg: 'HS512' }));
  });

  it('a token whose payload was changed after signing', async () => {
    // Arrange
    const [header, payload, signature] = (await token({ sub: '7' })).split('.');
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload ?? '')));
    const forged = base64url.encode(JSON.stringify({ ...claims, sub: '1' }));

    // Act / Assert
    await expectInvalid(`${header}.${forged}.${signature}`);
  });

  it('a token with another kid', async () => {
    await expectInvalid(await token({ kid: 'k-old' }));
  });

  it('a token without a kid', async () => {
    await expectInvalid(await token({ kid: null }));
  });

  it('a token without exp', async () => {
    await expectInvalid(await token({ exp: null }));
  });

  it('an expired token', async () => {
    await expectInvalid(await token({ exp: Math.floor(Date.now() / 1000) - 60 }));
  });

  it('a token from another issuer', async () => {
    await expectInvalid(await token({ iss: 'someone-else' }));
  });

  it('a token for another audience', async () => {
    await expectInvalid(await token({ aud: 'another-api' }));
  });

  it.each([null, 'jake', '0', '-3', '1.5'])('a token whose sid is %p', async (sid) => {
    await expectInvalid(await token({ sid }));
  });

  it.each(['JWT', 'refresh+jwt'])('a token of another type (typ %p)', async (typ) => {
    await expectInvalid(await token({ typ }));
  });

  it('an RS256 token, whatever key signed it', async () => {
    // Arrange
    const { privateKey } = await generateKeyPair('RS256');

    // Act / Assert
    await expectInvalid(await token({ alg: 'RS256', key: privateKey as unknown as Uint8Array }));
  });

  it('an HS256 token whose HMAC secret is a public key (algorithm confusion)', async () => {
    // Arrange: the attack works on verifiers that take the key from the token's alg; here only listed secrets sign
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = new TextEncoder().encode(await exportSPKI(publicKey));

    // Act / Assert
    await expectInvalid(await token({ key: pem }));
  });

  it.each([null, 'jake', '0', '-3', '1.5'])('a token whose sub is %p', async (sub) => {
    await expectInvalid(await token({ sub }));
  });

  it.each(['', 'abc', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9..'])('a malformed token %p', async (jwt) => {
    await expectInvalid(jwt);
  });

  it('a token whose key was retired (no longer listed)', async () => {
    // Arrange
    const jwt = await signAccessToken({ userId: 42, sessionId: 3 });
    signingKeys(`k-new=${previousText}`);

    // Act / Assert
    await expectInvalid(jwt);
  });

  it('a token naming a listed kid but signed with another key', async () => {
    // Arrange
    signingKeys(`k-new=${previousText},k-test=${secretText}`);

    // Act / Assert
    await expectInvalid(await token({ kid: 'k-new' }));
  });
});

describe('signing key rotation', () => {
  it('signs with the first key and still accepts tokens of the previous one', async () => {
    // Arrange
    const before = await signAccessToken({ userId: 7, sessionId: 3 });
    signingKeys(`k-new=${previousText},k-test=${secretText}`);

    // Act
    const after = await signAccessToken({ userId: 8, sessionId: 3 });

    // Assert
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(after.split('.')[0]!)))).toMatchObject({
      kid: 'k-new',
    });
    await expect(verifyAccessToken(before)).resolves.toEqual({ userId: 7, sessionId: 3 });
    await expect(verifyAccessToken(after)).resolves.toEqual({ userId: 8, sessionId: 3 });
  });
});
