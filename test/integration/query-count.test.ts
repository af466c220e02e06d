import { api, type ApiResponse } from '../support/api';
import { databaseThroughProxy, type DatabaseProxy } from '../support/database-proxy';
import { createArticle, registerUser, unique, type TestUser } from '../support/fixtures';

// Setting up 50 articles and 50 comments takes a few seconds.
jest.setTimeout(60_000);

let wire: DatabaseProxy;

beforeAll(async () => {
  wire = await databaseThroughProxy();
});

afterAll(() => wire.restore());

const many = 50;

/** SQL statements one request sends, as they pass on the wire to the database. */
async function queriesOf(
  request: () => Promise<ApiResponse>,
): Promise<{ queries: number; response: ApiResponse }> {
  const before = wire.statements.length;
  const response = await request();
  return { queries: wire.statements.length - before, response };
}

async function follow(follower: TestUser, followee: TestUser): Promise<void> {
  const response = await api.post(`/api/profiles/${followee.username}/follow`, undefined, {
    token: follower.token,
  });
  if (response.status !== 200) throw new Error(`follow failed: ${response.status} ${response.raw}`);
}

let fewAuthor: TestUser;
let manyAuthor: TestUser;
let viewer: TestUser;
let oneCommentSlug: string;
let manyCommentsSlug: string;

beforeAll(async () => {
  fewAuthor = await registerUser();
  manyAuthor = await registerUser();
  viewer = await registerUser();
  const commenters = [viewer, fewAuthor, manyAuthor];
  const shared = unique('qc-');

  const single = await createArticle(fewAuthor.token, { tagList: [shared, unique('qc-')] });
  const bulk = [];
  for (let i = 0; i < many; i++) {
    bulk.push(await createArticle(manyAuthor.token, { tagList: [shared, unique('qc-')] }));
  }
  // Viewer-relative flags on every row: the viewer follows both authors and favorites some articles.
  await follow(viewer, fewAuthor);
  await follow(viewer, manyAuthor);
  for (const { slug } of [single, ...bulk.filter((_, i) => i % 3 === 0)]) {
    await api.post(`/api/articles/${slug}/favorite`, undefined, { token: viewer.token });
  }

  oneCommentSlug = single.slug;
  manyCommentsSlug = bulk[0].slug;
  await api.post(
    `/api/articles/${oneCommentSlug}/comments`,
    { comment: { body: 'only' } },
    { token: viewer.token },
  );
  for (let i = 0; i < many; i++) {
    const commenter = commenters[i % commenters.length]!;
    await api.post(
      `/api/articles/${manyCommentsSlug}/comments`,
      { comment: { body: `c${i}` } },
      { token: commenter.token },
    );
  }
});

test('GET /api/articles costs the same number of queries for 1 and for 50 articles', async () => {
  const one = await queriesOf(() =>
    api.get(`/api/articles?author=${fewAuthor.username}&limit=${many}`, { token: viewer.token }),
  );
  const fifty = await queriesOf(() =>
    api.get(`/api/articles?author=${manyAuthor.username}&limit=${many}`, { token: viewer.token }),
  );
  const anonymous = await queriesOf(() =>
    api.get(`/api/articles?author=${manyAuthor.username}&limit=${many}`),
  );
  console.log(
    `GET /api/articles: ${one.queries} queries for 1 article, ${fifty.queries} for ${many}, ${anonymous.queries} for ${many} anonymously`,
  );

  expect(one.response.body.articles).toHaveLength(1);
  expect(fifty.response.body.articles).toHaveLength(many);
  expect(fifty.response.body.articles.every((a: { tagList: string[] }) => a.tagList.length === 2)).toBe(true);
  expect(fifty.response.body.articles.filter((a: { favorited: boolean }) => a.favorited)).toHaveLength(17);
  // The page with its count in one statement; a token adds one lookup: is its session still open?
  expect(fifty.queries).toBe(one.queries);
  expect(one.queries).toBe(2);
  expect(anonymous.queries).toBe(1);
});

test('GET /api/articles/feed costs the same number of queries for 1 and for 50 articles', async () => {
  const fewReader = await registerUser();
  const manyReader = await registerUser();
  await follow(fewReader, fewAuthor);
  await follow(manyReader, manyAuthor);

  const one = await queriesOf(() => api.get(`/api/articles/feed?limit=${many}`, { token: fewReader.token }));
  const fifty = await queriesOf(() =>
    api.get(`/api/articles/feed?limit=${many}`, { token: manyReader.token }),
  );
  console.log(`GET /api/articles/feed: ${one.queries} queries for 1 article, ${fifty.queries} for ${many}`);

  expect(one.response.body.articles).toHaveLength(1);
  expect(fifty.response.body.articles).toHaveLength(many);
  expect(
    fifty.response.body.articles.every((a: { author: { following: boolean } }) => a.author.following),
  ).toBe(true);
  expect(fifty.queries).toBe(one.queries);
  expect(one.queries).toBe(2);
});

test('GET /api/articles/:slug/comments costs the same number of queries for 1 and for 50 comments', async () => {
  const one = await queriesOf(() =>
    api.get(`/api/articles/${oneCommentSlug}/comments`, { token: viewer.token }),
  );
  const fifty = await queriesOf(() =>
    api.get(`/api/articles/${manyCommentsSlug}/comments`, { token: viewer.token }),
  );
  console.log(
    `GET /api/articles/:slug/comments: ${one.queries} queries for 1 comment, ${fifty.queries} for ${many}`,
  );

  expect(one.response.body.comments).toHaveLength(1);
  expect(fifty.response.body.comments).toHaveLength(many);
  const following = fifty.response.body.comments.map(
    (c: { author: { following: boolean } }) => c.author.following,
  );
  expect(following.filter(Boolean).length).toBeGreaterThan(0);
  expect(fifty.queries).toBe(one.queries);
  // The article and its comments in one statement, after the session check.
  expect(one.queries).toBe(2);
});

test.each([
  ['GET /api/articles/:slug', () => `/api/articles/${manyCommentsSlug}`],
  ['GET /api/profiles/:username', () => `/api/profiles/${manyAuthor.username}`],
  ['GET /api/articles/:slug/comments', () => `/api/articles/${manyCommentsSlug}/comments`],
])('%s reads in one statement, and one more for a token', async (_, path) => {
  const anonymous = await queriesOf(() => api.get(path()));
  const signedIn = await queriesOf(() => api.get(path(), { token: viewer.token }));

  expect([anonymous.response.status, signedIn.response.status]).toEqual([200, 200]);
  expect([anonymous.queries, signedIn.queries]).toEqual([1, 2]);
});

test('GET /api/tags reads in one statement', async () => {
  const { queries, response } = await queriesOf(() => api.get('/api/tags'));

  expect(response.status).toBe(200);
  expect(queries).toBe(1);
});
