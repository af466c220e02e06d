import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { profiles } from '#lib/profiles/index';
import { UsernamePath } from '#lib/users/schemas';

export const handler = route({ auth: 'optional', path: UsernamePath }, async ({ path, user }) =>
  ok({ profile: await profiles().get(path.username, user?.id) }),
);
