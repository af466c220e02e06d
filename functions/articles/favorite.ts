import { articles } from '#lib/wiring/services';
import { countEvent } from '#lib/http/metrics';
import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { slugPath } from '#lib/http/schemas';

export const handler = route({ auth: 'required', path: slugPath }, async ({ path, user }) => {
  const article = await articles().favorite(user.id, path.slug);
  countEvent('Favorites');
  return ok({ article });
});
