import middy, { type MiddlewareObj, type Request } from '@middy/core';
import httpCors from '@middy/http-cors';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as z from 'zod/mini';
import { addLogFields, inRequestScope, roundTrips } from '#lib/request-scope';
import type * as IdempotencyWiringModule from '#lib/wiring/idempotency';
import { isWarmUp, maxHoldMs, type WarmUpEvent, type WarmUpReply } from '#lib/deploy/warm-up';
import { Unauthorized } from '#lib/errors';
import { describeError, log, useLambdaContext } from '#lib/log';
import { conditionalReply, noStore, withHeaders, type CachedReply } from './caching';
import { toErrorReply } from './errors';
import { recordColdStart, recordRequest } from './metrics';
import { HttpProblem } from './problems';
import { jsonContentType, type Reply } from './responses';
import { parse } from './validation';

type AuthMode = 'required' | 'optional' | 'none';
type Schema = z.core.$ZodType | undefined;
type Output<S extends Schema> = S extends z.core.$ZodType ? z.output<S> : undefined;

export interface AuthUser {
  id: number;
  /** The session the access token belongs to (logout ends it). */
  sessionId: number;
  /** The access token the request presented, for replies that echo it (GET /api/user). */
  token: string;
}

export interface RouteOptions<A extends AuthMode, B extends Schema, Q extends Schema, P extends Schema> {
  auth: A;
  /** JSON body schema; routes without one never parse a body. */
  body?: B;
  query?: Q;
  path?: P;
  /**
   * A GET whose 200 reply a client may keep and revalidate: it carries an ETag, and If-None-Match naming it
   * gets 304 without a body (./caching.ts). Every other reply is `Cache-Control: no-store`.
   */
  conditional?: boolean;
  /**
   * For a route that serves a page to browsers (the API reference): its Content-Security-Policy directives,
   * instead of the deny-all policy every JSON reply carries.
   */
  contentSecurityPolicy?: Record<string, string>;
  /**
   * A create that honours an Idempotency-Key header: a retry with the same key and body gets the first reply
   * again, without running the handler (lib/idempotency/service.ts). The route passes the loader of
   * lib/wiring/idempotency.ts, so only the functions that take a key bundle it.
   */
  idempotent?: () => Promise<IdempotencyWiring>;
}

export interface RouteInput<A extends AuthMode, B extends Schema, Q extends Schema, P extends Schema> {
  body: Output<B>;
  query: Output<Q>;
  path: Output<P>;
  user: A extends 'required' ? AuthUser : A extends 'optional' ? AuthUser | undefined : undefined;
  requestId: string;
  /** The client's address as API Gateway saw it (login throttling counts per address). */
  sourceIp: string;
  /** The request's method and path as API Gateway saw them (the catch-all route answers 404 or 405 by them). */
  method: string;
  rawPath: string;
  /** The request's headers, names in lower case. */
  headers: Record<string, string | undefined>;
}

type IdempotencyWiring = typeof IdempotencyWiringModule;
type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;
type RouteContext = Context & { input: Record<string, unknown> };
type RouteRequest = Request<Event, Result, Error, RouteContext>;
type Middleware = MiddlewareObj<Event, Result, Error, RouteContext>;
type MiddyStack = middy.MiddyfiedHandler<Event, Result, Error, RouteContext>;

/** A route's Lambda handler: API Gateway's requests, and the pre-traffic hook's warm-ups. */
export interface RouteHandler {
  (event: Event, context: Context): Promise<Result>;
  (event: WarmUpEvent, context: Context): Promise<WarmUpReply>;
}

interface StackExtras {
  /** Adds the middlewares between body parsing and validation. */
  extend: (stack: MiddyStack) => void;
  /** What a warm-up proves before the version may take traffic (see warmUp). */
  ready: () => Promise<void>;
}

/** API Gateway's payload limit is 10 MB; nothing in Conduit needs more than this. */
export const maxBodyBytes = 1024 * 1024;

/**
 * Builds the one Middy stack every route runs in, in this order:
 * headers normalised → CORS and security headers (added to every reply, errors included) → caching headers
 * (and a 304 for a conditional GET that matches) → JSON reply serialisation → body size cap and JSON parsing (routes with a body only) → secrets (SSM, cached) →
 * authentication → validation of path, query and body → the handler; the error handler is used last, so it
 * is the first to see an error and every other middleware's onError still decorates its reply. Each
 * invocation runs in a request scope of its own (reads follow writes to the primary, see #db/client).
 * A warm-up from the pre-traffic hook is recognised before all of that and never reaches the stack.
 */
export function route<
  A extends AuthMode,
  B extends Schema = undefined,
  Q extends Schema = undefined,
  P extends Schema = undefined,
>(options: RouteOptions<A, B, Q, P>, handler: (input: RouteInput<A, B, Q, P>) => Promise<Reply>) {
  return stackFor(options, handler, {
    extend: (stack) => {
      stack.use(secretsLoader());
      if (options.auth !== 'none') stack.use(authentication(options.auth));
    },
    ready: async () => (await import('#lib/wiring/readiness')).checkReadiness(),
  });
}

/**
 * route() for a route that touches neither the database nor tokens (the 404 route, the API reference). Its
 * function's bundle holds neither the secrets loader nor authentication (the session store and its database
 * driver come with it): esbuild drops what only route() uses.
 */
export function staticRoute<P extends Schema = undefined>(
  options: Omit<RouteOptions<'none', undefined, undefined, P>, 'auth' | 'body' | 'query'>,
  handler: (input: RouteInput<'none', undefined, undefined, P>) => Promise<Reply>,
) {
  return stackFor({ ...options, auth: 'none' }, handler, { extend: () => {}, ready: async () => {} });
}

function stackFor<A extends AuthMode, B extends Schema, Q extends Schema, P extends Schema>(
  options: RouteOptions<A, B, Q, P>,
  handler: (input: RouteInput<A, B, Q, P>) => Promise<Reply>,
  { extend, ready }: StackExtras,
): RouteHandler {
  const stack = middy<Event, Result, Error, RouteContext>()
    .use(httpHeaderNormalizer())
    .use(
      httpCors({
        origins: corsOrigins(),
        headers: 'authorization,content-type,if-none-match,idempotency-key',
        // Headers a browser may let scripts read besides the safelisted ones; keep in step with
        // serverless.yml's httpApi.cors.exposedResponseHeaders, which is what API Gateway sends on AWS.
        exposeHeaders: 'retry-after,allow,x-request-id,etag,idempotent-replayed',
        maxAge: 600,
      }),
    )
    .use(httpSecurityHeaders(options.contentSecurityPolicy ? { contentSecurityPolicy: false } : {}));
  if (options.contentSecurityPolicy) stack.use(pagePolicy(options.contentSecurityPolicy));
  stack.use(caching(options.conditional ?? false)).use(jsonReply());
  if (options.body) stack.use(bodySizeLimit()).use(httpJsonBodyParser());
  extend(stack);
  stack.use(validate(options));
  if (options.idempotent) stack.use(idempotency(options.idempotent));
  stack.use(errorHandler());
  const run = stack.handler(async (event, context) => {
    // A retry the idempotency middleware answered with the first request's reply: the handler does not run.
    const { replay } = context.input as { replay?: Reply };
    if (replay) return replay as Result;
    return handler({
      requestId: context.awsRequestId,
      sourceIp: event.requestContext?.http?.sourceIp ?? 'unknown',
      method: event.requestContext?.http?.method ?? '',
      rawPath: event.rawPath ?? '',
      headers: event.headers ?? {},
      ...context.input,
    } as RouteInput<A, B, Q, P>) as Promise<Result>;
  });
  const serve = async (event: Event, context: Context): Promise<Result> => {
    const started = performance.now();
    const result = await run(event, context as RouteContext);
    // Every reply names its invocation, as the logs do, so a client can quote it to an operator.
    result.headers = { ...result.headers, 'x-request-id': context.awsRequestId };
    recordServedRequest(event, context, result.statusCode ?? 200, performance.now() - started);
    return result;
  };
  return (async (event: Event | WarmUpEvent, context: Context) => {
    useLambdaContext(context);
    if (isWarmUp(event)) return warmUp(event, context, ready);
    const synthetic = isSynthetic(event);
    return inRequestScope(() => serve(event, context), {
      logFields: { route: routeOf(event), ...(synthetic && { synthetic }) },
      synthetic,
    });
  }) as RouteHandler;
}

/**
 * The scenario check's requests (lib/scenario/scenario.ts names itself with this user agent; a unit test
 * keeps the two equal): logged and measured like any, marked `synthetic` in the log, left out of the business
 * counts (but sign-ins), which would otherwise never fall below its registrations and articles. Any client
 * can send it: it is a label, never a reason to trust or to hide a request.
 */
export const syntheticUserAgent = 'conduit-scenario-check';

function isSynthetic(event: Event): boolean {
  return event.headers?.['user-agent'] === syntheticUserAgent;
}

/** API Gateway's route key (`GET /api/articles/{slug}`), the name logs and metrics give a route. */
function routeOf(event: Event): string {
  return event.routeKey || '$default';
}

/**
 * The access line (route and user come from the request scope) and the request's metrics. Neither may fail
 * the reply: a metric that cannot be written is logged instead.
 */
function recordServedRequest(event: Event, context: Context, status: number, elapsedMs: number): void {
  const durationMs = Math.round(elapsedMs * 10) / 10;
  log.info('request', {
    method: event.requestContext?.http?.method,
    path: event.rawPath,
    status,
    durationMs,
    dbRoundTrips: roundTrips(),
  });
  try {
    recordRequest(context, { route: routeOf(event), status, latencyMs: durationMs });
  } catch (error) {
    log.warn('could not record the request metrics', { error: describeError(error) });
  }
}

/**
 * Answers the pre-traffic hook once this version is ready to serve: its bundle is loaded (it is running),
 * and `ready` has fetched the secrets and checked the database, writing nothing. The reply waits out the
 * hold, so warm-ups sent at once keep as many environments busy, and so initialised. A failure is thrown: the
 * hook sees a function error and fails the deployment.
 */
async function warmUp(
  event: WarmUpEvent,
  context: Context,
  ready: () => Promise<void>,
): Promise<WarmUpReply> {
  const started = Date.now();
  recordColdStart(context);
  try {
    await ready();
  } catch (error) {
    log.error('warm-up failed', { error: describeError(error) });
    throw error;
  }
  const hold = Math.min(Math.max(Number(event.holdMs) || 0, 0), maxHoldMs) - (Date.now() - started);
  if (hold > 0) await sleep(hold);
  return { status: 'ready', function: context.functionName, version: context.functionVersion };
}

/**
 * Loads the secrets (lib/config/load-secrets.ts). Imported as the handler module loads, but only in functions
 * whose routes need them; where the source allows it (not the extension) the first fetch starts then too.
 */
function secretsLoader(): Middleware {
  const loading = import('#lib/config/load-secrets').then(({ loadSecrets }) => loadSecrets());
  // A failure here is reported by the first request, through the error handler.
  loading.catch(() => {});
  return { before: async (request) => (await loading).before!(request as never) };
}

/**
 * CORS_ORIGINS, comma-separated, `*` when unset: read as the stack is built (at import), here rather than in
 * lib/config/env.ts. A list with a default cannot be invalid, and reading it without zod keeps the catch-all
 * route's bundle free of it (measured: 46 KB instead of 62 KB).
 */
function corsOrigins(): string[] {
  return (process.env.CORS_ORIGINS || '*').split(',').map((origin) => origin.trim());
}

function input(request: RouteRequest): Record<string, unknown> {
  request.context.input ??= {};
  return request.context.input;
}

function bodySizeLimit(): Middleware {
  return {
    before: ({ event }) => {
      const size = event.body ? Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : 0;
      if (size > maxBodyBytes)
        throw new HttpProblem(413, { body: [`is too large (maximum is ${maxBodyBytes} bytes)`] });
    },
  };
}

const authorizationHint = 'must be sent as "Authorization: Token <jwt>" (or Bearer)';

/** Accepts `Authorization: Token <jwt>` (RealWorld) and `Bearer <jwt>`. */
function authentication(mode: 'required' | 'optional'): Middleware {
  return {
    before: async (request) => {
      const header = request.event.headers?.authorization;
      if (!header) {
        if (mode === 'required') throw new Unauthorized('token', 'is missing');
        return;
      }
      // Another scheme (`JWT <jwt>`, `Basic …`) or a bare token: say what is expected, not just "invalid".
      if (!/^(?:Token|Bearer)(?: |$)/i.test(header)) throw new Unauthorized('token', authorizationHint);
      const token = /^(?:Token|Bearer) +([\w-]+\.[\w-]+\.[\w-]+) *$/i.exec(header)?.[1];
      if (!token) throw new Unauthorized('token', 'is invalid');
      // Loaded on first use, so routes that never see a token (tags, the 404 route) never load jose.
      const { authenticate } = await import('#lib/wiring/authentication');
      const { userId, sessionId } = await authenticate(token);
      input(request).user = { id: userId, sessionId, token };
      addLogFields({ userId });
    },
  };
}

/** What an Idempotency-Key may be: 1 to 255 visible ASCII characters (a UUID, typically). */
const idempotencyKeyFormat = /^[\x21-\x7e]{1,255}$/;

/**
 * Idempotency-Key (route option `idempotent`), after authentication and validation: the key is claimed for
 * this user and route, or the first reply with it is replayed (`Idempotent-Replayed: true`). The reply is
 * stored once the handler has one. A request refused (4xx) wrote nothing and gives the key up, so a retry runs
 * again; after a 5xx (a lost connection, a deadline, a timeout) the create may have happened, so the claim
 * stays until it is taken over as abandoned.
 */
function idempotency(load: () => Promise<IdempotencyWiring>): Middleware {
  const claimOf = (request: RouteRequest) => input(request).idempotencyClaim as number | undefined;
  return {
    before: async (request) => {
      const { event } = request;
      const key = event.headers?.['idempotency-key'];
      if (key === undefined) return;
      if (!idempotencyKeyFormat.test(key))
        throw new HttpProblem(422, { idempotencyKey: ['must be 1 to 255 visible ASCII characters'] });
      const { idempotency: service, requestHashesOf } = await load();
      const outcome = await service().begin({
        ownerId: (input(request).user as AuthUser | undefined)?.id ?? 0,
        route: routeOf(event),
        key,
        // What validation kept (in the schemas' order, unknown fields dropped): the same request, however the
        // client spelled its JSON or encoded its path.
        requestHashes: requestHashesOf(
          JSON.stringify({ path: input(request).path, body: input(request).body }),
        ),
      });
      if (outcome.run) input(request).idempotencyClaim = outcome.claimId;
      else
        input(request).replay = {
          statusCode: outcome.reply.statusCode,
          body: outcome.reply.body === '' ? undefined : JSON.parse(outcome.reply.body),
          headers: { 'idempotent-replayed': 'true' },
        } satisfies Reply;
    },
    after: async (request) => {
      const claim = claimOf(request);
      if (claim === undefined) return;
      const reply = request.response as Reply;
      const { idempotency: service } = await load();
      const stored = { statusCode: reply.statusCode, body: JSON.stringify(reply.body) ?? '' };
      // The work is done: a reply that cannot be stored (twice) is logged, never turned into an error; its
      // claim is then taken over as abandoned.
      await service()
        .complete(claim, stored)
        .catch(() => service().complete(claim, stored))
        .catch((error: unknown) =>
          log.error('could not store an idempotent reply', { error: describeError(error) }),
        );
    },
    onError: async (request) => {
      const claim = claimOf(request);
      // errorHandler's onError has run: the reply is decided.
      if (claim === undefined || (request.response?.statusCode ?? 500) >= 500) return;
      const { idempotency: service } = await load();
      await service()
        .release(claim)
        .catch((error: unknown) =>
          log.warn('could not give up an idempotency key', { error: describeError(error) }),
        );
    },
  };
}

function validate({ path, query, body }: { path?: Schema; query?: Schema; body?: Schema }): Middleware {
  return {
    before: (request) => {
      const target = input(request);
      const { event } = request;
      if (path) target.path = parse(path, decodePathParameters(event.pathParameters));
      if (query) target.query = parse(query, event.queryStringParameters ?? {});
      if (body) target.body = parse(body, event.body);
    },
  };
}

/** Path parameters may arrive percent-encoded (non-ASCII slugs and usernames); a malformed escape stays as sent. */
function decodePathParameters(parameters: Record<string, string | undefined> = {}): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value = ''] of Object.entries(parameters)) {
    try {
      decoded[name] = decodeURIComponent(value);
    } catch {
      decoded[name] = value;
    }
  }
  return decoded;
}

/** Sees the serialised reply (its `after` runs after jsonReply's): ETag and 304, or no-store. */
function caching(conditional: boolean): Middleware {
  const noStoreOn = (request: RouteRequest) => {
    if (request.response) request.response = withHeaders(request.response, { 'cache-control': noStore });
  };
  return {
    after: (request) => {
      if (!conditional) return noStoreOn(request);
      const headers = request.event.headers ?? {};
      request.response = conditionalReply(request.response as CachedReply, {
        ifNoneMatch: headers['if-none-match'],
        withToken: Boolean(headers.authorization),
      });
    },
    onError: noStoreOn,
  };
}

/**
 * A page's own Content-Security-Policy (the API reference), on its replies and errors alike; the route's
 * @middy/http-security-headers then leaves that header out (its deny-all default suits JSON, not a page).
 */
function pagePolicy(policy: Record<string, string>): Middleware {
  const header = Object.entries(policy)
    .map(([directive, value]) => `${directive} ${value}`)
    .join('; ');
  const add = (request: RouteRequest) => {
    if (request.response)
      request.response.headers = { ...request.response.headers, 'Content-Security-Policy': header };
  };
  return { after: add, onError: add };
}

function jsonReply(): Middleware {
  return {
    after: (request) => {
      const reply = request.response as Reply;
      if (reply.text !== undefined) {
        const { statusCode, headers, text, isBase64Encoded } = reply;
        request.response = { statusCode, headers, body: text, isBase64Encoded };
        return;
      }
      const hasBody = reply.body !== undefined;
      request.response = {
        statusCode: reply.statusCode,
        headers: { ...(hasBody ? { 'content-type': jsonContentType } : {}), ...reply.headers },
        body: hasBody ? JSON.stringify(reply.body) : '',
      };
    },
  };
}

function errorHandler(): Middleware {
  return {
    onError: (request) => {
      const requestId = request.context?.awsRequestId ?? 'unknown';
      const reply = toErrorReply(request.error, requestId);
      if (reply.unexpected) logFailure(request);
      request.response = {
        statusCode: reply.statusCode,
        headers: { 'content-type': jsonContentType, ...reply.headers },
        body: JSON.stringify({ errors: reply.errors }),
      };
    },
  };
}

function logFailure(request: RouteRequest): void {
  log.error('request failed', { error: describeError(request.error) });
}
