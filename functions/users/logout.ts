import { sessions } from '#lib/wiring/services';
import { noContent } from '#lib/http/responses';
import { route } from '#lib/http/route';

export const handler = route({ auth: 'required' }, async ({ user }) => {
  await sessions().end({ userId: user.id, sessionId: user.sessionId });
  return noContent();
});
