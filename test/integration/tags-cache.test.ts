import { setTimeout as sleep } from 'node:timers/promises';
import { api } from '../support/api';
import { databaseThroughProxy, type DatabaseProxy } from '../support/database-proxy';
import { createArticle, registerUser, unique, type TestUser } from '../support/fixtures';

let wire: DatabaseProxy;
let author: TestUser;

beforeAll(async () => {
  wire = await databaseThroughProxy();
  author = await registerUser();
});

afterAll(async () => {
  delete process.env.TAGS_CACHE_SECONDS;
  await wire.restore();
});

/** A fresh container (pointed at the proxy again) that keeps the tags for `seconds`. */
async function containerKeepingTags(seconds: number | undefined): Promise<void> {
  if (seconds === undefined) delete process.env.TAGS_CACHE_SECONDS;
  else process.env.TAGS_CACHE_SECONDS = String(seconds);
  await wire.reconnect();
}

/** The statements that read the tags list, sent while `work` ran. */
async function tagQueriesDuring(work: () => Promise<unknown>): Promise<number> {
  const before = wire.statements.length;
  await work();
  return wire.statements.slice(before).filter((sql) => /\bfrom `tags`/i.test(sql)).length;
}

test('a container asks the database for the tags once per TTL, however many requests it serves', async () => {
  await containerKeepingTags(60);

  const queries = await tagQueriesDuring(async () => {
    for (let i = 0; i < 5; i++) expect((await api.get('/api/tags')).status).toBe(200);
  });

  expect(queries).toBe(1);
});

test('requests that arrive during the load share it', async () => {
  await containerKeepingTags(60);

  const queries = await tagQueriesDuring(() => Promise.all([1, 2, 3, 4].map(() => api.get('/api/tags'))));

  expect(queries).toBe(1);
});

test('a new tag shows up once the TTL has passed, not before', async () => {
  await containerKeepingTags(0.3);
  await api.get('/api/tags');
  const tag = unique('cached-');

  await createArticle(author.token, { tagList: [tag] });
  const within = await api.get('/api/tags');
  await sleep(350);
  const after = await api.get('/api/tags');

  expect(within.body.tags).not.toContain(tag);
  expect(after.body.tags).toContain(tag);
});

test('without TAGS_CACHE_SECONDS every request reads the tags', async () => {
  await containerKeepingTags(undefined);

  const queries = await tagQueriesDuring(async () => {
    await api.get('/api/tags');
    await api.get('/api/tags');
  });

  expect(queries).toBe(2);
});
