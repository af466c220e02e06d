import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { usernamePath } from '#lib/http/schemas';
import { profiles } from '#lib/wiring/services';

export const handler = route({ auth: 'required', path: usernamePath }, async ({ path, user }) =>
  ok({ profile: await profiles().unfollow(user.id, path.username) }),
);
