import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { allowedMethods, routeTable } from '#lib/http/route-table';

type HttpApiEvent = { httpApi?: { method: string; path: string } | '*' };

/** serverless.yml's routes as path template → sorted methods, without the `'*'` catch-all. */
function deployedRoutes(): Record<string, string[]> {
  const config = load(readFileSync(path.resolve(__dirname, '../../serverless.yml'), 'utf8')) as {
    functions: Record<string, { events?: HttpApiEvent[] }>;
  };
  const table: Record<string, string[]> = {};
  for (const { events = [] } of Object.values(config.functions))
    for (const { httpApi } of events)
      if (httpApi && httpApi !== '*') (table[httpApi.path] ??= []).push(httpApi.method.toUpperCase());
  for (const methods of Object.values(table)) methods.sort();
  return table;
}

describe('routeTable', () => {
  it("is serverless.yml's routes, path for path and method for method", () => {
    // Arrange
    const deployed = deployedRoutes();

    // Act
    const inCode = Object.fromEntries(
      Object.entries(routeTable).map(([template, methods]) => [template, [...methods].sort()]),
    );

    // Assert
    expect(Object.keys(deployed).length).toBeGreaterThan(10);
    expect(inCode).toEqual(deployed);
  });
});

describe('allowedMethods', () => {
  it.each([
    ['/api/articles', ['GET', 'POST']],
    ['/api/tags', ['GET']],
    ['/api/user', ['DELETE', 'GET', 'PUT']],
    ['/api/articles/how-to-train-your-dragon/comments/42', ['DELETE']],
    ['/api/profiles/j%C3%B6rg/follow', ['DELETE', 'POST']],
  ])('lists the methods of %s, sorted', (path, methods) => {
    // Act
    const allowed = allowedMethods(path);

    // Assert
    expect(allowed).toEqual(methods);
  });

  it('merges every template a path matches: the feed is also an article slug', () => {
    // Act
    const allowed = allowedMethods('/api/articles/feed');

    // Assert
    expect(allowed).toEqual(['DELETE', 'GET', 'PUT']);
  });

  it.each([
    '/',
    '/api',
    '/api/nope',
    '/api/articles/',
    '/api/articles//comments',
    '/API/TAGS',
    '/api/tags/x',
  ])('knows no methods for %s, a path no route has', (path) => {
    // Act
    const allowed = allowedMethods(path);

    // Assert
    expect(allowed).toEqual([]);
  });
});
