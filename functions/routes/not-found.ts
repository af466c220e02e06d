import { NotFound } from '#lib/errors';
import { MethodNotAllowed } from '#lib/http/problems';
import { allowedMethods } from '#lib/http/route-table';
import { staticRoute } from '#lib/http/route';

/**
 * API Gateway's catch-all ($default) route, reached by every request no route matches: 405 with `Allow` for a
 * known path asked with another method, 404 for an unknown path, in the error envelope either way, never a
 * bare gateway error.
 */
export const handler = staticRoute({}, async ({ method, rawPath }) => {
  const allowed = allowedMethods(rawPath);
  if (allowed.length > 0 && !allowed.includes(method)) throw new MethodNotAllowed(allowed);
  throw new NotFound('route');
});
