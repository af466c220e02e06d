import { articles } from '#lib/wiring/services';
import { FeedQuery } from '#lib/articles/schemas';
import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';

export const handler = route(
  { auth: 'required', conditional: true, query: FeedQuery },
  async ({ query, user }) => ok(await articles().list({ ...query, followedBy: user.id }, user.id)),
);
