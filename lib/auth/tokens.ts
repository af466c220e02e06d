import { jwtVerify, SignJWT, errors, type JWTHeaderParameters } from 'jose';
import { subtle, type webcrypto } from 'node:crypto';
import { tokenSettings } from '#lib/config/env';
import { secrets, type SigningKey } from '#lib/config/secrets';
import { Unauthorized } from '#lib/errors';

const algorithm = 'HS256';
/** RFC 9068's media type for access tokens: no other JWT this service might ever sign passes as one. */
const accessTokenType = 'at+jwt';

export interface AccessClaims {
  userId: number;
  /** The session the token belongs to: logging out ends it, and with it every token that names it. */
  sessionId: number;
}

const imported = new WeakMap<SigningKey, Promise<webcrypto.CryptoKey>>();

/**
 * `key` as a WebCrypto key, imported once per loaded secret: given the raw bytes, jose would import them again
 * for every token it signs or verifies (~40 µs of each authenticated request). A rotation loads new
 * SigningKey objects, and the old keys go with their entries.
 */
function cryptoKeyOf(key: SigningKey): Promise<webcrypto.CryptoKey> {
  let cryptoKey = imported.get(key);
  if (!cryptoKey) {
    const hmac = { name: 'HMAC', hash: 'SHA-256' };
    cryptoKey = subtle.importKey('raw', key.key, hmac, false, ['sign', 'verify']);
    imported.set(key, cryptoKey);
  }
  return cryptoKey;
}

/** Signs with the newest signing key; its `kid` tells verifiers which key to use after a rotation. */
export async function signAccessToken({ userId, sessionId }: AccessClaims): Promise<string> {
  const jwt = tokenSettings();
  const [newest] = secrets().signingKeys;
  return new SignJWT({ sid: String(sessionId) })
    .setProtectedHeader({ alg: algorithm, kid: newest.kid, typ: accessTokenType })
    .setSubject(String(userId))
    .setIssuer(jwt.issuer)
    .setAudience(jwt.audience)
    .setIssuedAt()
    .setExpirationTime(jwt.accessTokenTtl)
    .sign(await cryptoKeyOf(newest));
}

/** The signing key a token names by `kid`; a token without one, or naming a retired key, is invalid. */
function keyFor({ kid }: JWTHeaderParameters): Promise<webcrypto.CryptoKey> {
  const match = secrets().signingKeys.find((candidate) => candidate.kid === kid);
  if (!match) throw new errors.JWKSNoMatchingKey();
  return cryptoKeyOf(match);
}

/** A positive integer id from a string claim, else the token is invalid. */
function idOf(claim: unknown): number {
  const id = typeof claim === 'string' && /^[1-9]\d{0,15}$/.test(claim) ? Number(claim) : NaN;
  if (!Number.isSafeInteger(id)) throw new errors.JWTInvalid();
  return id;
}

/**
 * Verifies signature, algorithm, `kid`, type, issuer, audience and a required `exp`, `sub` and `sid`; any
 * failure is "is invalid". Whether the session is still open is the caller's check (./access.ts).
 */
export async function verifyAccessToken(token: string): Promise<AccessClaims> {
  const jwt = tokenSettings();
  try {
    const { payload } = await jwtVerify(token, keyFor, {
      algorithms: [algorithm],
      typ: accessTokenType,
      issuer: jwt.issuer,
      audience: jwt.audience,
      requiredClaims: ['exp', 'sub', 'sid'],
    });
    return { userId: idOf(payload.sub), sessionId: idOf(payload.sid) };
  } catch (error) {
    if (error instanceof errors.JOSEError) throw new Unauthorized('token', 'is invalid');
    throw error;
  }
}
