import { articles } from '#lib/wiring/services';
import { ListQuery } from '#lib/articles/schemas';
import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';

export const handler = route(
  { auth: 'optional', conditional: true, query: ListQuery },
  async ({ query, user }) => ok(await articles().list(query, user?.id)),
);
