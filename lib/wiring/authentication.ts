import { sessions } from '#lib/wiring/services';
import { verifyAccessToken, type AccessClaims } from '#lib/auth/tokens';

/**
 * What a request's access token proves: a valid signature and claims (no I/O), then a session that is still
 * open (one primary-key lookup), so a logout stops the token on the very next request.
 */
export async function authenticate(token: string): Promise<AccessClaims> {
  const claims = await verifyAccessToken(token);
  await sessions().assertOpen(claims);
  return claims;
}
