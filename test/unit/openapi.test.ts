import { load } from 'js-yaml';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MethodNotAllowed } from '#lib/http/problems';

/**
 * openapi.yml describes the API that serverless.yml deploys: the two must name the same routes, and the
 * document must hold together (references, operation ids, auth and error replies) for tools to use it.
 */

type Json = Record<string, any>;

interface Operation {
  /** `POST /api/users/login`: the method and the full path, as serverless.yml writes routes. */
  key: string;
  template: string;
  operation: Json;
  pathItem: Json;
}

interface Route {
  key: string;
  handler: string;
}

const root = path.resolve(__dirname, '../..');
const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function readYaml(file: string): Json {
  return load(readFileSync(path.join(root, file), 'utf8')) as Json;
}

const document = readYaml('openapi.yml');

/** A server URL with its variables at their defaults, so that `URL` can parse it. */
function serverUrl({
  url,
  variables = {},
}: {
  url: string;
  variables?: Record<string, { default: string }>;
}) {
  // A relative URL (`/api`) is relative to the document's own location: any origin will do here.
  return new URL(
    url.replace(/\{(\w+)\}/g, (_match, name: string) => variables[name]?.default ?? name),
    'http://localhost',
  );
}

/** The path every server URL ends in (`/api`): document paths are relative to it, routes are not. */
function basePathOf(doc: Json): string {
  const paths = new Set<string>((doc.servers ?? []).map((server: any) => serverUrl(server).pathname));
  expect([...paths]).toHaveLength(1);
  return [...paths][0]!.replace(/\/$/, '');
}

function operationsOf(doc: Json): Operation[] {
  const basePath = basePathOf(doc);
  return Object.entries<Json>(doc.paths ?? {}).flatMap(([template, pathItem]) =>
    httpMethods
      .filter((method) => pathItem[method])
      .map((method) => ({
        key: `${method.toUpperCase()} ${basePath}${template}`,
        template,
        operation: pathItem[method],
        pathItem,
      })),
  );
}

/** The HTTP routes of serverless.yml, without the `'*'` catch-all (which no document path can describe). */
function serverlessRoutes(): Route[] {
  const functions = readYaml('serverless.yml').functions as Record<
    string,
    { handler: string; events?: { httpApi?: { method: string; path: string } | '*' }[] }
  >;
  return Object.values(functions).flatMap(({ handler, events = [] }) =>
    events.flatMap(({ httpApi }) =>
      httpApi && httpApi !== '*' ? [{ key: `${httpApi.method.toUpperCase()} ${httpApi.path}`, handler }] : [],
    ),
  );
}

/** The value a local `$ref` (`#/components/...`) points at, or undefined when it points at nothing. */
function pointerTarget(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<any>((node, part) => (node !== null && typeof node === 'object' ? node[part] : undefined), doc);
}

/** Follows `$ref`s until an inline object. */
function resolved(doc: Json, node: Json): Json {
  let current = node;
  for (let hops = 0; current?.$ref !== undefined; hops++) {
    if (hops > 10) throw new Error(`reference cycle at ${node.$ref}`);
    current = pointerTarget(doc, current.$ref) as Json;
  }
  return current;
}

function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string' ? [value] : refsIn(value),
  );
}

type AuthMode = 'required' | 'optional' | 'none';

/** `required` when every security alternative names a scheme, `optional` when one of them is `{}`. */
function authModeOf(doc: Json, operation: Json): AuthMode {
  const requirements: Json[] = operation.security ?? doc.security ?? [];
  const withScheme = requirements.filter((requirement) => Object.keys(requirement).length > 0);
  if (withScheme.length === 0) return 'none';
  return withScheme.length === requirements.length ? 'required' : 'optional';
}

function responsesOf(operation: Json): [string, Json][] {
  return Object.entries<Json>(operation.responses ?? {}).map(([status, response]) => [
    status,
    resolved(document, response),
  ]);
}

const operations = operationsOf(document);
const routes = serverlessRoutes();

describe('openapi.yml', () => {
  it('parses as an OpenAPI 3.1 document with an info block and operations', () => {
    // Assert
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof document.info?.title).toBe('string');
    expect(typeof document.info?.version).toBe('string');
    expect(operations.length).toBeGreaterThan(0);
  });

  it('serves every path under /api, the prefix of every route in serverless.yml', () => {
    // Act
    const basePath = basePathOf(document);

    // Assert
    expect(basePath).toBe('/api');
    expect(routes.filter(({ key }) => !key.split(' ')[1]!.startsWith(`${basePath}/`))).toEqual([]);
  });

  it('documents every route of serverless.yml with the same method and path template', () => {
    // Arrange
    const documented = new Set(operations.map(({ key }) => key));

    // Act
    const undocumented = routes.map(({ key }) => key).filter((key) => !documented.has(key));

    // Assert
    expect(routes.length).toBeGreaterThan(0);
    expect(undocumented).toEqual([]);
  });

  it('has a route in serverless.yml for every operation it documents', () => {
    // Arrange
    const deployed = new Set(routes.map(({ key }) => key));

    // Act
    const withoutRoute = operations.map(({ key }) => key).filter((key) => !deployed.has(key));

    // Assert
    expect(withoutRoute).toEqual([]);
  });

  it('resolves every $ref inside the document', () => {
    // Act
    const refs = refsIn(document);
    const dangling = refs.filter((ref) => pointerTarget(document, ref) === undefined);

    // Assert
    expect(refs.length).toBeGreaterThan(0);
    expect(dangling).toEqual([]);
  });

  it('gives every operation a unique operationId', () => {
    // Act
    const ids = operations.map(({ operation }) => operation.operationId);
    const duplicates = ids.filter((id, index) => ids.indexOf(id) !== index);

    // Assert
    expect(operations.filter(({ operation }) => typeof operation.operationId !== 'string')).toEqual([]);
    expect(duplicates).toEqual([]);
  });

  it.each(['X-Request-Id', 'Cache-Control'])('documents %s on every reply, as route() sends it', (name) => {
    // Act
    const without = operations.flatMap(({ key, operation }) =>
      responsesOf(operation)
        .filter(([, response]) => !resolved(document, response.headers?.[name] ?? {})?.required)
        .map(([status]) => `${key} ${status}`),
    );

    // Assert
    expect(without).toEqual([]);
  });

  it('documents ETag, If-None-Match and 304 exactly on the routes whose handler is conditional', () => {
    // Arrange
    const byKey = new Map(operations.map((operation) => [operation.key, operation]));
    const checked = routes.map(({ key, handler }) => {
      const source = readFileSync(path.join(root, `${handler.replace(/\.handler$/, '')}.ts`), 'utf8');
      const { operation } = byKey.get(key)!;
      const parameters = (operation.parameters ?? []).map((parameter: Json) => resolved(document, parameter));
      return {
        key,
        declared: /\bconditional:\s*true\b/.test(source),
        documented: {
          etag: Boolean(
            resolved(
              document,
              responsesOf(operation).find(([status]) => status === '200')?.[1]?.headers?.ETag ?? {},
            )?.required,
          ),
          ifNoneMatch: parameters.some(
            (parameter: Json) => parameter.in === 'header' && parameter.name === 'If-None-Match',
          ),
          notModified: Boolean(operation.responses?.['304']),
        },
      };
    });

    // Act
    const mismatched = checked.filter(({ declared, documented }) =>
      Object.values(documented).some((present) => present !== declared),
    );

    // Assert
    // The reads of articles, lists, feed, comments, profiles and tags; the reference's page, files and document.
    expect(checked.filter(({ declared }) => declared)).toHaveLength(9);
    expect(mismatched).toEqual([]);
  });

  it('documents a 2xx response for every operation', () => {
    // Act
    const withoutSuccess = operations
      .filter(
        ({ operation }) => !Object.keys(operation.responses ?? {}).some((status) => /^2\d\d$/.test(status)),
      )
      .map(({ key }) => key);

    // Assert
    expect(withoutSuccess).toEqual([]);
  });

  it('documents 401 for every operation that takes a token, required or optional', () => {
    // Act
    const taking = operations.filter(({ operation }) => authModeOf(document, operation) !== 'none');
    const without401 = taking.filter(({ operation }) => !operation.responses?.['401']).map(({ key }) => key);

    // Assert
    expect(taking.some(({ operation }) => authModeOf(document, operation) === 'required')).toBe(true);
    expect(without401).toEqual([]);
  });

  it('offers the Token and Bearer Authorization schemes, and only those', () => {
    // Arrange
    const schemes = document.components?.securitySchemes ?? {};

    // Act
    const named = operations.flatMap(({ operation }) =>
      (operation.security ?? document.security ?? []).flatMap((requirement: Json) =>
        Object.keys(requirement),
      ),
    );

    // Assert
    expect(schemes.Token).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization' });
    expect(schemes.Bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect([...new Set(named)].sort()).toEqual(['Bearer', 'Token']);
  });

  it("states each route's auth as its handler declares it", () => {
    // Arrange
    const byKey = new Map(operations.map((operation) => [operation.key, operation]));
    const checked = routes.flatMap(({ key, handler }) => {
      const file = path.join(root, `${handler.replace(/\.handler$/, '')}.ts`);
      const operation = byKey.get(key);
      // Routes still being written, or not yet documented, are left to the tests above.
      if (!operation || !existsSync(file)) return [];
      const source = readFileSync(file, 'utf8');
      // staticRoute() (the reference, the catch-all) takes no token.
      const declared =
        /\bauth:\s*'(required|optional|none)'/.exec(source)?.[1] ??
        (/\bstaticRoute\(/.test(source) ? 'none' : undefined);
      return [{ key, declared, documented: authModeOf(document, operation.operation) }];
    });

    // Act
    const mismatched = checked.filter(({ declared, documented }) => declared !== documented);

    // Assert
    expect(checked.length).toBeGreaterThan(0);
    expect(mismatched).toEqual([]);
  });

  it('declares each path template parameter, as a required path parameter', () => {
    // Act
    const mismatched = operations.flatMap(({ key, template, operation, pathItem }) => {
      const inTemplate = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
      const declared = [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])]
        .map((parameter: Json) => resolved(document, parameter))
        .filter((parameter) => parameter.in === 'path');
      const names = declared.map((parameter) => parameter.name).sort();
      const allRequired = declared.every((parameter) => parameter.required === true);
      return JSON.stringify(names) === JSON.stringify(inTemplate) && allRequired ? [] : [key];
    });

    // Assert
    expect(mismatched).toEqual([]);
  });

  it('describes every 4xx and 5xx reply with the RealWorld error envelope', () => {
    // Act
    const otherShapes = operations.flatMap(({ key, operation }) =>
      responsesOf(operation)
        .filter(([status]) => /^[45]\d\d$/.test(status))
        .filter(
          ([, response]) =>
            response.content?.['application/json']?.schema?.$ref !== '#/components/schemas/GenericErrorModel',
        )
        .map(([status]) => `${key} ${status}`),
    );

    // Assert
    expect(document.components.schemas.GenericErrorModel.properties.errors.additionalProperties).toEqual({
      type: 'array',
      items: { type: 'string' },
    });
    expect(otherShapes).toEqual([]);
  });

  it('sends Retry-After with every 429 and 503, and no body with a 204', () => {
    // Act
    const replies = operations.flatMap(({ key, operation }) =>
      responsesOf(operation).map(([status, response]) => ({ at: `${key} ${status}`, status, response })),
    );
    const withoutRetryAfter = replies
      .filter(({ status }) => status === '429' || status === '503')
      .filter(({ response }) => !resolved(document, response.headers?.['Retry-After'] ?? {}).schema)
      .map(({ at }) => at);
    const bodiesOn204 = replies
      .filter(({ status, response }) => status === '204' && Object.keys(response.content ?? {}).length > 0)
      .map(({ at }) => at);

    // Assert
    expect(replies.some(({ status }) => status === '503')).toBe(true);
    expect(withoutRetryAfter).toEqual([]);
    expect(bodiesOn204).toEqual([]);
  });

  it("documents the catch-all route's 404 reply, which serverless.yml deploys", () => {
    // Arrange
    const functions = Object.values<Json>(readYaml('serverless.yml').functions);

    // Act
    const catchAll = functions.some(({ events = [] }) => events.some((event: Json) => event.httpApi === '*'));
    const reply = document.components?.responses?.RouteNotFound;

    // Assert
    expect(catchAll).toBe(true);
    expect(reply?.content?.['application/json']?.example).toEqual({ errors: { route: ['not found'] } });
  });

  it("documents the catch-all route's 405 reply as the code builds it, with its Allow header", () => {
    // Arrange
    const problem = new MethodNotAllowed(['GET', 'POST']);

    // Act
    const reply = document.components?.responses?.MethodNotAllowed;
    const allow = resolved(document, reply?.headers?.Allow ?? {});

    // Assert
    expect(problem.statusCode).toBe(405);
    expect(reply?.content?.['application/json']?.example).toEqual({ errors: problem.errors });
    expect(allow.required).toBe(true);
    expect(allow.example).toBe(problem.headers?.allow);
  });

  it('states the security of every operation, public ones included (`security: []`)', () => {
    // Act
    const unstated = operations
      .filter(({ operation }) => operation.security === undefined && document.security === undefined)
      .map(({ key }) => key);

    // Assert
    expect(unstated).toEqual([]);
    expect(
      operations.some(({ operation }) => Array.isArray(operation.security) && !operation.security.length),
    ).toBe(true);
  });

  it('shows the 401 a token sent with another scheme gets', () => {
    // Act
    const examples = resolved(document, document.components.responses.Unauthorized).content[
      'application/json'
    ].examples;

    // Assert
    expect(Object.values<Json>(examples).map(({ value }) => value)).toContainEqual({
      errors: { token: ['must be sent as "Authorization: Token <jwt>" (or Bearer)'] },
    });
  });
});
