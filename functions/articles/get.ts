import { articles } from '#lib/wiring/services';
import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { slugPath } from '#lib/http/schemas';

export const handler = route(
  { auth: 'optional', conditional: true, path: slugPath },
  async ({ path, user }) => ok({ article: await articles().get(path.slug, user?.id) }),
);
