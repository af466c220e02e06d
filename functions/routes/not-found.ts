import { NotFound } from '#lib/errors';
import { staticRoute } from '#lib/http/route';

/** API Gateway's catch-all ($default) route: unknown paths get the error envelope, not a bare gateway 404. */
export const handler = staticRoute(async () => {
  throw new NotFound('route');
});
