import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { api } from '../support/api';

const root = path.resolve(__dirname, '../..');
const dist = path.dirname(require.resolve('swagger-ui-dist/package.json'));

describe('GET /api/docs', () => {
  test('serves the reference page: scripts and styles from the API itself, none inline or from a CDN', async () => {
    const response = await api.get('/api/docs');

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const scripts = [...response.raw.matchAll(/<script\b([^>]*)>/g)].map(([, attributes]) => attributes);
    expect(scripts).toEqual([' src="docs/swagger-ui-bundle.js"', ' src="docs/reference.js"']);
    expect(response.raw).toContain('<link rel="stylesheet" href="docs/swagger-ui.css">');
    expect(response.raw).not.toMatch(/https?:\/\//);
  });

  test('carries a strict Content-Security-Policy of its own', async () => {
    const response = await api.get('/api/docs');

    const policy = response.headers['Content-Security-Policy']!;
    const directives = Object.fromEntries(
      policy
        .split(/;\s*/)
        .map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1).join(' ')]),
    );
    expect(directives).toEqual({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data:",
      'font-src': "'self'",
      'connect-src': "'self'",
      'base-uri': "'none'",
      'form-action': "'none'",
      'frame-ancestors': "'none'",
    });
    expect(policy).not.toMatch(/unsafe-|\*/);
  });

  test("leaves the JSON API's own deny-all policy alone", async () => {
    // The catch-all route: a JSON reply that needs no database.
    const response = await api.get('/api/nowhere');

    expect(response.headers['Content-Security-Policy']).toMatch(/^default-src 'report-sample'/);
    expect(response.headers['Content-Security-Policy']).toContain('sandbox');
  });
});

describe('GET /api/docs/{file}', () => {
  test.each([
    ['swagger-ui.css', 'text/css; charset=utf-8'],
    ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
  ])("serves %s from swagger-ui-dist as it is, with the page's policy", async (file, type) => {
    const response = await api.get(`/api/docs/${file}`);

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(type);
    expect(response.raw).toBe(readFileSync(path.join(dist, file), 'utf8'));
    expect(response.headers['Content-Security-Policy']).toMatch(/^default-src 'none'; script-src 'self'/);
  });

  test('serves the script that starts Swagger UI on /api/openapi.json', async () => {
    const response = await api.get('/api/docs/reference.js');

    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.raw).toContain("url: 'openapi.json'");
  });

  test('sends a file gzip-encoded to a client that accepts it, the same bytes once decoded', async () => {
    const plain = await api.get('/api/docs/swagger-ui-bundle.js');

    const encoded = await api.get('/api/docs/swagger-ui-bundle.js', {
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });

    expect(encoded.isBase64Encoded).toBe(true);
    expect(encoded.headers['content-encoding']).toBe('gzip');
    expect(encoded.headers.vary).toMatch(/\bAccept-Encoding\b/);
    expect(gunzipSync(Buffer.from(encoded.raw, 'base64')).toString('utf8')).toBe(plain.raw);
    expect(Buffer.from(encoded.raw, 'base64').length).toBeLessThan(plain.raw.length / 2);
    expect(encoded.headers.etag).not.toBe(plain.headers.etag);
  });

  test.each(['gzip;q=0, identity', 'br', 'identity', 'x-gzip;q=0'])(
    'sends the file as it is when Accept-Encoding is "%s"',
    async (acceptEncoding) => {
      const response = await api.get('/api/docs/swagger-ui.css', {
        headers: { 'accept-encoding': acceptEncoding },
      });

      expect(response.isBase64Encoded).toBe(false);
      expect(response.headers['content-encoding']).toBeUndefined();
    },
  );

  test('answers 304 to a browser revalidating a file it holds', async () => {
    const first = await api.get('/api/docs/swagger-ui.css');

    const again = await api.get('/api/docs/swagger-ui.css', {
      headers: { 'if-none-match': first.headers.etag! },
    });

    expect(again.status).toBe(304);
    expect(again.raw).toBe('');
  });

  test.each(['nope.js', 'toString', '..%2F..%2Fopenapi.yml', 'swagger-ui.css.map', 'openapi.json'])(
    'answers 404 in the error envelope for %s',
    async (file) => {
      const response = await api.get(`/api/docs/${file}`);

      expect(response.status).toBe(404);
      expect(response.body).toEqual({ errors: { file: ['not found'] } });
    },
  );
});

test('GET /api/openapi.json serves openapi.yml as JSON', async () => {
  const response = await api.get('/api/openapi.json');

  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(response.body).toEqual(load(readFileSync(path.join(root, 'openapi.yml'), 'utf8')));
  expect(response.headers.etag).toMatch(/^"[\w-]+"$/);
});
