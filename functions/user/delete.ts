import { noContent } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { users } from '#lib/wiring/services';

/** Deletes the signed-in user's account, with everything it wrote and every session it had. */
export const handler = route({ auth: 'required' }, async ({ user }) => {
  await users().remove(user.id);
  return noContent();
});
