import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { runScenario } from '#lib/scenario/scenario';
import { http, segment } from '../support/http';

// The scenario check the stages run every five minutes, against `serverless offline`: every step passes
// on the real handlers and database, and what it made is gone afterwards (DELETE /api/user included).
const root = path.resolve(__dirname, '../..');
// The e2e setup's URL is the bare origin; the scenario takes the API's base URL, as SCENARIO_URL gives it.
const apiUrl = () => `${process.env.CONDUIT_E2E_URL}/api`;
// A handler's first request under serverless offline starts its worker, and every step is a new handler.
const timeoutMs = 20_000;

const steps = [
  'register',
  'createArticle',
  'addComment',
  'favorite',
  'registerFollower',
  'follow',
  'readFeed',
  'readArticle',
  'readComments',
  'deleteComment',
  'unfavorite',
  'deleteArticle',
  'deleteFollower',
  'deleteAccount',
];

it('walks every step against the local API and leaves nothing behind', async () => {
  // Arrange: what it sends tells its throw-away credentials and its article's address.
  const sent: { url: string; init?: RequestInit }[] = [];
  const fetch = globalThis.fetch;
  const watched = jest.spyOn(globalThis, 'fetch').mockImplementation((url, init) => {
    sent.push({ url: String(url), init });
    return fetch(url, init);
  });

  // Act
  const result = await runScenario(apiUrl(), { timeoutMs }).finally(() => watched.mockRestore());

  // Assert
  expect(result.steps.filter(({ ok }) => !ok)).toEqual([]);
  expect(result).toMatchObject({ ok: true, skipped: [] });
  expect(result.steps.map(({ name }) => name)).toEqual(steps);

  const accounts = sent
    .filter(({ url, init }) => url.endsWith('/api/users') && init?.method === 'POST')
    .map(({ init }) => JSON.parse(String(init!.body)).user);
  const tokens = new Set(sent.map(({ init }) => (init?.headers as Record<string, string>)?.authorization));
  const articles = sent.map(({ url }) => url.match(/\/api\/articles\/(scenario-check-[^/]+)$/)?.[1]);
  const slug = articles.find(Boolean);
  expect(accounts).toHaveLength(2);
  expect(tokens.size).toBe(3); // none, the writer's, the follower's
  expect(slug).toBeDefined();

  for (const { username, email, password } of accounts) {
    expect((await http.post('/api/users/login', { user: { email, password } })).status).toBe(401);
    expect((await http.get(`/api/profiles/${segment(username)}`)).status).toBe(404);
  }
  for (const token of tokens)
    if (token) expect((await http.get('/api/user', { headers: { authorization: token } })).status).toBe(401);
  expect((await http.get(`/api/articles/${slug}`)).status).toBe(404);
}, 120_000);

it('passes from the command line, one line per step', async () => {
  // Act
  const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [tsx, 'scripts/scenario.ts', '--url', apiUrl()],
    { cwd: root },
  );

  // Assert: execFile rejects on any exit code but 0.
  expect(stderr).toBe('');
  expect(stdout.trimEnd().split('\n')).toEqual([
    `scenario check against ${apiUrl()}`,
    ...steps.map((name) => expect.stringMatching(new RegExp(`^  ok {6}${name} *\\s\\d+ ms$`))),
    expect.stringMatching(/^passed in \d+ ms$/),
  ]);
}, 120_000);
