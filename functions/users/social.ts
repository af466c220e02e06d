import * as z from 'zod/mini';
import { providers, verifyIdToken } from '#lib/auth/social';
import { countEvent } from '#lib/http/metrics';
import { created, ok } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { users } from '#lib/wiring/services';

/** The ID token a client got from the provider's SDK, and the raw nonce it started that sign-in with. */
const SocialSignIn = z.object({
  provider: z.enum(providers, { error: `must be one of: ${providers.join(', ')}` }),
  idToken: z.string().check(z.trim(), z.minLength(1), z.maxLength(8192)),
  nonce: z.string().check(z.minLength(1), z.maxLength(512)),
});

export const handler = route({ auth: 'none', body: SocialSignIn }, async ({ body }) => {
  const identity = await verifyIdToken(body.provider, body.idToken, body.nonce);
  const { user, created: isNew } = await users().signInWith(identity);
  countEvent('SignIns', { Method: body.provider });
  if (isNew) countEvent('Registrations');
  return isNew ? created({ user }) : ok({ user });
});
