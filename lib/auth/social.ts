import { createHash, timingSafeEqual } from 'node:crypto';
import {
  createLocalJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import * as z from 'zod/mini';
import { parseSettings } from '#lib/config/env';
import { Invalid, Unauthorized, Unavailable } from '#lib/errors';
import { getText } from '#lib/http-get';
import { lazy } from '#lib/lazy';

/**
 * Social sign-in: verifies the ID token a client got from Google, Apple or Kakao and returns who it names.
 * The token is checked here, against the provider's published keys, never trusted as sent: signature
 * (RS256 only), issuer, audience (this stage's client ids), lifetime and the nonce the client chose.
 */
export const providers = ['google', 'apple', 'kakao'] as const;
export type Provider = (typeof providers)[number];

export interface SocialIdentity {
  provider: Provider;
  /** The provider's stable user id (`sub`); e-mail addresses change and are not unique keys. */
  subject: string;
  /** Lowercased; absent when the provider did not share one. */
  email?: string;
  /** True only when the provider asserts it in the token itself (`email_verified`). */
  emailVerified: boolean;
  name?: string;
}

/** A provider's signing keys could not be fetched (timeout, network, a bad response): not the client's fault (503). */
export class ProviderUnavailable extends Unavailable {
  override name = 'ProviderUnavailable';
  constructor(
    readonly provider: Provider,
    options?: ErrorOptions,
  ) {
    super(`the ${provider} signing keys could not be fetched`, options);
  }
}

interface ProviderFacts {
  /** Every `iss` the provider documents; never configurable, so no setting can make us trust another issuer. */
  issuers: string[];
  jwksUrl: string;
  clientIdsVariable: string;
  jwksUrlVariable: string;
  /**
   * Apple: the client sends SHA-256(nonce) in the authorization request (the pattern Apple's native flow,
   * Firebase and Supabase use), so the token carries the hash and only the client knows the raw nonce.
   * Google and Kakao put the nonce they were given in the token as is.
   */
  hashedNonce: boolean;
}

// Sources: Google "Verify the Google ID token on your server side" (both issuer spellings are documented),
// Apple "Verifying a user" (Sign in with Apple REST API), Kakao Login REST API, OpenID Connect section.
const facts: Record<Provider, ProviderFacts> = {
  google: {
    issuers: ['https://accounts.google.com', 'accounts.google.com'],
    jwksUrl: 'https://www.googleapis.com/oauth2/v3/certs',
    clientIdsVariable: 'GOOGLE_CLIENT_IDS',
    jwksUrlVariable: 'GOOGLE_JWKS_URL',
    hashedNonce: false,
  },
  apple: {
    issuers: ['https://appleid.apple.com'],
    jwksUrl: 'https://appleid.apple.com/auth/keys',
    clientIdsVariable: 'APPLE_CLIENT_IDS',
    jwksUrlVariable: 'APPLE_JWKS_URL',
    hashedNonce: true,
  },
  kakao: {
    issuers: ['https://kauth.kakao.com'],
    jwksUrl: 'https://kauth.kakao.com/.well-known/jwks.json',
    clientIdsVariable: 'KAKAO_CLIENT_IDS',
    jwksUrlVariable: 'KAKAO_JWKS_URL',
    hashedNonce: false,
  },
};

const algorithms = ['RS256'];
/** Clocks on Lambda and at the providers drift a little; more would stretch a token's life for no gain. */
const clockTolerance = 30;
/**
 * Clients exchange an ID token right after the provider issued it, while Kakao's live for hours: an older
 * one is refused, so a token that leaked from a log or a device cannot be replayed for long.
 */
const maxTokenAge = '10m';
/** A provider that does not answer in this time gets a 503 rather than holding the whole request hostage. */
const jwksTimeout = 3000;

export interface ProviderSettings {
  /** The audiences this stage accepts (web, iOS, Android apps); empty means the provider is disabled. */
  clientIds: string[];
  jwksUrl: string;
}

export type SocialSettings = Record<Provider, ProviderSettings>;

/**
 * The providers' settings, from the environment (serverless.yml sets them per stage), read once per container
 * on first use, like lib/config/env.ts.
 */
export const socialSettings = lazy(() => loadSocialSettings(process.env));

/** A comma-separated list of the stage's client ids; unset or empty, the provider is disabled. */
const clientIdList = z.pipe(
  z._default(z.optional(z.string()), ''),
  z.transform((value) =>
    value
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  ),
);

/**
 * A key set URL override, for tests and local emulators. Keys fetched over plain HTTP could be swapped on the
 * way, so HTTP is accepted only on the loopback interface.
 */
const jwksUrl = z.pipe(
  z.string(),
  z.transform((value, context) => {
    const url = URL.parse(value);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url?.hostname ?? '');
    if (url?.protocol === 'https:' || (url?.protocol === 'http:' && loopback)) return url.href;
    context.issues.push({
      code: 'custom',
      input: value,
      message: 'must be an https URL (http only on localhost)',
    });
    return z.NEVER;
  }),
);

export function loadSocialSettings(env: NodeJS.ProcessEnv): SocialSettings {
  const variables = providers.flatMap((provider) => [
    [facts[provider].clientIdsVariable, clientIdList],
    [facts[provider].jwksUrlVariable, z.optional(jwksUrl)],
  ]);
  const parsed = parseSettings(env, Object.fromEntries(variables)) as Record<string, string | string[]>;
  const entry = (provider: Provider): ProviderSettings => ({
    clientIds: parsed[facts[provider].clientIdsVariable] as string[],
    jwksUrl: (parsed[facts[provider].jwksUrlVariable] as string | undefined) ?? facts[provider].jwksUrl,
  });
  return { google: entry('google'), apple: entry('apple'), kakao: entry('kakao') };
}

/**
 * Verifies a provider's ID token for this stage and returns the identity in it. A disabled provider is a
 * validation error (422); any token problem is "idToken is invalid" (401) with no detail for a prober; a
 * provider whose keys cannot be fetched is ProviderUnavailable (503).
 */
export async function verifyIdToken(
  provider: Provider,
  idToken: string,
  nonce: string,
): Promise<SocialIdentity> {
  // The type is only a promise: the value comes from a request body.
  if (!(providers as readonly string[]).includes(provider))
    throw new Invalid({ provider: ['is not supported'] });
  const { clientIds } = socialSettings()[provider];
  if (clientIds.length === 0) throw new Invalid({ provider: ['is not enabled'] });

  const payload = await verifiedClaims(provider, idToken, clientIds);
  // Binds the token to the sign-in the client started: a token lifted from another app's or an earlier
  // sign-in does not carry this nonce.
  const expected = facts[provider].hashedNonce ? createHash('sha256').update(nonce).digest('hex') : nonce;
  if (!sameText(expected, payload.nonce)) throw invalidToken();
  if (typeof payload.sub !== 'string' || payload.sub === '') throw invalidToken();
  return identityOf(provider, payload.sub, payload);
}

async function verifiedClaims(provider: Provider, idToken: string, clientIds: string[]): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(idToken, keysOf(provider), {
      algorithms,
      issuer: facts[provider].issuers,
      audience: clientIds,
      requiredClaims: ['exp', 'iat', 'sub'],
      clockTolerance,
      maxTokenAge,
    });
    return payload;
  } catch (error) {
    if (error instanceof errors.JOSEError) throw invalidToken();
    throw error;
  }
}

/** One key set per provider per container, kept between invocations. */
const keySets = lazy(
  () =>
    Object.fromEntries(providers.map((provider) => [provider, remoteKeySet(provider)])) as Record<
      Provider,
      JWTVerifyGetKey
    >,
);

function keysOf(provider: Provider): JWTVerifyGetKey {
  return keySets()[provider];
}

/** How long fetched keys are used before they are fetched again (jose's default for a remote key set). */
const keysMaxAge = 10 * 60_000;
/** A token naming a key the set lacks (a rotation) fetches it again, but no more often than this. */
const refetchCooldown = 30_000;

/**
 * What jose's createRemoteJWKSet does (cache, cooldown, one fetch at a time), on node:http: createRemoteJWKSet
 * builds a global Headers, which loads undici (~25 ms of a cold start, measured), whatever fetch it is given.
 */
function remoteKeySet(provider: Provider): JWTVerifyGetKey {
  const url = socialSettings()[provider].jwksUrl;
  let keys: JWTVerifyGetKey | undefined;
  let fetchedAt = -Infinity;
  let pending: Promise<void> | undefined;
  const reload = () =>
    (pending ??= fetchKeySet(provider, url)
      .then((fetched) => {
        keys = fetched;
        fetchedAt = Date.now();
      })
      .finally(() => (pending = undefined)));
  return async (header, token) => {
    if (!keys || Date.now() >= fetchedAt + keysMaxAge) await reload();
    try {
      return await keys!(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || Date.now() < fetchedAt + refetchCooldown)
        throw error;
      await reload();
      return keys!(header, token);
    }
  };
}

/**
 * The provider's key set, or ProviderUnavailable: a timeout, the network, a status other than 200 or a body
 * that is no key set (JWKSInvalid) are the provider's or the network's fault, never the client's.
 */
async function fetchKeySet(provider: Provider, url: string): Promise<JWTVerifyGetKey> {
  try {
    const { status, body } = await getText(url, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      timeout: jwksTimeout,
    });
    if (status !== 200) throw new Error(`the key set URL answered ${status}`);
    return createLocalJWKSet(JSON.parse(body) as JSONWebKeySet);
  } catch (error) {
    throw new ProviderUnavailable(provider, { cause: error });
  }
}

function identityOf(provider: Provider, subject: string, payload: JWTPayload): SocialIdentity {
  const email = textOf(payload.email)?.toLowerCase();
  // Kakao's ID token has `email` but no `email_verified` (verification flags exist only in its user-info
  // API), so a Kakao address counts as unverified: an unverified address must never link to an existing
  // account. Apple sends the claim as the string "true"; Google as a boolean.
  const verified = payload.email_verified === true || payload.email_verified === 'true';
  const identity: SocialIdentity = { provider, subject, emailVerified: email !== undefined && verified };
  if (email) identity.email = email;
  const name = nameOf(payload);
  if (name) identity.name = name;
  return identity;
}

/** `name`, else given + family name, else Kakao's `nickname`. Apple never puts a name in the token. */
function nameOf(payload: JWTPayload): string | undefined {
  const parts = [textOf(payload.given_name), textOf(payload.family_name)].filter(Boolean).join(' ');
  return textOf(payload.name) ?? (parts || undefined) ?? textOf(payload.nickname);
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() || undefined : undefined;
}

/** Constant time: both sides are hashed first, so the buffers always have the same length. */
function sameText(expected: string, actual: unknown): boolean {
  if (expected === '' || typeof actual !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(expected), digest(actual));
}

function invalidToken(): Unauthorized {
  return new Unauthorized('idToken', 'is invalid');
}
