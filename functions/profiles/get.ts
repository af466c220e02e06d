import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { usernamePath } from '#lib/http/schemas';
import { profiles } from '#lib/wiring/services';

export const handler = route(
  { auth: 'optional', conditional: true, path: usernamePath },
  async ({ path, user }) => ok({ profile: await profiles().get(path.username, user?.id) }),
);
