import { tagsInUse } from '#lib/wiring/services';
import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';

export const handler = route({ auth: 'none', conditional: true }, async () =>
  ok({ tags: await tagsInUse() }),
);
