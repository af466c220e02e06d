import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { users } from '#lib/wiring/services';
import { UserUpdate } from '#lib/users/schemas';

export const handler = route({ auth: 'required', body: UserUpdate }, async ({ body, user }) =>
  ok({ user: await users().update({ userId: user.id, sessionId: user.sessionId }, body.user) }),
);
