import { articles } from '#lib/wiring/services';
import { NewArticle } from '#lib/articles/schemas';
import { countEvent } from '#lib/http/metrics';
import { created } from '#lib/http/responses';
import { route } from '#lib/http/route';

export const handler = route(
  { auth: 'required', body: NewArticle, idempotent: () => import('#lib/wiring/idempotency') },
  async ({ body, user }) => {
    const article = await articles().create(user.id, body.article);
    countEvent('ArticlesCreated');
    return created({ article });
  },
);
