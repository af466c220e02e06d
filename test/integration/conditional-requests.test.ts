import { closeDatabase } from '#db/client';
import { api, type ApiResponse } from '../support/api';
import { createArticle, registerUser, type TestUser } from '../support/fixtures';

afterAll(closeDatabase);

let author: TestUser;
let reader: TestUser;
let slug: string;

beforeAll(async () => {
  author = await registerUser();
  reader = await registerUser();
  slug = (await createArticle(author.token, { tagList: ['etags'] })).slug;
  await api.post(`/api/articles/${slug}/comments`, { comment: { body: 'First.' } }, { token: reader.token });
});

const strongTag = /^"[\w-]{20,}"$/;

/** Every GET that answers conditional requests, asked anonymously or with the reader's token. */
const conditionalReads: [string, () => string, boolean][] = [
  ['an article', () => `/api/articles/${slug}`, false],
  ['the article list', () => `/api/articles?author=${author.username}`, false],
  ['the feed', () => '/api/articles/feed', true],
  ['the comments', () => `/api/articles/${slug}/comments`, false],
  ['a profile', () => `/api/profiles/${author.username}`, false],
  ['the tags', () => '/api/tags', false],
];

describe.each(conditionalReads)('GET of %s', (_name, url, needsToken) => {
  const token = () => (needsToken ? reader.token : undefined);

  test('carries a strong ETag and may be stored only to be revalidated, per Authorization', async () => {
    const response = await api.get(url(), { token: token() });

    expect(response.status).toBe(200);
    expect(response.headers.etag).toMatch(strongTag);
    expect(response.headers['cache-control']).toBe(needsToken ? 'private, no-cache' : 'no-cache');
    expect(response.headers.vary).toMatch(/\bAuthorization\b/);
  });

  test('answers 304 without a body when If-None-Match names its tag', async () => {
    const first = await api.get(url(), { token: token() });

    const again = await api.get(url(), { token: token(), headers: { 'if-none-match': first.headers.etag! } });

    expect(again.status).toBe(304);
    expect(again.raw).toBe('');
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.headers['content-type']).toBeUndefined();
    expect(again.headers['x-request-id']).toBe(again.invocationId);
  });
});

test('a changed article gets a new tag, and the old one no longer matches', async () => {
  const own = (await createArticle(author.token)).slug;
  const before = await api.get(`/api/articles/${own}`);

  await api.put(`/api/articles/${own}`, { article: { body: 'Rewritten.' } }, { token: author.token });
  const after = await api.get(`/api/articles/${own}`, { headers: { 'if-none-match': before.headers.etag! } });

  expect(after.status).toBe(200);
  expect(after.body.article.body).toBe('Rewritten.');
  expect(after.headers.etag).toMatch(strongTag);
  expect(after.headers.etag).not.toBe(before.headers.etag);
});

test('a reply that depends on the token is private, and differs from the anonymous one', async () => {
  await api.post(`/api/profiles/${author.username}/follow`, undefined, { token: reader.token });

  const anonymous = await api.get(`/api/profiles/${author.username}`);
  const signedIn = await api.get(`/api/profiles/${author.username}`, { token: reader.token });

  expect(signedIn.body.profile.following).toBe(true);
  expect(signedIn.headers['cache-control']).toBe('private, no-cache');
  expect(anonymous.headers['cache-control']).toBe('no-cache');
  expect(signedIn.headers.etag).not.toBe(anonymous.headers.etag);
});

test.each([
  ['a list of tags holding it', (tag: string) => `"nope", ${tag}`],
  ['its weak form', (tag: string) => `W/${tag}`],
  ['*', () => '*'],
])('If-None-Match with %s is a match', async (_case, ifNoneMatch) => {
  const { headers } = await api.get('/api/tags');

  const response = await api.get('/api/tags', { headers: { 'if-none-match': ifNoneMatch(headers.etag!) } });

  expect(response.status).toBe(304);
});

test('If-None-Match naming another tag gets the whole reply', async () => {
  const response = await api.get('/api/tags', { headers: { 'if-none-match': '"something-else"' } });

  expect(response.status).toBe(200);
  expect(response.body.tags).toContain('etags');
});

describe('replies nobody may store: no ETag, Cache-Control: no-store', () => {
  test.each<[string, () => Promise<ApiResponse>]>([
    ['the signed-in user (it carries the token)', () => api.get('/api/user', { token: reader.token })],
    ['a write', () => api.post(`/api/articles/${slug}/favorite`, undefined, { token: reader.token })],
    ['an error of a conditional GET', () => api.get('/api/articles/no-such-article')],
    ['a 401', () => api.get('/api/articles/feed')],
    ['the health check', () => api.get('/api/health')],
    ['the catch-all 404', () => api.get('/api/nowhere')],
  ])('%s', async (_case, send) => {
    const response = await send();

    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers.etag).toBeUndefined();
  });

  test('a stale If-None-Match on an error still gets the error', async () => {
    const response = await api.get('/api/articles/no-such-article', { headers: { 'if-none-match': '*' } });

    expect(response.status).toBe(404);
  });
});
