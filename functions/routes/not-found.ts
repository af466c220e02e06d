import { NotFound } from '#lib/errors';
import { route } from '#lib/http/route';

/** API Gateway's catch-all ($default) route: unknown paths get the error envelope, not a bare gateway 404. */
export const handler = route({ auth: 'none', secrets: false }, async () => {
  throw new NotFound('route');
});
