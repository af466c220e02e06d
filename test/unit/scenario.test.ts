import { runScenario, type ScenarioOptions } from '#lib/scenario/scenario';
import { startFakeConduit, type FakeConduit, type FakeReply, type Tamper } from '../support/fake-conduit';

// The scenario check (lib/scenario/scenario.ts) against an in-memory stand-in for the API that can be made to
// fail one step: what it reports, what it skips, and what it still cleans up.
const path = [
  'register',
  'createArticle',
  'addComment',
  'favorite',
  'registerFollower',
  'follow',
  'readFeed',
];
const reads = ['readArticle', 'readComments'];
const cleanup = ['deleteComment', 'unfavorite', 'deleteArticle', 'deleteFollower', 'deleteAccount'];

let fake: FakeConduit | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function walk(tamper?: Tamper, options?: ScenarioOptions) {
  fake = await startFakeConduit(tamper);
  return { fake, result: await runScenario(fake.url, options) };
}

/** Tampers with the requests `route` names ("POST /api/articles/:slug/comments": the scenario's article). */
const on =
  (route: string, replace: (reply: FakeReply) => FakeReply | 'hang'): Tamper =>
  (request, reply) =>
    new RegExp(`^${route.replace(':slug', 'scenario-check-[^/]+')}$`).test(
      `${request.method} ${request.path}`,
    )
      ? replace(reply)
      : reply;

const serverError = { status: 500, body: { errors: { server: ['the request failed (id 1)'] } } };
const outcomes = (steps: { name: string; ok: boolean }[]) => steps.map(({ name, ok }) => `${name} ${ok}`);

it('walks every step, each timed, then leaves nothing behind', async () => {
  // Act
  const { fake, result } = await walk();

  // Assert
  expect(result).toEqual({
    ok: true,
    durationMs: expect.any(Number),
    steps: [...path, ...reads, ...cleanup].map((name) => ({ name, ok: true, latencyMs: expect.any(Number) })),
    skipped: [],
  });
  expect(fake.stored()).toEqual({ users: 0, articles: 0 });
  // The feed step is the follower's: it follows the writer, whose article is its whole feed.
  expect(fake.received.find(({ path }) => path === '/api/articles/feed')?.authorization).not.toBe(
    fake.received.find(({ path }) => path === '/api/articles')?.authorization,
  );
});

it('stops at a step that fails, skips the rest of the path, and still deletes what it made', async () => {
  // Act
  const { fake, result } = await walk(on('POST /api/articles/:slug/comments', () => serverError));

  // Assert
  expect(result.ok).toBe(false);
  expect(outcomes(result.steps)).toEqual([
    'register true',
    'createArticle true',
    'addComment false',
    'deleteArticle true',
    'deleteAccount true',
  ]);
  expect(result.steps[2]!.error).toMatch(
    /^POST \/articles\/scenario-check-scenario-writer-\w+\/comments: expected 201, got 500: \{"errors":\{"server":\["the request failed \(id 1\)"\]\}\}$/,
  );
  expect(result.skipped).toEqual(['favorite', 'registerFollower', 'follow', 'readFeed', ...reads]);
  const sent = fake.received.map(({ method, path }) => `${method} ${path}`);
  expect(sent.filter((request) => /favorite|follow|feed/.test(request))).toEqual([]);
  expect(sent.slice(-2)).toEqual([
    expect.stringMatching(/^DELETE \/api\/articles\/scenario-check-/),
    'DELETE /api/user',
  ]);
  // The comment the 500 hid went with the account.
  expect(fake.stored()).toEqual({ users: 0, articles: 0 });
});

it('fails a read that answers wrong data, naming the field, and cleans up everything', async () => {
  // Act
  const { fake, result } = await walk(
    on('GET /api/articles/:slug', (reply) => ({
      ...reply,
      body: { article: { ...reply.body.article, favoritesCount: 0 } },
    })),
  );

  // Assert
  expect(outcomes(result.steps)).toEqual([
    ...path.map((name) => `${name} true`),
    'readArticle false',
    ...cleanup.map((name) => `${name} true`),
  ]);
  expect(result.steps.find(({ name }) => name === 'readArticle')!.error).toBe(
    'article.favoritesCount is 0, expected 1',
  );
  expect(result).toMatchObject({ ok: false, skipped: ['readComments'] });
  expect(fake.stored()).toEqual({ users: 0, articles: 0 });
});

it('reads again while the replica lags the writes, and passes once the reply is right', async () => {
  // Arrange: the first two reads of the article miss the favorite, as a lagging replica would.
  let stale = 2;
  const lagging = on('GET /api/articles/:slug', (reply) =>
    stale-- > 0 ? { ...reply, body: { article: { ...reply.body.article, favoritesCount: 0 } } } : reply,
  );

  // Act
  const { fake, result } = await walk(lagging);

  // Assert
  expect(result.ok).toBe(true);
  const reads = fake.received.filter(
    ({ method, path }) => method === 'GET' && /^\/api\/articles\/scenario-check-[^/]+$/.test(path),
  );
  expect(reads).toHaveLength(3);
  expect(result.steps.find(({ name }) => name === 'readArticle')!.latencyMs).toBeGreaterThanOrEqual(400);
});

it('finds a feed without the followed author’s article wrong', async () => {
  // Act
  const { result } = await walk(
    on('GET /api/articles/feed', () => ({ status: 200, body: { articles: [], articlesCount: 0 } })),
  );

  // Assert
  expect(result.steps.find(({ name }) => name === 'readFeed')).toMatchObject({
    ok: false,
    error: 'articlesCount is 0, expected 1',
  });
});

it('never shows a password or a token, even where a reply echoes them', async () => {
  // Arrange: creating the article fails with a reply that repeats the request's credentials: the token where
  // the message is cut short (at 300 characters, inside its payload), and again whole, and the password.
  let password = '';
  let token = '';
  const echo: Tamper = (request, reply) => {
    if (request.path === '/api/users') password = request.body.user.password;
    if (request.path !== '/api/articles') return reply;
    token = request.authorization!.replace('Token ', '');
    const body = {
      padding: 'x'.repeat(245),
      cut: token,
      authorization: request.authorization,
      note: password,
    };
    return { status: 500, body };
  };

  // Act
  const { fake, result } = await walk(echo);

  // Assert
  const error = result.steps.find(({ name }) => name === 'createArticle')!.error!;
  expect(error).toMatch(/expected 201, got 500: \{"padding":"x+","cut":"\[redacted\]","authorization"/);
  expect(error).not.toContain(token.split('.')[1]!.slice(0, 10));
  expect(fake.secrets).toEqual(expect.arrayContaining([password, token]));
  for (const secret of fake.secrets) expect(JSON.stringify(result)).not.toContain(secret);
});

it('gives up on a request that gets no reply in time', async () => {
  // Act
  const { result } = await walk(
    on('GET /api/articles/feed', () => 'hang'),
    { timeoutMs: 300 },
  );

  // Assert
  expect(result.steps.find(({ name }) => name === 'readFeed')).toMatchObject({
    ok: false,
    error: 'GET /articles/feed: request failed: no reply within 300 ms',
    latencyMs: expect.any(Number),
  });
  expect(result.skipped).toEqual(reads);
  expect(outcomes(result.steps).slice(-cleanup.length)).toEqual(cleanup.map((name) => `${name} true`));
});

it('reports each cleanup that fails and still runs the others', async () => {
  // Act
  const { fake, result } = await walk(on('DELETE /api/user', () => serverError));

  // Assert
  expect(outcomes(result.steps)).toEqual([
    ...[...path, ...reads, 'deleteComment', 'unfavorite', 'deleteArticle'].map((name) => `${name} true`),
    'deleteFollower false',
    'deleteAccount false',
  ]);
  expect(result.steps.at(-1)!.error).toMatch(/^DELETE \/user: expected 204, got 500/);
  expect(result).toMatchObject({ ok: false, skipped: [] });
  expect(
    fake.received.filter(({ method, path }) => method === 'DELETE' && path === '/api/user'),
  ).toHaveLength(2);
});

it('deletes an account whose registration answered 500 after making it, by signing in', async () => {
  // Act
  const { fake, result } = await walk(on('POST /api/users', () => serverError));

  // Assert
  expect(outcomes(result.steps)).toEqual(['register false', 'deleteAccount true']);
  expect(fake.received.slice(-2).map(({ method, path }) => `${method} ${path}`)).toEqual([
    'POST /api/users/login',
    'DELETE /api/user',
  ]);
  expect(fake.stored()).toEqual({ users: 0, articles: 0 });
});
