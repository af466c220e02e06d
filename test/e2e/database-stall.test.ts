import { existsSync } from 'node:fs';
import path from 'node:path';
import { warmUpEvent } from '#lib/deploy/warm-up';
import { startOffline, type Offline } from '../support/e2e-setup';
import { httpAt, unique, type HttpResponse } from '../support/http';
import { startProxy, type TcpProxy } from '../support/tcp-proxy';
import { functionEnvironmentOf, type TestDatabase } from '../support/test-database';

// A `serverless offline` of this file's own, reaching the e2e database through a proxy that can stall the
// network, so the shared server the other e2e files use never sees the outage. The stall also shows that the
// local stage's stack traces name the TypeScript sources (source maps, --enable-source-maps).
const functionTimeoutMs = 10_000;
jest.setTimeout(180_000);

let proxy: TcpProxy & { close(): Promise<void> };
let offline: Offline | undefined;
const api = httpAt(() => offline!.url);

beforeAll(async () => {
  const database = JSON.parse(process.env.CONDUIT_E2E_DATABASE!) as TestDatabase;
  const server = new URL(database.adminUrl);
  proxy = await startProxy({ host: server.hostname, port: Number(server.port || 3306) });
  offline = await startOffline('e2e-stall', {
    ...functionEnvironmentOf(database),
    DB_HOST: '127.0.0.1',
    DB_PORT: String(proxy.port),
  });
});

afterAll(async () => {
  proxy?.resume();
  await offline?.stop();
  await proxy?.close();
});

async function timed(request: () => Promise<HttpResponse>): Promise<[HttpResponse, number]> {
  const started = performance.now();
  const response = await request();
  return [response, Math.round(performance.now() - started)];
}

test('a stalled database: a read and a write answer 503 with Retry-After within half the function timeout', async () => {
  // Arrange: a user and an article, and both functions warm with open connections
  const username = unique('stall');
  const registered = await api.post('/api/users', {
    user: { username, email: `${username}@example.com`, password: 'password123' },
  });
  expect(registered.status).toBe(201);
  const token: string = registered.body.user.token;
  const created = await api.post(
    '/api/articles',
    { article: { title: unique('Stall '), description: 'd', body: 'b' } },
    { token },
  );
  expect(created.status).toBe(201);
  const { slug } = created.body.article;
  const comment = (body: string) =>
    api.post(`/api/articles/${slug}/comments`, { comment: { body } }, { token });
  expect((await api.get(`/api/articles/${slug}`)).status).toBe(200);
  expect((await comment('before the stall')).status).toBe(201);
  proxy.stall();

  // Act
  const [read, readMs] = await timed(() => api.get(`/api/articles/${slug}`));
  const [write, writeMs] = await timed(() => comment('during the stall'));
  proxy.resume();
  const [readAfter, writeAfter] = [await api.get(`/api/articles/${slug}`), await comment('after the stall')];

  // Assert
  process.stdout.write(
    `serverless offline, stalled database: read 503 in ${readMs} ms, write in ${writeMs} ms\n`,
  );
  for (const response of [read, write]) {
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(response.body).toEqual({ errors: { service: ['is temporarily unavailable, retry later'] } });
  }
  expect(readMs).toBeLessThan(functionTimeoutMs / 2);
  expect(writeMs).toBeLessThan(functionTimeoutMs / 2);
  expect(readAfter.status).toBe(200);
  expect(writeAfter.status).toBe(201);
});

test('a stack trace from serverless offline points into the sources, not the minified bundle', async () => {
  // Arrange: the database stops answering, so a warm-up's check gives up with an error of our own code's
  // making (the statement deadline), which the Invoke API returns with its stack
  proxy.stall();
  const bundle = path.join(offline!.workFolder, '.build', 'functions', 'tags', 'list.js');

  // Act
  const response = await fetch(
    `${offline!.lambdaUrl}/2015-03-31/functions/conduit-api-local-listTags/invocations`,
    { method: 'POST', body: JSON.stringify(warmUpEvent(0)) },
  );
  const reply = (await response.json()) as { errorMessage?: string; trace?: string[] };
  proxy.resume();

  // Assert
  expect(existsSync(bundle)).toBe(true);
  expect(existsSync(`${bundle}.map`)).toBe(true);
  const frames = (reply.trace ?? []).filter((line) => /^\s*at /.test(line));
  expect(frames.length).toBeGreaterThan(0);
  expect(frames.filter((frame) => frame.includes(bundle))).toEqual([]);
  expect(frames.some((frame) => /\/(db|lib)\/[\w/.-]+\.ts:\d+:\d+/.test(frame))).toBe(true);
});
