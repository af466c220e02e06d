import { sessions } from '#lib/wiring/services';
import { noContent } from '#lib/http/responses';
import { route } from '#lib/http/route';

/** Signs the user out everywhere, this device included. */
export const handler = route({ auth: 'required' }, async ({ user }) => {
  await sessions().endAll(user.id);
  return noContent();
});
