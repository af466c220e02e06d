import { countEvent } from '#lib/http/metrics';
import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { users } from '#lib/wiring/services';
import { RefreshRequest } from '#lib/users/schemas';

export const handler = route({ auth: 'none', body: RefreshRequest }, async ({ body }) => {
  const user = await users().refresh(body.refreshToken);
  countEvent('SignIns', { Method: 'refresh' });
  return ok({ user });
});
