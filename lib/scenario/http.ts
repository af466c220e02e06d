/**
 * What a check run from outside needs of the API: one request with a deadline, and its reply judged the way
 * a client would (status, content type, JSON). The post-deploy smoke check (deploy/smoke.ts) and the scenario
 * check (./scenario.ts) share it. Global `fetch` only: it imports nothing of the project, so nothing it
 * checks can help it pass.
 */

export interface Reply {
  status: number;
  contentType: string;
  text: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** A hung connection must not hold the check: past this, the request fails. */
  timeoutMs: number;
}

/** Sends one request and reads the whole reply; a request that gets no reply throws `request failed: …`. */
export async function send(url: string, { timeoutMs, ...init }: RequestOptions): Promise<Reply> {
  try {
    // `manual`: a redirect is an answer to report, not one to follow (the API never redirects).
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
  } catch (error) {
    throw new Error(`request failed: ${whyNoReply(error, timeoutMs)}`, { cause: error });
  }
}

function whyNoReply(error: unknown, timeoutMs: number): string {
  if ((error as Error).name === 'TimeoutError') return `no reply within ${timeoutMs} ms`;
  // fetch's own message is just "fetch failed"; the cause says ECONNREFUSED, ENOTFOUND, a reset...
  const { cause } = error as { cause?: { code?: string; message?: string } };
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * How a complaint shows the reply's text: as it is, unless the caller cuts something out first (the scenario
 * check, its passwords and tokens: before the text is shortened, so no part of one is left).
 */
export type Show = (text: string) => string;

// An error page from a proxy or API Gateway can be long; the start says enough.
const excerpt = (text: string, show: Show) => show(text).slice(0, 300);

/** Throws unless the reply has `status`. */
export function expectStatus(reply: Reply, status: number, show: Show = String): void {
  if (reply.status !== status)
    throw new Error(`expected ${status}, got ${reply.status}: ${excerpt(reply.text, show)}`);
}

/** The reply's parsed body, once it has `status` and is JSON; else throws saying what is wrong. */
export function jsonOf(reply: Reply, status: number, show: Show = String): unknown {
  expectStatus(reply, status, show);
  if (!reply.contentType.startsWith('application/json'))
    throw new Error(`content-type is "${reply.contentType}", not application/json`);
  try {
    return JSON.parse(reply.text);
  } catch {
    throw new Error(`body is not JSON: ${excerpt(reply.text, show)}`);
  }
}

/** `body.a.b...` (array indexes too), or undefined wherever the path leads nowhere. */
export const at = (body: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>(
    (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
    body,
  );
