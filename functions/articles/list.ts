import { articles } from '#lib/articles/index';
import { ListQuery } from '#lib/articles/schemas';
import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';

export const handler = route({ auth: 'optional', query: ListQuery }, async ({ query, user }) => {
  const { tag, author, favorited, limit, offset } = query;
  return ok(await articles().list({ tag, author, favoritedBy: favorited }, { limit, offset }, user?.id));
});
