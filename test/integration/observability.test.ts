import { syntheticUserAgent } from '#lib/http/route';
import { scenarioUserAgent } from '#lib/scenario/scenario';
import { users } from '#lib/wiring/services';
import { api } from '../support/api';
import { startNewContainer } from '../support/container';
import { createArticle, registerUser, unique } from '../support/fixtures';
import { defaultNonce, startIdentityProvider, type IdentityProvider } from '../support/identity-provider';
import { clearCapturedLines, logLines, metricLines } from '../support/log-capture';
import { asAdmin } from '../support/test-database';

// What operators read: the access line every request writes, what the log never shows, and the metrics.
// Everything at DEBUG, so no line is filtered out of the greps; Powertools Metrics on; a Lambda-like
// on-demand start, so the first request of each new container is cold.
const saved = { ...process.env };
let idp: IdentityProvider;

beforeAll(async () => {
  idp = await startIdentityProvider();
  Object.assign(process.env, idp.environment(), {
    LOG_LEVEL: 'DEBUG',
    POWERTOOLS_METRICS_DISABLED: 'false',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    STAGE: 'test',
  });
  await startNewContainer();
});

beforeEach(() => clearCapturedLines());

afterEach(() => jest.restoreAllMocks());

afterAll(async () => {
  process.env = saved;
  await startNewContainer();
  await idp.stop();
});

const accessLines = () => logLines().filter(({ message }) => message === 'request');

describe('the access line', () => {
  test('one per request at INFO: route, method, path, status, duration, database round trips, invocation', async () => {
    // Arrange
    const jake = await registerUser();
    clearCapturedLines();

    // Act
    const response = await api.get(`/api/profiles/${jake.username}`);

    // Assert
    expect(response.status).toBe(200);
    expect(accessLines()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        service: 'conduit-api',
        function_name: 'conduit-api-test-get',
        function_request_id: response.invocationId,
        route: 'GET /api/profiles/{username}',
        method: 'GET',
        path: `/api/profiles/${jake.username}`,
        status: 200,
        durationMs: expect.any(Number),
        dbRoundTrips: 1,
      }),
    ]);
    expect(response.headers['x-request-id']).toBe(response.invocationId);
  });

  test('names the user once the token is verified, and counts every statement of a write', async () => {
    const jake = await registerUser();
    clearCapturedLines();
    const [{ id }] = (await asAdmin<{ id: number }[]>('select id from users where username = ?', [
      jake.username,
    ])) as [{ id: number }];

    const response = await api.post(
      '/api/articles',
      { article: { title: unique('Logged '), description: 'd', body: 'b', tagList: ['x'] } },
      { token: jake.token },
    );

    expect(response.status).toBe(201);
    const [line] = accessLines();
    expect(line).toMatchObject({ route: 'POST /api/articles', status: 201, userId: id });
    // The session check, then the transaction: no fixed figure, but never nothing and never one per row.
    expect(line!.dbRoundTrips).toBeGreaterThan(2);
    expect(line!.dbRoundTrips).toBeLessThan(15);
  });

  test('a failure is logged at ERROR with the route and user of its request, next to its access line', async () => {
    const jake = await registerUser();
    jest.spyOn(users(), 'current').mockRejectedValue(new Error('the disk is on fire'));
    clearCapturedLines();

    const response = await api.get('/api/user', { token: jake.token });

    expect(response.status).toBe(500);
    const [failure, access] = logLines().filter(
      ({ function_request_id }) => function_request_id === response.invocationId,
    );
    expect(failure).toMatchObject({
      level: 'ERROR',
      message: 'request failed',
      route: 'GET /api/user',
      userId: expect.any(Number),
      error: { name: 'Error', message: 'the disk is on fire' },
    });
    expect(access).toMatchObject({ level: 'INFO', message: 'request', status: 500 });
  });

  test('LOG_LEVEL=WARN leaves it out', async () => {
    process.env.LOG_LEVEL = 'WARN';
    await startNewContainer();
    try {
      const response = await api.get('/api/tags');

      expect(response.status).toBe(200);
      expect(accessLines()).toEqual([]);
    } finally {
      process.env.LOG_LEVEL = 'DEBUG';
      await startNewContainer();
    }
  });

  test("a new container's first request is marked cold, the next ones are not", async () => {
    await startNewContainer();
    clearCapturedLines();

    await api.get('/api/tags');
    await api.get('/api/tags');

    expect(accessLines().map(({ cold_start }) => cold_start)).toEqual([true, false]);
    const coldStarts = metricLines().filter((line) => 'ColdStart' in line);
    expect(coldStarts).toEqual([
      expect.objectContaining({
        ColdStart: 1,
        function_name: 'conduit-api-test-list',
        service: 'conduit-api',
      }),
    ]);
  });
});

describe('what no log line ever shows', () => {
  test('passwords, tokens, refresh tokens, ID tokens, password hashes and e-mail addresses', async () => {
    // Arrange: every secret a client sends or receives, sent through the API.
    const password = `Pw-${unique()}`;
    const email = `${unique('mail')}@example.com`;
    const registered = await api.post('/api/users', {
      user: { username: unique(), email, password },
    });
    const login = await api.post('/api/users/login', { user: { email, password } });
    const refreshed = await api.post('/api/users/refresh', { refreshToken: login.body.user.refreshToken });
    const newPassword = `Pw2-${unique()}`;
    await api.put('/api/user', { user: { password: newPassword } }, { token: refreshed.body.user.token });
    await api.post('/api/users/login', { user: { email, password: 'wrong-password' } });
    const ssoEmail = `${unique('sso')}@example.com`;
    const idToken = await idp.signIdToken('google', {
      sub: unique('google-'),
      email: ssoEmail,
      email_verified: true,
    });
    const social = await api.post('/api/users/social', { provider: 'google', idToken, nonce: defaultNonce });
    await api.post('/api/users/social', { provider: 'google', idToken: `${idToken}x`, nonce: defaultNonce });
    const [{ hash }] = (await asAdmin<{ hash: string }[]>(
      'select password_hash as hash from users where email = ?',
      [email],
    )) as [{ hash: string }];
    // An unexpected failure whose error carries what has a recognisable shape: the safety net must catch what
    // code let through. (A refresh token is 32 random bytes, like any id: only its key name gives it away.)
    jest
      .spyOn(users(), 'current')
      .mockRejectedValue(new Error(`leak ${email} ${registered.body.user.token} ${hash}`));
    await api.get('/api/user', { token: refreshed.body.user.token });

    // Assert
    expect([registered.status, login.status, refreshed.status]).toEqual([201, 200, 200]);
    expect(social.status).toBeLessThan(500);
    const logged = logLines().map((line) => JSON.stringify(line));
    expect(logged.length).toBeGreaterThan(8);
    const secrets = {
      password,
      newPassword,
      email,
      ssoEmail,
      hash,
      idToken,
      accessToken: registered.body.user.token,
      refreshedAccessToken: refreshed.body.user.token,
      refreshToken: login.body.user.refreshToken,
      rotatedRefreshToken: refreshed.body.user.refreshToken,
    };
    for (const [name, secret] of Object.entries(secrets)) {
      expect(typeof secret).toBe('string');
      const leaks = logged.filter((line) => line.includes(secret as string));
      expect({ name, leaks }).toEqual({ name, leaks: [] });
    }
    // What is left of an e-mail address: enough to tell users apart, not to write to them.
    expect(logged.join('\n')).toContain(`${email[0]}***@example.com`);
  });
});

describe('business counts', () => {
  const counted = (name: string) =>
    metricLines()
      .filter((line) => name in line)
      .map(({ _aws, ...dimensionsAndValue }) => dimensionsAndValue);

  test('registrations, sign-ins by method, articles, comments and favorites, each once it succeeded', async () => {
    const jake = await registerUser();
    const login = await api.post('/api/users/login', {
      user: { email: jake.email, password: jake.password },
    });
    await api.post('/api/users/login', { user: { email: jake.email, password: 'wrong-password' } });
    await api.post('/api/users/refresh', { refreshToken: login.body.user.refreshToken });
    const { slug } = await createArticle(jake.token);
    await api.post(`/api/articles/${slug}/comments`, { comment: { body: 'Hi' } }, { token: jake.token });
    await api.post(`/api/articles/${slug}/favorite`, undefined, { token: jake.token });
    await api.post('/api/articles/no-such-article/favorite', undefined, { token: jake.token });

    const stage = { service: 'conduit-api', Stage: 'test' };
    expect(counted('Registrations')).toEqual([{ ...stage, Registrations: 1 }]);
    expect(counted('SignIns')).toEqual([
      { ...stage, Method: 'password', SignIns: 1 },
      { ...stage, Method: 'refresh', SignIns: 1 },
    ]);
    expect(counted('ArticlesCreated')).toEqual([{ ...stage, ArticlesCreated: 1 }]);
    expect(counted('CommentsCreated')).toEqual([{ ...stage, CommentsCreated: 1 }]);
    expect(counted('Favorites')).toEqual([{ ...stage, Favorites: 1 }]);
    const [registration] = metricLines().filter((line) => 'Registrations' in line);
    expect((registration!._aws as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics).toEqual([
      {
        Namespace: 'Conduit',
        Dimensions: [['service', 'Stage']],
        Metrics: [{ Name: 'Registrations', Unit: 'Count' }],
      },
    ]);
  });

  test("the scenario check's requests are logged as synthetic and counted as requests, not as business", async () => {
    const headers = { 'user-agent': scenarioUserAgent };

    const response = await api.post(
      '/api/users',
      { user: { username: unique(), email: `${unique()}@example.com`, password: 'password123' } },
      { headers },
    );

    expect(syntheticUserAgent).toBe(scenarioUserAgent);
    expect(response.status).toBe(201);
    expect(accessLines()).toEqual([expect.objectContaining({ route: 'POST /api/users', synthetic: true })]);
    expect(metricLines().filter((line) => 'Requests' in line)).toHaveLength(1);
    expect(counted('Registrations')).toEqual([]);
  });

  test('a sign-in counts even when the client claims to be the scenario check', async () => {
    const jake = await registerUser();
    clearCapturedLines();

    const response = await api.post(
      '/api/users/login',
      { user: { email: jake.email, password: jake.password } },
      { headers: { 'user-agent': scenarioUserAgent } },
    );

    expect(response.status).toBe(200);
    expect(counted('SignIns')).toEqual([expect.objectContaining({ Method: 'password', SignIns: 1 })]);
  });

  test('a social sign-in counts by provider, and as a registration when it created the account', async () => {
    const idToken = await idp.signIdToken('kakao', {
      sub: unique('kakao-'),
      email: `${unique()}@example.com`,
    });

    const first = await api.post('/api/users/social', { provider: 'kakao', idToken, nonce: defaultNonce });

    expect(first.status).toBe(201);
    expect(counted('SignIns')).toEqual([expect.objectContaining({ Method: 'kakao', SignIns: 1 })]);
    expect(counted('Registrations')).toHaveLength(1);
  });
});
