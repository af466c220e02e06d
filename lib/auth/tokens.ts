import { jwtVerify, SignJWT, errors } from 'jose';
import { config } from '#lib/config/env';
import { Unauthorized } from '#lib/errors';

const algorithm = 'HS256';

export interface AccessClaims {
  userId: number;
}

export async function signAccessToken(userId: number): Promise<string> {
  const { jwt } = config();
  return new SignJWT({})
    .setProtectedHeader({ alg: algorithm, kid: jwt.kid, typ: 'JWT' })
    .setSubject(String(userId))
    .setIssuer(jwt.issuer)
    .setAudience(jwt.audience)
    .setIssuedAt()
    .setExpirationTime(jwt.accessTokenTtl)
    .sign(jwt.secret);
}

/** Verifies signature, algorithm, `kid`, issuer, audience and a required `exp`; any failure is "is invalid". */
export async function verifyAccessToken(token: string): Promise<AccessClaims> {
  const { jwt } = config();
  try {
    const { payload, protectedHeader } = await jwtVerify(token, jwt.secret, {
      algorithms: [algorithm],
      issuer: jwt.issuer,
      audience: jwt.audience,
      requiredClaims: ['exp', 'sub'],
    });
    const userId = Number(payload.sub);
    if (protectedHeader.kid !== jwt.kid || !Number.isSafeInteger(userId) || userId <= 0)
      throw new errors.JWTInvalid();
    return { userId };
  } catch (error) {
    if (error instanceof errors.JOSEError) throw new Unauthorized('token', 'is invalid');
    throw error;
  }
}
