import { articles } from '#lib/wiring/services';
import { noContent } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { slugPath } from '#lib/http/schemas';

export const handler = route({ auth: 'required', path: slugPath }, async ({ path, user }) => {
  await articles().remove(user.id, path.slug);
  return noContent();
});
