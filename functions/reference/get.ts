import { gzipSync } from 'node:zlib';
import { NotFound } from '#lib/errors';
import { lazy } from '#lib/lazy';
import type { Reply } from '#lib/http/responses';
import { staticRoute } from '#lib/http/route';
import { referenceFiles, type ReferenceFiles } from '#lib/reference/files';
import { assetTypes, contentSecurityPolicy, page, startScript } from '#lib/reference/page';

const files = lazy(referenceFiles);

function assetText(name: string): string {
  if (name === 'reference.js') return startScript;
  return files().assets[name as keyof ReferenceFiles['assets']];
}

/** Whether Accept-Encoding lists gzip (or x-gzip) with a quality above 0 (RFC 9110 §12.5.3). */
function acceptsGzip(acceptEncoding: string): boolean {
  return acceptEncoding.split(',').some((entry) => {
    const [coding = '', ...parameters] = entry.split(';').map((part) => part.trim().toLowerCase());
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    return (
      (coding === 'gzip' || coding === 'x-gzip') && (quality === undefined || Number(quality.slice(2)) > 0)
    );
  });
}

/** Each asset's gzip encoding, made once per container when a client first accepts it. */
const gzipped = new Map<string, string>();

function asset(name: string, acceptEncoding = ''): Reply {
  if (!Object.hasOwn(assetTypes, name)) throw new NotFound('file');
  const text = assetText(name);
  const headers = { 'content-type': assetTypes[name]!, vary: 'Accept-Encoding' };
  // Swagger UI's script is 1.7 MB as text, ~0.5 MB gzip-encoded; API Gateway does not compress.
  if (!acceptsGzip(acceptEncoding)) return { statusCode: 200, headers, text };
  let encoded = gzipped.get(name);
  if (encoded === undefined) gzipped.set(name, (encoded = gzipSync(text).toString('base64')));
  return {
    statusCode: 200,
    headers: { ...headers, 'content-encoding': 'gzip' },
    text: encoded,
    isBase64Encoded: true,
  };
}

/**
 * The API reference: GET /api/docs (Swagger UI's page), /api/docs/{file} (its assets) and
 * /api/openapi.json (the document it shows). No database, no secrets; every reply carries an ETag, and the
 * page and its assets their own Content-Security-Policy (lib/reference/page.ts).
 */
export const handler = staticRoute(
  { conditional: true, contentSecurityPolicy },
  async ({ rawPath, headers }): Promise<Reply> => {
    const file = /\/docs\/([^/]+)$/.exec(rawPath)?.[1];
    if (file !== undefined) return asset(file, headers['accept-encoding']);
    if (rawPath.endsWith('/openapi.json')) return { statusCode: 200, body: files().document };
    return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, text: page };
  },
);
