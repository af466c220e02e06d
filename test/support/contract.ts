import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * openapi.yml as a contract every reply the integration and e2e tests receive must keep (test/support/api.ts
 * and http.ts call checkReply): its status must be documented for the operation, every header the document
 * requires must be there and match its schema, and the body must match the schema of its media type (JSON
 * Schema 2020-12, which OpenAPI 3.1 uses, through Ajv). A reply from no operation must be the catch-all route's
 * documented 404 or 405. Written here rather than taken from a library: those at hand validate OpenAPI 3.0, or
 * bodies only, not 3.1 with headers.
 */

type Json = Record<string, any>;

const root = path.resolve(__dirname, '../..');
const documentId = 'openapi.json';
const document = load(readFileSync(path.join(root, 'openapi.yml'), 'utf8')) as Json;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// OpenAPI's own format for passwords: a hint for tools, no constraint.
ajv.addFormat('password', true);
ajv.addSchema(document, documentId);

/** The base path every server URL shares (`/api`): document paths are relative to it. */
const basePath = new URL((document.servers as Json[])[0]!.url, 'http://localhost').pathname.replace(
  /\/$/,
  '',
);

interface Operation {
  method: string;
  pattern: RegExp;
  /** JSON pointer of the operation, for its responses and their schemas. */
  pointer: string;
  /** How specific the template is: `/articles/feed` wins over `/articles/{slug}`. */
  literalSegments: number;
}

const escape = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');

const operations: Operation[] = Object.entries(document.paths as Json).flatMap(([template, item]) =>
  Object.keys(item as Json)
    .filter((method) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
    .map((method) => ({
      method: method.toUpperCase(),
      pattern: new RegExp(`^${basePath}${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      pointer: `#/paths/${escape(template)}/${method}`,
      literalSegments: template.split('/').filter((segment) => segment && !segment.startsWith('{')).length,
    })),
);

function at(pointer: string): Json | undefined {
  return pointer
    .slice(2)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<any>((node, token) => node?.[token], document);
}

/** The object at `pointer`, following `$ref`s, with the pointer it was finally found at. */
function resolved(pointer: string): { value: Json; pointer: string } | undefined {
  let current = pointer;
  for (let hops = 0; hops < 10; hops++) {
    const value = at(current);
    if (value?.$ref === undefined) return value === undefined ? undefined : { value, pointer: current };
    current = value.$ref as string;
  }
  throw new Error(`reference cycle at ${pointer}`);
}

const validators = new Map<string, ValidateFunction>();

/** The compiled schema at `pointer` (inside the document, so its `$ref`s resolve as the document's). */
function validatorAt(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${documentId}${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
}

export interface CheckedReply {
  status: number;
  /** Header names in any case. */
  headers: Record<string, string>;
  /** The parsed JSON body, if the reply is JSON. */
  body: unknown;
  raw: string;
}

/** The operation a request reaches, as API Gateway picks it: method and path, literal segments first. */
function operationFor(method: string, pathname: string): Operation | undefined {
  return operations
    .filter((operation) => operation.method === method && operation.pattern.test(pathname))
    .sort((a, b) => b.literalSegments - a.literalSegments)[0];
}

/** Every way `reply` departs from the document, as sentences; none when it keeps the contract. */
export function contractViolations(
  method: string,
  url: string,
  reply: CheckedReply,
  request: { withToken: boolean } = { withToken: false },
): string[] {
  const { pathname } = new URL(url, 'http://localhost');
  const operation = operationFor(method, pathname);
  const status = String(reply.status);
  let response: { value: Json; pointer: string } | undefined;
  if (operation) {
    response = resolved(`${operation.pointer}/responses/${status}`);
    if (!response) return [`${method} ${pathname}: status ${status} is not documented`];
  } else {
    // Only the catch-all route answers a request that reaches no operation.
    const catchAll = { '404': 'RouteNotFound', '405': 'MethodNotAllowed' }[status];
    if (!catchAll) return [`${method} ${pathname}: no operation, and ${status} is not the catch-all's reply`];
    response = resolved(`#/components/responses/${catchAll}`)!;
  }
  const where = `${method} ${pathname} ${status}`;
  const problems: string[] = [];
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.headers)) {
    if (name.toLowerCase() in headers) problems.push(`${where}: header ${name} is sent twice`);
    headers[name.toLowerCase()] = value;
  }

  for (const [name, declared] of Object.entries<Json>(response.value.headers ?? {})) {
    const header = resolved(`${response.pointer}/headers/${escape(name)}`)!;
    const value = headers[name.toLowerCase()];
    if (value === undefined) {
      if (header.value.required) problems.push(`${where}: header ${name} is missing`);
      continue;
    }
    const schema = header.value.schema as Json | undefined;
    if (!schema || declared === undefined) continue;
    // A header is text: only plain digits stand for a number (not `1e3`, `0x10` or `Infinity`).
    const numeric = schema.type === 'integer' || schema.type === 'number';
    const typed = numeric && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    const validate = validatorAt(`${header.pointer}/schema`);
    if (!validate(typed))
      problems.push(`${where}: header ${name} "${value}" ${ajv.errorsText(validate.errors)}`);
  }

  const content = (response.value.content ?? {}) as Json;
  const mediaType = (headers['content-type'] ?? '').split(';')[0]!.trim();
  if (Object.keys(content).length === 0) {
    if (reply.raw !== '') problems.push(`${where}: a body, where the document declares none`);
  } else if (reply.raw === '') {
    problems.push(`${where}: no body, where the document declares ${Object.keys(content).join(', ')}`);
  } else if (!(mediaType in content)) {
    problems.push(`${where}: content type "${mediaType}", not one of ${Object.keys(content).join(', ')}`);
  } else if (mediaType === 'application/json' && content[mediaType].schema) {
    const validate = validatorAt(`${response.pointer}/content/${escape(mediaType)}/schema`);
    if (!validate(reply.body))
      problems.push(
        `${where}: body ${ajv.errorsText(validate.errors, { dataVar: 'body' })}: ${reply.raw.slice(0, 300)}`,
      );
  }
  // The one caching rule that guards privacy: a reply asked with a token that a cache may store is `private`.
  const cacheControl = headers['cache-control'] ?? '';
  if (request.withToken && !/\bno-store\b/.test(cacheControl) && !/\bprivate\b/.test(cacheControl))
    problems.push(
      `${where}: asked with a token, yet Cache-Control "${cacheControl}" lets a shared cache keep it`,
    );
  return problems;
}

/** Throws, naming every departure, when `reply` breaks the document's contract. */
export function checkReply(
  method: string,
  url: string,
  reply: CheckedReply,
  request: { withToken: boolean } = { withToken: false },
): void {
  // Preflight requests are API Gateway's (and serverless offline's), not the API's.
  if (method === 'OPTIONS') return;
  const problems = contractViolations(method, url, reply, request);
  if (problems.length > 0) throw new Error(`the reply breaks openapi.yml:\n  ${problems.join('\n  ')}`);
}
