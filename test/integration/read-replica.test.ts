import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { closeDatabase } from '#db/client';
import { dropUsers } from '#db/accounts';
import { serverOf, urlFor } from '#db/urls';
import { api } from '../support/api';
import { createArticle, registerUser, type TestUser } from '../support/fixtures';
import { startProxy, type TcpProxy } from '../support/tcp-proxy';
import type { TestDatabase } from '../support/test-database';
import { startNewContainer } from '../support/container';

// The "replica" is the test database itself, reached as a SELECT-only user through a proxy of its own, and
// the primary through another: the proxies' wire taps show which endpoint received each statement, and a
// write that went to the replica would fail outright.
const test_ = JSON.parse(process.env.CONDUIT_TEST_DATABASE!) as TestDatabase;
const server = serverOf(test_.adminUrl);
const database = new URL(test_.adminUrl).pathname.slice(1);
const readOnly = { user: `ct_ro_${randomBytes(4).toString('hex')}`, password: test_.app.password };
const saved = { ...process.env };
const journal: { endpoint: 'primary' | 'replica'; sql: string }[] = [];
let primary: TcpProxy & { close(): Promise<void> };
let replica: TcpProxy & { close(): Promise<void> };
let author: TestUser;
let slug: string;

beforeAll(async () => {
  const root = await createConnection({ uri: server });
  try {
    await root.query('create user ?@? identified by ?', [readOnly.user, '%', readOnly.password]);
    await root.query(`grant select on \`${database}\`.* to ?@?`, [readOnly.user, '%']);
  } finally {
    await root.end();
  }
  const target = { host: process.env.DB_HOST!, port: Number(process.env.DB_PORT) };
  primary = await startProxy(target, (sql) => journal.push({ endpoint: 'primary', sql }));
  replica = await startProxy(target, (sql) => journal.push({ endpoint: 'replica', sql }));
  Object.assign(process.env, {
    DB_HOST: '127.0.0.1',
    DB_PORT: String(primary.port),
    DB_READ_HOST: `127.0.0.1:${replica.port}`,
    DB_READ_USER: readOnly.user,
  });
  await startNewContainer();
  author = await registerUser();
  slug = (await createArticle(author.token, { tagList: ['replicated'] })).slug;
});

afterAll(async () => {
  await closeDatabase();
  await Promise.all([primary.close(), replica.close()]);
  process.env = saved;
  await dropUsers(server, [readOnly.user]);
});

beforeEach(() => {
  journal.length = 0;
});

const on = (endpoint: 'primary' | 'replica') => journal.filter((entry) => entry.endpoint === endpoint);
const writes = /^\s*(insert|update|delete|begin|commit)\b/i;

test('the replica user really is read-only', async () => {
  const connection = await createConnection({ uri: urlFor(server, database, readOnly) });
  try {
    await expect(connection.query("delete from tags where name = 'nothing'")).rejects.toMatchObject({
      code: 'ER_TABLEACCESS_DENIED_ERROR',
    });
  } finally {
    await connection.end();
  }
});

test('requests that only read are served by the replica, the primary sees none of them', async () => {
  const responses = [
    await api.get('/api/articles'),
    await api.get(`/api/articles/${slug}`),
    await api.get(`/api/articles/${slug}/comments`),
    await api.get(`/api/profiles/${author.username}`),
    await api.get('/api/tags'),
  ];

  expect(responses.map(({ status }) => status)).toEqual([200, 200, 200, 200, 200]);
  expect(on('primary')).toEqual([]);
  expect(on('replica').length).toBeGreaterThanOrEqual(5);
});

test("a token's session is looked up on the primary (a lagging replica never hides a logout); the rest reads from the replica", async () => {
  const responses = [
    await api.get('/api/user', { token: author.token }),
    await api.get('/api/articles/feed', { token: author.token }),
  ];

  expect(responses.map(({ status }) => status)).toEqual([200, 200]);
  expect(on('primary').map(({ sql }) => sql)).toEqual([
    expect.stringMatching(/^select `id` from `sessions` where/),
    expect.stringMatching(/^select `id` from `sessions` where/),
  ]);
  expect(on('replica').some(({ sql }) => /from `sessions`/.test(sql))).toBe(false);
  // The account, and the feed's page with its count: one statement each.
  expect(on('replica').length).toBe(2);
});

test('a request that writes sends its writes, and every read after them, to the primary', async () => {
  const response = await api.post(
    '/api/articles',
    { article: { title: 'Read your writes', description: 'd', body: 'b', tagList: ['replicated', 'fresh'] } },
    { token: author.token },
  );

  expect(response.status).toBe(201);
  expect(response.body.article.tagList).toEqual(['fresh', 'replicated']);
  expect(on('replica').filter(({ sql }) => writes.test(sql))).toEqual([]);
  const firstWrite = journal.findIndex(({ endpoint, sql }) => endpoint === 'primary' && writes.test(sql));
  expect(firstWrite).toBeGreaterThanOrEqual(0);
  expect(journal.slice(firstWrite).filter(({ endpoint }) => endpoint === 'replica')).toEqual([]);
  // The article the reply shows was read back from the primary, after the insert.
  const primarySql = on('primary').map(({ sql }) => sql);
  const insert = primarySql.findIndex((sql) => /^insert into `articles`/i.test(sql));
  expect(insert).toBeGreaterThanOrEqual(0);
  expect(primarySql.slice(insert + 1).some((sql) => /^select .* from `articles`/is.test(sql))).toBe(true);
});

test('the next request starts afresh: its reads go to the replica again', async () => {
  await api.put('/api/user', { user: { bio: 'Updated on the primary' } }, { token: author.token });
  journal.length = 0;

  const response = await api.get(`/api/profiles/${author.username}`);

  expect(response.status).toBe(200);
  expect(on('primary')).toEqual([]);
  expect(on('replica').length).toBeGreaterThan(0);
});

test('follow, favorite and comment (writes that answer with a read) read from the primary', async () => {
  const reader = await registerUser();
  journal.length = 0;

  const responses = [
    await api.post(`/api/profiles/${author.username}/follow`, undefined, { token: reader.token }),
    await api.post(`/api/articles/${slug}/favorite`, undefined, { token: reader.token }),
    await api.post(`/api/articles/${slug}/comments`, { comment: { body: 'Fresh' } }, { token: reader.token }),
  ];

  expect(responses.map(({ status }) => status)).toEqual([200, 200, 201]);
  expect(responses[0]!.body.profile.following).toBe(true);
  expect(responses[1]!.body.article).toMatchObject({ favorited: true, favoritesCount: 1 });
  expect(on('replica').filter(({ sql }) => writes.test(sql))).toEqual([]);
});

test('the health check asks both the primary and the replica', async () => {
  const response = await api.get('/api/health');

  expect(response.status).toBe(200);
  expect(on('primary').map(({ sql }) => sql)).toContainEqual(expect.stringMatching(/^select 1$/i));
  expect(on('replica').map(({ sql }) => sql)).toContainEqual(expect.stringMatching(/^select 1$/i));
});
