import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { users } from '#lib/wiring/services';

export const handler = route({ auth: 'required' }, async ({ user }) =>
  ok({ user: await users().current(user.id, user.token) }),
);
