import { closeDatabase } from '#db/client';
import { maxBodyBytes } from '#lib/http/route';
import { users } from '#lib/wiring/services';
import { api, request, type ApiResponse } from '../support/api';
import { registerUser, unique, type TestUser } from '../support/fixtures';
import { clearCapturedLines, logLines } from '../support/log-capture';

afterAll(closeDatabase);

const header = (response: ApiResponse, name: string): string | undefined =>
  Object.entries(response.headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];

/** Internals that must never reach a client: stack traces, SQL, driver codes, password hashes. */
const leaks = /stack|\bSELECT\b|\bINSERT\b|\bUPDATE `|scrypt\$|password_?hash|ER_[A-Z_]+|at .+\.ts:\d+/i;

/** A 4xx in the RealWorld envelope: `{"errors":{"<field>":["message", …]}}`, nothing else. */
function expectClientError(response: ApiResponse): void {
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  expect(Object.keys(response.body)).toEqual(['errors']);
  const entries = Object.entries(response.body.errors as Record<string, unknown>);
  expect(entries.length).toBeGreaterThan(0);
  for (const [, messages] of entries) {
    expect(Array.isArray(messages)).toBe(true);
    for (const message of messages as unknown[]) expect(typeof message).toBe('string');
  }
  expect(response.raw).not.toMatch(leaks);
}

let jake: TestUser;
beforeAll(async () => {
  jake = await registerUser();
});

describe('request body handling', () => {
  test('malformed JSON is 400 with the body key', async () => {
    const response = await api.post('/api/users/login', '{"user": {"email": ');

    expect(response.status).toBe(400);
    expect(Object.keys(response.body.errors)).toEqual(['body']);
    expectClientError(response);
  });

  test('malformed JSON on an authenticated route is 400 too', async () => {
    const response = await api.put('/api/user', '{not json', { token: jake.token });

    expect(response.status).toBe(400);
    expect(Object.keys(response.body.errors)).toEqual(['body']);
  });

  test('a text/plain body is 415 in the envelope', async () => {
    const body = JSON.stringify({ user: { email: jake.email, password: jake.password } });

    const response = await api.post('/api/users/login', body, { headers: { 'content-type': 'text/plain' } });

    expect(response.status).toBe(415);
    expect(Object.keys(response.body.errors)).toEqual(['body']);
    expectClientError(response);
  });

  test('application/json with a charset is accepted', async () => {
    const body = JSON.stringify({ user: { email: jake.email, password: jake.password } });

    const response = await api.post('/api/users/login', body, {
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });

    expect(response.status).toBe(200);
  });

  test('a body over 1 MiB is 413 in the envelope', async () => {
    const body = JSON.stringify({ user: { email: jake.email, password: 'x'.repeat(maxBodyBytes) } });

    const response = await api.post('/api/users/login', body);

    expect(maxBodyBytes).toBe(1024 * 1024);
    expect(response.status).toBe(413);
    expect(Object.keys(response.body.errors)).toEqual(['body']);
    expectClientError(response);
  });

  test('a body just under 1 MiB is not rejected for its size', async () => {
    const filler = 'x'.repeat(maxBodyBytes - 200);
    const body = JSON.stringify({ user: { email: jake.email, password: jake.password }, filler });

    const response = await api.post('/api/users/login', body);

    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(maxBodyBytes);
    expect(response.status).toBe(200);
  });

  test('a multi-byte body over 1 MiB in bytes (under it in characters) is 413', async () => {
    const body = JSON.stringify({ user: { email: jake.email, password: '€'.repeat(maxBodyBytes / 2) } });

    const response = await api.post('/api/users/login', body);

    expect(body.length).toBeLessThan(maxBodyBytes);
    expect(response.status).toBe(413);
  });
});

describe('routing', () => {
  test('an unknown route is 404 route not found', async () => {
    const response = await api.get('/api/nope');

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errors: { route: ['not found'] } });
  });

  test.each([
    ['DELETE', '/api/tags', 'GET'],
    ['PATCH', '/api/articles', 'GET, POST'],
    ['POST', '/api/user', 'DELETE, GET, PUT'],
    ['GET', '/api/articles/some-slug/comments/1', 'DELETE'],
    // Also an article slug: whatever a route of either path answers is allowed.
    ['POST', '/api/articles/feed', 'DELETE, GET, PUT'],
  ])('%s %s (a known path) is 405 with Allow: %s', async (method, url, allow) => {
    // Act
    const response = await request(method, url);

    // Assert
    expect(response.status).toBe(405);
    expect(response.body).toEqual({ errors: { method: [`is not allowed (allowed: ${allow})`] } });
    expect(header(response, 'allow')).toBe(allow);
    expectClientError(response);
  });

  test.each([
    ['PATCH', '/api/nope'],
    ['DELETE', '/api/articles/'],
    ['GET', '/api/tags/extra'],
  ])('%s %s (an unknown path) is 404 route not found, with no Allow', async (method, url) => {
    // Act
    const response = await request(method, url);

    // Assert
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errors: { route: ['not found'] } });
    expect(header(response, 'allow')).toBeUndefined();
  });
});

describe('reply headers', () => {
  const origin = { origin: 'https://app.example.com' };
  const cases: [string, () => Promise<ApiResponse>, number][] = [
    ['a 200', () => api.get(`/api/profiles/${jake.username}`, { headers: origin }), 200],
    [
      'a 201',
      () => api.post('/api/users', { user: { ...fresh(), password: 'password123' } }, { headers: origin }),
      201,
    ],
    ['a 401', () => api.get('/api/user', { headers: origin }), 401],
    ['a 404', () => api.get(`/api/profiles/${unique('ghost')}`, { headers: origin }), 404],
    ['a 404 route', () => api.get('/api/nope', { headers: origin }), 404],
    ['a 405', () => api.delete('/api/tags', { headers: origin }), 405],
    ['a 422', () => api.post('/api/users', { user: {} }, { headers: origin }), 422],
    ['a 400', () => api.post('/api/users', '{', { headers: origin }), 400],
    [
      'a 415',
      () => api.post('/api/users', '{}', { headers: { ...origin, 'content-type': 'text/xml' } }),
      415,
    ],
  ];

  test.each(cases)(
    '%s reply is JSON with charset utf-8 and carries the CORS header',
    async (_case, send, status) => {
      const response = await send();

      expect(response.status).toBe(status);
      expect(header(response, 'content-type')).toBe('application/json; charset=utf-8');
      expect(header(response, 'access-control-allow-origin')).toBeTruthy();
    },
  );

  test.each([
    ['a 200', () => api.get('/api/tags', { headers: origin })],
    ['a 405', () => api.delete('/api/tags', { headers: origin })],
  ])('%s reply lets browser scripts read Retry-After, Allow and X-Request-Id', async (_case, send) => {
    // Act
    const response = await send();

    // Assert
    const exposed = (header(response, 'access-control-expose-headers') ?? '').toLowerCase();
    expect(exposed.split(/\s*,\s*/)).toEqual(
      expect.arrayContaining(['retry-after', 'allow', 'x-request-id']),
    );
  });

  test.each([
    ['a 200', () => api.get('/api/tags')],
    ['a 401', () => api.get('/api/user')],
    ['a 404', () => api.get('/api/nowhere')],
    ['a 422', () => api.post('/api/users', { user: {} })],
  ])('%s reply names its invocation in X-Request-Id, the id the logs carry', async (_case, send) => {
    // Act
    const response = await send();

    // Assert
    expect(header(response, 'x-request-id')).toBe(response.invocationId);
  });
});

function fresh() {
  const username = unique('hdr');
  return { username, email: `${username}@example.com` };
}

describe('hostile input never causes a 5xx and is answered in the envelope', () => {
  const injection = "' OR 1=1 --";
  const huge = 'a'.repeat(100_000);
  const register = (user: unknown) => api.post('/api/users', { user });
  const valid = () => ({ ...fresh(), password: 'password123' });

  const cases: [string, () => Promise<ApiResponse>][] = [
    ['SQL injection as username', () => register({ ...valid(), username: injection })],
    ['SQL injection as e-mail', () => register({ ...valid(), email: `a@b.c${injection}` })],
    [
      'SQL injection as login e-mail',
      () => api.post('/api/users/login', { user: { email: injection, password: injection } }),
    ],
    ['SQL injection as profile username', () => api.get(`/api/profiles/${encodeURIComponent(injection)}`)],
    ['SQL injection as article slug', () => api.get(`/api/articles/${encodeURIComponent(injection)}`)],
    [
      'SQL injection as comment slug',
      () => api.get(`/api/articles/${encodeURIComponent(injection)}/comments`),
    ],
    [
      'SQL injection as comment id',
      () => api.delete(`/api/articles/x/comments/${encodeURIComponent(injection)}`, { token: jake.token }),
    ],
    ['SQL injection as list limit', () => api.get(`/api/articles?limit=${encodeURIComponent(injection)}`)],
    [
      'SQL injection as token',
      () => api.get('/api/user', { headers: { authorization: `Token ${injection}` } }),
    ],
    ['a huge username', () => register({ ...valid(), username: huge })],
    ['a huge e-mail', () => register({ ...valid(), email: `${huge}@example.com` })],
    ['a huge password', () => register({ ...valid(), password: huge })],
    [
      'a huge login password',
      () => api.post('/api/users/login', { user: { email: jake.email, password: huge } }),
    ],
    ['a huge bio', () => api.put('/api/user', { user: { bio: huge } }, { token: jake.token })],
    ['a huge profile username', () => api.get(`/api/profiles/${huge}`)],
    ['a huge slug', () => api.get(`/api/articles/${huge}`)],
    ['a huge limit', () => api.get(`/api/articles?limit=${'9'.repeat(400)}`)],
    ['a malformed percent escape in the path', () => api.get('/api/profiles/%E0%A4%A')],
    ['an invalid UTF-8 sequence in the path', () => api.get('/api/profiles/%C3%28')],
    ['an encoded lone surrogate in the path', () => api.get('/api/profiles/a%ED%A0%80')],
    ['an emoji as slug', () => api.get('/api/articles/%F0%9F%98%80')],
    ['a huge favorited filter', () => api.get(`/api/articles?favorited=${'x'.repeat(5000)}`)],
    ['a number as username', () => register({ ...valid(), username: 12345 })],
    ['an array as username', () => register({ ...valid(), username: ['a', 'b'] })],
    ['an object as e-mail', () => register({ ...valid(), email: { $ne: null } })],
    ['a boolean as password', () => register({ ...valid(), password: true })],
    [
      'an object as login e-mail',
      () => api.post('/api/users/login', { user: { email: { $gt: '' }, password: 'x' } }),
    ],
    ['a number as bio', () => api.put('/api/user', { user: { bio: 42 } }, { token: jake.token })],
    [
      'an array as image',
      () => api.put('/api/user', { user: { image: ['https://x.y/z.png'] } }, { token: jake.token }),
    ],
    ['a string as the user envelope', () => api.post('/api/users', { user: 'jake' })],
    ['null as the user envelope', () => api.post('/api/users', { user: null })],
    ['an array as the body', () => api.post('/api/users', [valid()])],
    ['a number as the body', () => api.post('/api/users', '42')],
    ['JSON null as the body', () => api.post('/api/users', 'null')],
    ['an empty body', () => api.post('/api/users', '')],
    [
      'a top-level __proto__ key',
      () => api.post('/api/users', `{"__proto__":{"admin":true},"user":${JSON.stringify(valid())}}`),
    ],
    [
      'a nested __proto__ key',
      () => api.post('/api/users', `{"user":{"__proto__":{"password":"x"},"username":"a"}}`),
    ],
    [
      'a constructor.prototype key',
      () =>
        api.put('/api/user', '{"user":{"constructor":{"prototype":{"isAdmin":true}}}}', {
          token: jake.token,
        }),
    ],
    ['a NUL byte in the username', () => register({ ...valid(), username: 'a\u0000b' })],
    ['a lone surrogate in the username', () => register({ ...valid(), username: 'a\ud800b' })],
  ];

  test.each(cases)('%s', async (_case, send) => {
    const response = await send();

    expectClientError(response);
  });

  test('SQL injection as a profile username finds nobody rather than everybody', async () => {
    const response = await api.get(`/api/profiles/${encodeURIComponent(injection)}`);

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errors: { profile: ['not found'] } });
  });

  test('SQL injection as a tag filter matches no article rather than every article', async () => {
    const response = await api.get(`/api/articles?tag=${encodeURIComponent(injection)}`);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ articles: [], articlesCount: 0 });
  });

  test('SQL injection as a login e-mail does not log anyone in', async () => {
    const response = await api.post('/api/users/login', {
      user: { email: `${jake.email}' --`, password: 'anything' },
    });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: { credentials: ['invalid'] } });
  });

  test('a __proto__ key cannot change what gets stored', async () => {
    const user = valid();
    const body = `{"user":{"username":"${user.username}","email":"${user.email}","password":"password123","__proto__":{"bio":"polluted"}}}`;

    const response = await api.post('/api/users', body);

    expectClientError(response);
    expect(({} as Record<string, unknown>).bio).toBeUndefined();
    const profile = await api.get(`/api/profiles/${user.username}`);
    expect(profile.status).toBe(404);
  });

  test('unknown fields are ignored, not stored', async () => {
    const user = valid();

    const response = await register({ ...user, id: 1, admin: true, passwordHash: 'scrypt$1$1$1$a$b' });

    expect(response.status).toBe(201);
    expect(response.body.user).toEqual({
      ...pick(user),
      bio: null,
      image: null,
      emailNotifications: true,
      token: expect.any(String),
      refreshToken: expect.any(String),
    });
    const login = await api.post('/api/users/login', {
      user: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(200);
  });
});

const pick = ({ username, email }: { username: string; email: string }) => ({ username, email });

describe('replies never leak internals', () => {
  test('user replies carry no password hash', async () => {
    const user = { ...fresh(), password: 'password123' };

    const replies = [
      await api.post('/api/users', { user }),
      await api.post('/api/users/login', { user: { email: user.email, password: user.password } }),
      await api.get('/api/user', { token: jake.token }),
      await api.put('/api/user', { user: { password: jake.password } }, { token: jake.token }),
      await api.get(`/api/profiles/${jake.username}`),
    ];

    for (const reply of replies) {
      expect(reply.status).toBeLessThan(300);
      expect(reply.raw).not.toMatch(leaks);
      expect(reply.raw).not.toMatch(/"password/);
    }
  });
});

describe('unexpected failures', () => {
  afterEach(() => jest.restoreAllMocks());

  test('become a 500 with the request id and nothing of the cause', async () => {
    const cause = Object.assign(new Error('SELECT secret FROM vault WHERE password_hash = "scrypt$x"'), {
      code: 'ER_SECRET_CODE',
    });
    jest.spyOn(users(), 'current').mockRejectedValue(cause);
    clearCapturedLines();

    const response = await api.get('/api/user', { token: jake.token });

    expect(response.status).toBe(500);
    expect(Object.keys(response.body)).toEqual(['errors']);
    expect(Object.keys(response.body.errors)).toEqual(['server']);
    const [message] = response.body.errors.server as string[];
    const requestId = /request id ([0-9a-f-]{36})/.exec(message!)?.[1];
    expect(requestId).toBeDefined();
    expect(response.raw).not.toMatch(/secret|vault|SELECT|scrypt|ER_SECRET_CODE|stack/i);
    expect(header(response, 'content-type')).toBe('application/json; charset=utf-8');
    expect(header(response, 'access-control-allow-origin')).toBeTruthy();
    // The cause goes to the log instead, under the same request id.
    const logged = JSON.stringify(logLines().filter(({ level }) => level === 'ERROR'));
    expect(logged).toContain('SELECT secret FROM vault');
    expect(logged).toContain(requestId);
  });

  test('a thrown non-Error value is a 500 too', async () => {
    jest.spyOn(users(), 'login').mockRejectedValue('INSERT INTO users raw string');

    const response = await api.post('/api/users/login', { user: { email: jake.email, password: 'x' } });

    expect(response.status).toBe(500);
    expect(Object.keys(response.body.errors)).toEqual(['server']);
    expect(response.raw).not.toMatch(/INSERT|raw string/);
  });
});

test('every route answers an anonymous probe without a 5xx', async () => {
  const probes: [string, string][] = [
    ['GET', '/api/user'],
    ['PUT', '/api/user'],
    ['POST', '/api/users'],
    ['POST', '/api/users/login'],
    ['GET', `/api/profiles/${unique()}`],
    ['POST', `/api/profiles/${unique()}/follow`],
    ['DELETE', `/api/profiles/${unique()}/follow`],
    ['GET', '/api/articles'],
    ['GET', '/api/articles/feed'],
    ['POST', '/api/articles'],
    ['GET', `/api/articles/${unique()}`],
    ['PUT', `/api/articles/${unique()}`],
    ['DELETE', `/api/articles/${unique()}`],
    ['POST', `/api/articles/${unique()}/favorite`],
    ['DELETE', `/api/articles/${unique()}/favorite`],
    ['GET', `/api/articles/${unique()}/comments`],
    ['POST', `/api/articles/${unique()}/comments`],
    ['DELETE', `/api/articles/${unique()}/comments/1`],
    ['GET', '/api/tags'],
  ];

  const responses = await Promise.all(probes.map(([method, url]) => request(method, url, { body: {} })));

  const failures = responses
    .map((response, i) => ({ probe: probes[i]!.join(' '), status: response.status, raw: response.raw }))
    .filter(({ status, raw }) => status >= 500 || leaks.test(raw));
  expect(failures).toEqual([]);
});
