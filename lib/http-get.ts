import { get as httpGet } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { get as httpsGet } from 'node:https';

/**
 * A GET on the cold path (the secrets extension, the providers' signing keys) without fetch: fetch's first call
 * loads undici, ~30 ms more on every cold start (measured with npm run bench:cold). node:https costs nothing
 * more: mysql2 has loaded node:tls already.
 */
export interface GetReply {
  status: number;
  headers: IncomingHttpHeaders;
  /** The whole body, as UTF-8 text. */
  body: string;
}

export interface GetOptions {
  headers?: Record<string, string>;
  /** Milliseconds the whole exchange, body included, may take; or a signal that aborts it. */
  timeout: number | AbortSignal;
}

/**
 * GETs `url` (http: or https:) and reads its body. Rejects on a network error, or with node:http's AbortError
 * (the signal's reason as its cause) when the time is up; redirects are not followed.
 */
export function getText(url: string | URL, { headers = {}, timeout }: GetOptions): Promise<GetReply> {
  return new Promise((resolve, reject) => {
    const signal = typeof timeout === 'number' ? AbortSignal.timeout(timeout) : timeout;
    const get = new URL(url).protocol === 'https:' ? httpsGet : httpGet;
    const request = get(url, { headers, signal }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}
