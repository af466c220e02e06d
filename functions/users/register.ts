import { countEvent } from '#lib/http/metrics';
import { created } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { users } from '#lib/wiring/services';
import { NewUser } from '#lib/users/schemas';

export const handler = route(
  { auth: 'none', body: NewUser, idempotent: () => import('#lib/wiring/idempotency') },
  async ({ body }) => {
    const user = await users().register(body.user);
    countEvent('Registrations');
    return created({ user });
  },
);
