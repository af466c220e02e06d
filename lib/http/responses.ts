/** What a route returns: a status and a JSON-serialisable body. route() turns it into the Lambda response. */
export interface Reply {
  statusCode: number;
  body?: unknown;
  /**
   * Sent as it is instead of a JSON body (the API reference's page and assets); `headers` name its type.
   * With `isBase64Encoded`, base64 of binary content (a gzip-encoded asset).
   */
  text?: string;
  isBase64Encoded?: boolean;
  headers?: Record<string, string>;
}

export const ok = (body: unknown): Reply => ({ statusCode: 200, body });
export const created = (body: unknown): Reply => ({ statusCode: 201, body });
export const noContent = (): Reply => ({ statusCode: 204 });

export const jsonContentType = 'application/json; charset=utf-8';
