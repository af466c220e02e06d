import { createHash } from 'node:crypto';

/** The parts of a Lambda reply the caching rules read and write. */
export interface CachedReply {
  statusCode?: number;
  headers?: Record<string, string | number | boolean>;
  body?: string;
}

/**
 * A strong entity tag for a reply body: a digest of its exact bytes, so two replies share a tag only when
 * they are identical (RFC 9110 §8.8.3). SHA-1 is plenty: the tag only has to change when the body does.
 */
export function entityTagOf(body: string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/**
 * Whether an If-None-Match header names `tag`: `*`, or a list of entity tags compared weakly (a `W/` prefix
 * ignored), as RFC 9110 §13.1.2 asks of GET.
 */
export function matchesNoneOf(ifNoneMatch: string | undefined, tag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = tag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === opaque);
}

/**
 * What a reply of a route that answers conditional GETs carries: a strong ETag, and caching that never lets a
 * shared cache hand one caller's reply to another. A reply asked with a token is `private`; every one may be
 * stored but must be revalidated (`no-cache`, which the ETag makes cheap) and varies with `Authorization`.
 * Asked again with If-None-Match naming its tag, it becomes a 304 without a body.
 */
export function conditionalReply(
  reply: CachedReply,
  request: { ifNoneMatch?: string; withToken: boolean },
): CachedReply {
  if (reply.statusCode !== 200 || reply.body === undefined)
    return withHeaders(reply, { 'cache-control': noStore });
  const etag = entityTagOf(reply.body);
  const headers: Record<string, string | number | boolean> = {
    ...reply.headers,
    'cache-control': request.withToken ? 'private, no-cache' : 'no-cache',
    // Added to what the reply varies with already (a gzip-encoded asset: Accept-Encoding).
    vary: [reply.headers?.vary, 'Authorization'].filter(Boolean).join(', '),
    etag,
  };
  if (!matchesNoneOf(request.ifNoneMatch, etag)) return { ...reply, headers };
  // The headers the 200 would carry, but those that describe a body.
  const { 'content-type': _type, 'content-encoding': _encoding, ...kept } = headers;
  return { statusCode: 304, headers: kept, body: '' };
}

/** Every other reply (writes, errors, the signed-in user with its token, health): never stored. */
export const noStore = 'no-store';

/** `reply` with `headers` added, unless the reply sets one of them already. */
export function withHeaders(reply: CachedReply, headers: Record<string, string>): CachedReply {
  return { ...reply, headers: { ...headers, ...reply.headers } };
}
