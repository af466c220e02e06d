import { countEvent } from '#lib/http/metrics';
import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { users } from '#lib/wiring/services';
import { Login } from '#lib/users/schemas';

export const handler = route({ auth: 'none', body: Login }, async ({ body, sourceIp }) => {
  const user = await users().login(body.user.email, body.user.password, sourceIp);
  countEvent('SignIns', { Method: 'password' });
  return ok({ user });
});
