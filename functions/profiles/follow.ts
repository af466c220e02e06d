import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { profiles } from '#lib/profiles/index';
import { UsernamePath } from '#lib/users/schemas';

export const handler = route({ auth: 'required', path: UsernamePath }, async ({ path, user }) =>
  ok({ profile: await profiles().follow(user.id, path.username) }),
);
