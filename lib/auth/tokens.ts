import { jwtVerify, SignJWT, errors, type JWTHeaderParameters } from 'jose';
import { tokenSettings } from '#lib/config/env';
import { secrets } from '#lib/config/secrets';
import { Unauthorized } from '#lib/errors';

const algorithm = 'HS256';

export interface AccessClaims {
  userId: number;
}

/** Signs with the newest signing key; its `kid` tells verifiers which key to use after a rotation. */
export async function signAccessToken(userId: number): Promise<string> {
  const jwt = tokenSettings();
  const [{ kid, key }] = secrets().signingKeys;
  return new SignJWT({})
    .setProtectedHeader({ alg: algorithm, kid, typ: 'JWT' })
    .setSubject(String(userId))
    .setIssuer(jwt.issuer)
    .setAudience(jwt.audience)
    .setIssuedAt()
    .setExpirationTime(jwt.accessTokenTtl)
    .sign(key);
}

/** The signing key a token names by `kid`; a token without one, or naming a retired key, is invalid. */
function keyFor({ kid }: JWTHeaderParameters): Uint8Array {
  const match = secrets().signingKeys.find((candidate) => candidate.kid === kid);
  if (!match) throw new errors.JWKSNoMatchingKey();
  return match.key;
}

/** Verifies signature, algorithm, `kid`, issuer, audience and a required `exp`; any failure is "is invalid". */
export async function verifyAccessToken(token: string): Promise<AccessClaims> {
  const jwt = tokenSettings();
  try {
    const { payload } = await jwtVerify(token, keyFor, {
      algorithms: [algorithm],
      issuer: jwt.issuer,
      audience: jwt.audience,
      requiredClaims: ['exp', 'sub'],
    });
    const userId = Number(payload.sub);
    if (!Number.isSafeInteger(userId) || userId <= 0) throw new errors.JWTInvalid();
    return { userId };
  } catch (error) {
    if (error instanceof errors.JOSEError) throw new Unauthorized('token', 'is invalid');
    throw error;
  }
}
