import { createConnection } from 'mysql2/promise';
import { createServer, type Server, type Socket } from 'node:net';
import { api } from '../support/api';
import { databaseThroughProxy, pointDatabaseAt, type DatabaseProxy } from '../support/database-proxy';
import { registerUser, type TestUser } from '../support/fixtures';
import type { TestDatabase } from '../support/test-database';
import { clearCapturedLines, logLines } from '../support/log-capture';

// The functions reach the database through a proxy this file controls (its own module registry, so other
// files keep their direct pool): it can kill connections silently, or take the "server" away and back.
const admin = (JSON.parse(process.env.CONDUIT_TEST_DATABASE!) as TestDatabase).adminUrl;
let proxy: DatabaseProxy;
let jake: TestUser;

beforeAll(async () => {
  proxy = await databaseThroughProxy();
  jake = await registerUser();
});

beforeEach(() => clearCapturedLines());

afterAll(() => proxy.restore());

const retried = () =>
  logLines().filter(({ level, message }) => level === 'WARN' && String(message).includes('connection lost'))
    .length;

describe('a connection that died while the container was frozen', () => {
  test('the next read succeeds, on a fresh connection after one retry', async () => {
    // Arrange: open connections, then let them die silently
    expect((await api.get(`/api/profiles/${jake.username}`)).status).toBe(200);
    proxy.sever();

    // Act
    const response = await api.get(`/api/profiles/${jake.username}`);

    // Assert
    expect(response.status).toBe(200);
    expect(response.body.profile.username).toBe(jake.username);
    expect(retried()).toBe(1);
  });

  test('two reads that run at once on two dead connections both succeed', async () => {
    // Arrange: two requests at once, so the pool holds two connections
    const both = () => Promise.all([api.get('/api/articles'), api.get('/api/tags')]);
    expect((await both()).map(({ status }) => status)).toEqual([200, 200]);
    expect(proxy.openConnections()).toBe(2);
    proxy.sever();

    // Act
    const started = performance.now();
    const responses = await both();

    // Assert: each read found its own connection dead and was sent once more, at once
    expect(responses.map(({ status }) => status)).toEqual([200, 200]);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(retried()).toBe(2);
  });

  test('a write whose transaction starts on a dead connection succeeds once, with no duplicate', async () => {
    // Arrange: a tagged article (a read, tag upserts, then a transaction) after every connection died
    expect((await api.get('/api/tags')).status).toBe(200);
    proxy.sever();
    const title = `Written after a thaw ${Date.now()}`;

    // Act
    const response = await api.post(
      '/api/articles',
      { article: { title, description: 'd', body: 'b', tagList: ['thaw'] } },
      { token: jake.token },
    );

    // Assert
    expect(response.status).toBe(201);
    const mine = await api.get(`/api/articles?author=${jake.username}`);
    expect(mine.body.articles.filter((article: { title: string }) => article.title === title)).toHaveLength(
      1,
    );
    expect(retried()).toBeGreaterThanOrEqual(1);
  });

  test('a transaction whose first statement meets a dead connection is replayed on a fresh one', async () => {
    // Arrange: an untagged article goes straight to its transaction
    expect((await api.get('/api/tags')).status).toBe(200);
    proxy.sever();

    // Act
    const response = await api.post(
      '/api/articles',
      { article: { title: 'Straight to begin', description: 'd', body: 'b' } },
      { token: jake.token },
    );

    // Assert
    expect(response.status).toBe(201);
    expect(retried()).toBe(1);
  });
});

test('connections killed by the server between two invocations: the second succeeds', async () => {
  // Arrange: the server kills this file's connections (the ones through the proxy), as after wait_timeout
  expect((await api.get(`/api/profiles/${jake.username}`)).status).toBe(200);
  const ports = proxy.upstreamPorts();
  expect(ports.length).toBeGreaterThan(0);
  const root = await createConnection({ uri: admin });
  try {
    const [rows] = await root.query<{ id: number; host: string }[] & import('mysql2').RowDataPacket[]>(
      'select id, host from information_schema.processlist',
    );
    const ours = rows.filter(({ host }) => ports.some((port) => host.endsWith(`:${port}`)));
    expect(ours.length).toBe(ports.length);
    for (const { id } of ours) await root.query('kill ?', [id]);
  } finally {
    await root.end();
  }

  // Act
  const response = await api.get(`/api/profiles/${jake.username}`);

  // Assert
  expect(response.status).toBe(200);
});

test('the database restarts: requests meanwhile get 503 with Retry-After, the next one after succeeds', async () => {
  // Arrange
  expect((await api.get('/api/tags')).status).toBe(200);
  await proxy.stop();

  // Act
  const during = await api.get('/api/tags');
  await proxy.start();
  const after = await api.get(`/api/profiles/${jake.username}`);

  // Assert
  expect(during.status).toBe(503);
  expect(during.headers['retry-after']).toMatch(/^\d+$/);
  expect(after.status).toBe(200);
});

test('a database that accepts connections but never answers: 503 well inside the 10 s function timeout', async () => {
  // Arrange: a black hole, like a host whose database hung or whose packets are dropped
  const held: Socket[] = [];
  const silent: Server = createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  await pointDatabaseAt((silent.address() as { port: number }).port);
  try {
    // Act
    const started = performance.now();
    const response = await api.get('/api/tags');
    const elapsed = performance.now() - started;

    // Assert
    console.log(`black-holed database answered ${response.status} after ${Math.round(elapsed)} ms`);
    expect(response.status).toBe(503);
    expect(elapsed).toBeLessThan(8_000);
  } finally {
    held.forEach((socket) => socket.destroy());
    await new Promise((resolve) => silent.close(resolve));
    await proxy.reconnect();
  }
});
