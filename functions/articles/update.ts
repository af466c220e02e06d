import { articles } from '#lib/wiring/services';
import { ArticleUpdate } from '#lib/articles/schemas';
import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { slugPath } from '#lib/http/schemas';

export const handler = route(
  { auth: 'required', path: slugPath, body: ArticleUpdate },
  async ({ body, path, user }) => ok({ article: await articles().update(user.id, path.slug, body.article) }),
);
