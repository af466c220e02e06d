import { createHash } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { Provider } from '#lib/auth/social';

/**
 * A stand-in for Google, Apple and Kakao in tests, with no network: one RS256 key pair whose public half is
 * served as a JSON Web Key Set on 127.0.0.1, and a signer that issues ID tokens as each provider does.
 * Point the service at it with `environment()` (the *_JWKS_URL and *_CLIENT_IDS variables).
 */

/**
 * The providers' real issuers, written out here rather than imported from lib/auth/social.ts, so a wrong
 * issuer in the service fails the tests instead of being copied into them.
 */
export const issuers: Record<Provider, string> = {
  google: 'https://accounts.google.com',
  apple: 'https://appleid.apple.com',
  kakao: 'https://kauth.kakao.com',
};

/** One audience per provider, all different, so a token for one provider never fits another by accident. */
export const clientIds: Record<Provider, string> = {
  google: '1234567890-conduit.apps.googleusercontent.com',
  apple: 'com.example.conduit',
  kakao: 'conduit-kakao-rest-api-key',
};

export const defaultNonce = 'nonce-3f2b1c9e7a';

/** What a sign-in nonce looks like inside a provider's token: Apple gets (and returns) its SHA-256 in hex. */
export function nonceClaim(provider: Provider, nonce: string): string {
  return provider === 'apple' ? createHash('sha256').update(nonce).digest('hex') : nonce;
}

export interface SignOptions {
  /** The raw nonce the client chose (default `defaultNonce`); Apple's claim gets its hash. */
  nonce?: string;
  alg?: string;
  /** `null` leaves `kid` out of the header. */
  kid?: string | null;
  /** Sign with another key (an attacker's, an HMAC secret); default: the provider's private key. */
  key?: CryptoKey | Uint8Array;
}

/** What the JWKS endpoint does: answer, fail with an HTTP status, or never answer (a timeout). */
export type JwksBehaviour = 'serve' | 'hang' | number;

export interface IdentityProvider {
  /** The JWKS endpoint; every path on the server answers the same set. */
  readonly jwksUrl: string;
  readonly publicKey: CryptoKey;
  readonly privateKey: CryptoKey;
  readonly kid: string;
  /** How many times the JWKS was fetched. */
  readonly requests: number;
  /**
   * An ID token like the provider's: its issuer, our client id as audience, sub, iat, exp (1 h) and the
   * nonce. `claims` replace or add claims; a claim set to `undefined` is left out.
   */
  signIdToken(provider: Provider, claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
  /** The variables that point the service at this provider and enable all three providers. */
  environment(): Record<string, string>;
  behave(behaviour: JwksBehaviour): void;
  stop(): Promise<void>;
}

/**
 * Issues ID tokens as the providers do, with `key` and `kid`: the provider's issuer, our client id as
 * audience, sub, iat, exp (1 h) and the nonce. A claim set to `undefined` is left out.
 */
export function signerFor(key: CryptoKey, kid: string): IdentityProvider['signIdToken'] {
  return (provider, claims = {}, options = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      iss: issuers[provider],
      aud: clientIds[provider],
      sub: `${provider}-user-0001`,
      iat: now,
      exp: now + 3600,
      nonce: nonceClaim(provider, options.nonce ?? defaultNonce),
      ...claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    const header = options.kid === null ? {} : { kid: options.kid ?? kid };
    return new SignJWT(payload)
      .setProtectedHeader({ alg: options.alg ?? 'RS256', typ: 'JWT', ...header })
      .sign(options.key ?? key);
  };
}

export async function startIdentityProvider(): Promise<IdentityProvider> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `test-key-${Date.now().toString(36)}`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const body = JSON.stringify({ keys: [jwk] });

  let requests = 0;
  let behaviour: JwksBehaviour = 'serve';
  const hanging = new Set<ServerResponse>();
  const server = createServer((_request, response) => {
    requests += 1;
    if (behaviour === 'hang') {
      hanging.add(response);
      return;
    }
    if (typeof behaviour === 'number') {
      response.writeHead(behaviour, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  const jwksUrl = `http://127.0.0.1:${port}/.well-known/jwks.json`;

  return {
    jwksUrl,
    publicKey,
    privateKey,
    kid,
    get requests() {
      return requests;
    },
    signIdToken: signerFor(privateKey, kid),
    environment() {
      return {
        GOOGLE_JWKS_URL: jwksUrl,
        APPLE_JWKS_URL: jwksUrl,
        KAKAO_JWKS_URL: jwksUrl,
        GOOGLE_CLIENT_IDS: clientIds.google,
        APPLE_CLIENT_IDS: clientIds.apple,
        KAKAO_CLIENT_IDS: clientIds.kakao,
      };
    },
    behave(next) {
      behaviour = next;
    },
    async stop() {
      for (const response of hanging) response.destroy();
      hanging.clear();
      // fetch keeps connections alive; close them or close() waits for them.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
