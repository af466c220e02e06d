/**
 * Every route serverless.yml deploys, as path template → methods, for the catch-all route: a known path
 * asked with another method is a 405 whose `Allow` comes from here. A table in code rather than serverless.yml
 * read at run time, so that function bundles no YAML parser and reads no file; test/unit/route-table.test.ts
 * proves it equal to serverless.yml's httpApi events.
 */
export const routeTable: Readonly<Record<string, readonly string[]>> = {
  '/api/users': ['POST'],
  '/api/users/login': ['POST'],
  '/api/users/social': ['POST'],
  '/api/users/refresh': ['POST'],
  '/api/users/logout': ['POST'],
  '/api/user': ['DELETE', 'GET', 'PUT'],
  '/api/user/sessions': ['DELETE'],
  '/api/user/image': ['POST'],
  '/api/profiles/{username}': ['GET'],
  '/api/profiles/{username}/follow': ['DELETE', 'POST'],
  '/api/articles': ['GET', 'POST'],
  '/api/articles/feed': ['GET'],
  '/api/articles/{slug}': ['DELETE', 'GET', 'PUT'],
  '/api/articles/{slug}/favorite': ['DELETE', 'POST'],
  '/api/articles/{slug}/comments': ['GET', 'POST'],
  '/api/articles/{slug}/comments/{id}': ['DELETE'],
  '/api/tags': ['GET'],
  '/api/health': ['GET'],
  '/api/docs': ['GET'],
  '/api/docs/{file}': ['GET'],
  '/api/openapi.json': ['GET'],
};

/**
 * The methods some route answers at `path`, sorted, or none for a path no route has. Every template the path
 * matches counts (`/api/articles/feed` is also an article slug): API Gateway picks a route by method and path
 * together, so `PUT /api/articles/feed` reaches the update route, not this table.
 */
export function allowedMethods(path: string): string[] {
  const segments = path.split('/');
  const methods = new Set<string>();
  for (const [template, routeMethods] of Object.entries(routeTable)) {
    const parts = template.split('/');
    const matches =
      parts.length === segments.length &&
      parts.every((part, i) => (part.startsWith('{') ? segments[i] !== '' : part === segments[i]));
    if (matches) for (const method of routeMethods) methods.add(method);
  }
  return [...methods].sort();
}
