import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { http, register, segment, send, unique } from '../support/http';

const origin = 'https://app.example.com';

describe('CORS', () => {
  it('answers a preflight for an authenticated JSON POST', async () => {
    const response = await http.options('/api/articles', {
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });

    expect([200, 204]).toContain(response.status);
    expect(['*', origin]).toContain(response.headers.get('access-control-allow-origin'));
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/authorization/);
  });

  it('lets a browser read a cross-origin reply', async () => {
    const response = await http.get('/api/tags', { headers: { origin } });

    expect(response.status).toBe(200);
    expect(['*', origin]).toContain(response.headers.get('access-control-allow-origin'));
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it.each([
    ['a 200', 'GET', '/api/tags'],
    ['a 405', 'DELETE', '/api/tags'],
  ])('lets browser scripts read Retry-After, Allow and X-Request-Id on %s', async (_case, method, path) => {
    // Act
    const response = await send(method, path, { headers: { origin } });

    // Assert
    const exposed = (response.headers.get('access-control-expose-headers') ?? '').toLowerCase();
    expect(exposed.split(/\s*,\s*/)).toEqual(
      expect.arrayContaining(['retry-after', 'allow', 'x-request-id']),
    );
    expect(response.headers.get('x-request-id')).toMatch(/^[\w-]{8,}$/);
  });
});

describe('the access line', () => {
  /** The JSON line the shared `serverless offline` (test/support/e2e-setup.ts) logged for one invocation. */
  async function accessLineOf(requestId: string): Promise<Record<string, unknown> | undefined> {
    const logFile = path.join(__dirname, '..', '..', '.local', 'e2e-serverless.log');
    for (let waited = 0; waited < 3_000; waited += 100) {
      const line = readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((text) => text.startsWith('{') && text.includes(requestId))
        .map((text) => JSON.parse(text) as Record<string, unknown>)
        .find(({ message }) => message === 'request');
      if (line) return line;
      await sleep(100);
    }
    return undefined;
  }

  it('is written for every request, under the id its reply names', async () => {
    // Arrange
    const jake = await register();

    // Act
    const response = await http.get(`/api/profiles/${jake.username}`, { token: jake.token });

    // Assert
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id')!;
    expect(await accessLineOf(requestId)).toMatchObject({
      level: 'INFO',
      timestamp: expect.any(String),
      service: 'conduit-api',
      function_request_id: requestId,
      route: 'GET /api/profiles/{username}',
      method: 'GET',
      path: `/api/profiles/${jake.username}`,
      status: 200,
      durationMs: expect.any(Number),
      dbRoundTrips: expect.any(Number),
      userId: expect.any(Number),
    });
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/api/no-such-thing'],
    ['PATCH', '/api/no-such-thing'],
    ['GET', '/'],
  ])('%s %s answers the 404 error envelope', async (method, path) => {
    const response = await send(method, path);

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errors: { route: ['not found'] } });
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });
});

describe('known paths asked with another method', () => {
  it.each([
    ['PATCH', '/api/articles', 'GET, POST'],
    ['DELETE', '/api/tags', 'GET'],
    ['POST', '/api/user', 'DELETE, GET, PUT'],
  ])('%s %s answers 405 with Allow: %s', async (method, path, allow) => {
    // Act
    const response = await send(method, path);

    // Assert
    expect(response.status).toBe(405);
    expect(response.body).toEqual({ errors: { method: [`is not allowed (allowed: ${allow})`] } });
    expect(response.headers.get('allow')).toBe(allow);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });
});

describe('the Authorization header', () => {
  it('sent with another scheme answers 401 saying how to send the token', async () => {
    // Arrange
    const { token } = await register();

    // Act
    const response = await http.get('/api/user', { headers: { authorization: `JWT ${token}` } });

    // Assert
    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      errors: { token: ['must be sent as "Authorization: Token <jwt>" (or Bearer)'] },
    });
  });
});

describe('non-ASCII path parameters', () => {
  it('round-trips a percent-encoded unicode slug', async () => {
    const { token } = await register();
    const title = `Grüße aus 東京 ${unique('')}`;
    const created = await http.post(
      '/api/articles',
      { article: { title, description: 'Unicode in the path', body: 'こんにちは' } },
      { token },
    );
    expect(created.status).toBe(201);
    const slug: string = created.body.article.slug;
    expect(slug).not.toMatch(/^[\w-]*$/);

    const fetched = await http.get(`/api/articles/${segment(slug)}`);
    const commented = await http.post(
      `/api/articles/${segment(slug)}/comments`,
      { comment: { body: 'ok' } },
      { token },
    );

    expect(fetched.status).toBe(200);
    expect(fetched.body.article).toMatchObject({ slug, title, body: 'こんにちは' });
    expect(commented.status).toBe(201);
  });

  it('finds a profile by a percent-encoded unicode username', async () => {
    const username = `jörg${unique('')}`;
    const registered = await http.post('/api/users', {
      user: { username, email: `${unique('j')}@example.com`, password: 'password123' },
    });
    expect(registered.status).toBe(201);

    const profile = await http.get(`/api/profiles/${segment(username)}`);

    expect(profile.status).toBe(200);
    expect(profile.body.profile.username).toBe(username);
  });
});

describe('conditional requests over HTTP', () => {
  it('answers a GET again with 304 and no body when If-None-Match names its ETag', async () => {
    const first = await http.get('/api/tags', { headers: { origin } });
    const etag = first.headers.get('etag');

    const again = await http.get('/api/tags', { headers: { origin, 'if-none-match': etag ?? '' } });

    expect(etag).toMatch(/^"[\w-]{20,}"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect((first.headers.get('access-control-expose-headers') ?? '').toLowerCase()).toContain('etag');
    expect(again.status).toBe(304);
    expect(again.raw).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
  });

  it('lets a browser send If-None-Match cross-origin', async () => {
    const response = await http.options('/api/tags', {
      headers: {
        origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'if-none-match',
      },
    });

    expect([200, 204]).toContain(response.status);
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/if-none-match/);
  });
});
