import { eq } from 'drizzle-orm';
import { closeDatabase, database } from '#db/client';
import { articleRepository } from '#db/repositories/articles';
import { articles } from '#db/schema/index';
import { byTagName } from '#lib/articles/service';
import { api } from '../support/api';
import { createArticle, registerUser, unique, type TestUser } from '../support/fixtures';

afterAll(closeDatabase);

const isoMillis = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const articleNotFound = { errors: { article: ['not found'] } };
const articleForbidden = { errors: { article: ['forbidden'] } };

const newArticle = (overrides: Record<string, unknown> = {}) => ({
  article: { title: unique('Title '), description: 'About it', body: 'The body', ...overrides },
});

async function follow(follower: TestUser, followee: TestUser): Promise<void> {
  const response = await api.post(`/api/profiles/${followee.username}/follow`, undefined, {
    token: follower.token,
  });
  if (response.status !== 200) throw new Error(`follow failed: ${response.status} ${response.raw}`);
}

async function favorite(user: TestUser, slug: string): Promise<void> {
  const response = await api.post(`/api/articles/${slug}/favorite`, undefined, { token: user.token });
  if (response.status !== 200) throw new Error(`favorite failed: ${response.status} ${response.raw}`);
}

/** Creates articles one after another, so their order of creation is their order in time. */
async function createMany(token: string, count: number, overrides: Record<string, unknown> = {}) {
  const created = [];
  for (let i = 0; i < count; i++) created.push(await createArticle(token, overrides));
  return created;
}

const slugsOf = (articles: { slug: string }[]) => articles.map(({ slug }) => slug);

describe('POST /api/articles', () => {
  test('creates an article and returns it in full, 201', async () => {
    const jake = await registerUser();
    const title = unique('How to train your dragon ');

    const response = await api.post(
      '/api/articles',
      {
        article: {
          title,
          description: 'Ever wonder how?',
          body: 'You have to believe',
          tagList: ['zebra', 'apple', 'mango'],
        },
      },
      { token: jake.token },
    );

    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const { article } = response.body;
    expect(article).toEqual({
      slug: expect.any(String),
      title,
      description: 'Ever wonder how?',
      body: 'You have to believe',
      tagList: ['apple', 'mango', 'zebra'],
      createdAt: expect.stringMatching(isoMillis),
      updatedAt: expect.stringMatching(isoMillis),
      favorited: false,
      favoritesCount: 0,
      author: { username: jake.username, bio: null, image: null, following: false },
    });
    expect(article.slug.length).toBeGreaterThan(0);
  });

  test('an article without tagList gets an empty tag list', async () => {
    const jake = await registerUser();

    const response = await api.post('/api/articles', newArticle(), { token: jake.token });

    expect(response.status).toBe(201);
    expect(response.body.article.tagList).toEqual([]);
  });

  test('requires a token', async () => {
    const title = unique('Anonymous ');

    const response = await api.post('/api/articles', newArticle({ title }));

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: { token: ['is missing'] } });
  });

  test('missing title, description and body are each reported by field, 422', async () => {
    const jake = await registerUser();

    const response = await api.post('/api/articles', { article: {} }, { token: jake.token });

    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual({
      title: ["can't be blank"],
      description: ["can't be blank"],
      body: ["can't be blank"],
    });
  });

  test.each(['title', 'description', 'body'])('a blank %s is 422 keyed by that field', async (field) => {
    const jake = await registerUser();

    const response = await api.post('/api/articles', newArticle({ [field]: '   ' }), {
      token: jake.token,
    });

    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual([field]);
    expect(response.body.errors[field]).toEqual(["can't be blank"]);
  });

  test.each([
    ['title', 256],
    ['description', 1001],
  ])('a %s longer than allowed is 422', async (field, length) => {
    const jake = await registerUser();

    const response = await api.post('/api/articles', newArticle({ [field]: 'x'.repeat(length) }), {
      token: jake.token,
    });

    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual([field]);
  });

  test('more than 20 tags is 422 keyed tagList', async () => {
    const jake = await registerUser();
    const tagList = Array.from({ length: 21 }, (_, i) => unique(`t${i}-`));

    const response = await api.post('/api/articles', newArticle({ tagList }), { token: jake.token });

    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual(['tagList']);
  });

  test('exactly 20 tags are accepted', async () => {
    const jake = await registerUser();
    const tagList = Array.from({ length: 20 }, (_, i) => unique(`t${i}-`));

    const response = await api.post('/api/articles', newArticle({ tagList }), { token: jake.token });

    expect(response.status).toBe(201);
    expect(response.body.article.tagList).toEqual([...tagList].sort(byTagName));
  });

  test('20 long tags of any characters come back whole, in the article and in lists', async () => {
    // The tags travel as one JSON array column: quotes, backslashes, commas and emoji must survive it, and 20
    // tags of 64 characters are past MySQL's 1,024-byte GROUP_CONCAT limit.
    const jake = await registerUser();
    const odd = ['say "hi"', 'back\\slash', 'a, b', 'naïve 😀', 'tab\there'];
    const tagList = [
      ...odd.map((tag) => `${tag} ${unique()}`),
      ...Array.from({ length: 15 }, (_, i) => `${unique(`long${i}-`)}-${'x'.repeat(45)}`),
    ];
    const sorted = [...tagList].sort(byTagName);

    const created = await api.post('/api/articles', newArticle({ tagList }), { token: jake.token });
    const listed = await api.get(`/api/articles?author=${jake.username}`);

    expect(created.status).toBe(201);
    expect(created.body.article.tagList).toEqual(sorted);
    expect(listed.body.articles[0].tagList).toEqual(sorted);
  });

  test.each([
    ['null', null],
    ['a string', 'dragons'],
    ['numbers', [1, 2]],
    ['a blank tag', ['ok', '  ']],
  ])('tagList as %s is 422 keyed tagList', async (_label, tagList) => {
    const jake = await registerUser();

    const response = await api.post('/api/articles', newArticle({ tagList }), { token: jake.token });

    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual(['tagList']);
  });

  test('a rejected article is not stored', async () => {
    const jake = await registerUser();

    await api.post('/api/articles', newArticle({ body: '' }), { token: jake.token });
    const list = await api.get(`/api/articles?author=${jake.username}`);

    expect(list.body).toEqual({ articles: [], articlesCount: 0 });
  });

  test('duplicate titles get distinct slugs, each of which reads its own article', async () => {
    const jake = await registerUser();
    const title = unique('Same title ');

    const first = await createArticle(jake.token, { title, body: 'first' });
    const second = await createArticle(jake.token, { title, body: 'second' });

    expect(first.slug).not.toBe(second.slug);
    expect((await api.get(`/api/articles/${first.slug}`)).body.article.body).toBe('first');
    expect((await api.get(`/api/articles/${second.slug}`)).body.article.body).toBe('second');
  });
});

describe('GET /api/articles/:slug', () => {
  test('anyone can read an article, 200', async () => {
    const jake = await registerUser();
    const created = await createArticle(jake.token, { tagList: ['b', 'a'] });

    const response = await api.get(`/api/articles/${created.slug}`);

    expect(response.status).toBe(200);
    expect(response.body.article).toEqual(created);
  });

  test('with a token, favorited and following are the reader’s', async () => {
    const jake = await registerUser();
    const reader = await registerUser();
    const created = await createArticle(jake.token);
    await follow(reader, jake);
    await favorite(reader, created.slug);

    const asReader = await api.get(`/api/articles/${created.slug}`, { token: reader.token });
    const asAnonymous = await api.get(`/api/articles/${created.slug}`);
    const asAuthor = await api.get(`/api/articles/${created.slug}`, { token: jake.token });

    expect(asReader.status).toBe(200);
    expect(asReader.body.article).toMatchObject({
      favorited: true,
      favoritesCount: 1,
      author: { username: jake.username, following: true },
    });
    expect(asAnonymous.body.article).toMatchObject({
      favorited: false,
      favoritesCount: 1,
      author: { following: false },
    });
    expect(asAuthor.body.article).toMatchObject({ favorited: false, author: { following: false } });
  });

  test('an unknown slug is 404', async () => {
    const slug = unique('no-such-article-');

    const response = await api.get(`/api/articles/${slug}`);

    expect(response.status).toBe(404);
    expect(response.body).toEqual(articleNotFound);
  });
});

describe('PUT /api/articles/:slug', () => {
  test('changing the title changes the slug; the old slug is gone', async () => {
    const jake = await registerUser();
    const created = await createArticle(jake.token);
    const title = unique('A new title ');

    const response = await api.put(
      `/api/articles/${created.slug}`,
      { article: { title } },
      { token: jake.token },
    );

    expect(response.status).toBe(200);
    expect(response.body.article.title).toBe(title);
    expect(response.body.article.slug).not.toBe(created.slug);
    expect((await api.get(`/api/articles/${response.body.article.slug}`)).body.article.title).toBe(title);
    expect((await api.get(`/api/articles/${created.slug}`)).status).toBe(404);
  });

  test('other fields change without touching the slug', async () => {
    const jake = await registerUser();
    const created = await createArticle(jake.token);

    const response = await api.put(
      `/api/articles/${created.slug}`,
      { article: { description: 'New description', body: 'New body' } },
      { token: jake.token },
    );

    expect(response.status).toBe(200);
    expect(response.body.article).toMatchObject({
      slug: created.slug,
      title: created.title,
      description: 'New description',
      body: 'New body',
    });
  });

  test('updatedAt changes and createdAt does not, even right after creation', async () => {
    const jake = await registerUser();
    const created = await createArticle(jake.token);

    const first = await api.put(
      `/api/articles/${created.slug}`,
      { article: { body: 'one' } },
      { token: jake.token },
    );
    const second = await api.put(
      `/api/articles/${created.slug}`,
      { article: { body: 'two' } },
      { token: jake.token },
    );

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.body.article.createdAt).toBe(created.createdAt);
    expect(second.body.article.createdAt).toBe(created.createdAt);
    expect(first.body.article.updatedAt).toMatch(isoMillis);
    expect(Date.parse(first.body.article.updatedAt)).toBeGreaterThan(Date.parse(created.updatedAt));
    expect(Date.parse(second.body.article.updatedAt)).toBeGreaterThan(
      Date.parse(first.body.article.updatedAt),
    );
  });

  test('without tagList the tags stay; [] clears them; a new list replaces them sorted', async () => {
    const jake = await registerUser();
    const created = await createArticle(jake.token, { tagList: ['dragons', 'training'] });
    const url = `/api/articles/${created.slug}`;

    const kept = await api.put(url, { article: { body: 'changed' } }, { token: jake.token });
    const replaced = await api.put(url, { article: { tagList: ['zeta', 'alpha'] } }, { token: jake.token });
    const cleared = await api.put(url, { article: { tagList: [] } }, { token: jake.token });

    expect(kept.body.article.tagList).toEqual(['dragons', 'training']);
    expect(replaced.body.article.tagList).toEqual(['alpha', 'zeta']);
    expect(cleared.status).toBe(200);
    expect(cleared.body.article.tagList).toEqual([]);
    expect((await api.get(url)).body.article.tagList).toEqual([]);
  });

  test('tagList null is 422 and keeps the tags', async () => {
    const jake = await registerUser();
    const created = await createArticle(jake.token, { tagList: ['kept'] });

    const response = await api.put(
      `/api/articles/${created.slug}`,
      { article: { tagList: null } },
      { token: jake.token },
    );

    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual(['tagList']);
    expect((await api.get(`/api/articles/${created.slug}`)).body.article.tagList).toEqual(['kept']);
  });

  test('a blank title is 422', async () => {
    const jake = await registerUser();
    const created = await createArticle(jake.token);

    const response = await api.put(
      `/api/articles/${created.slug}`,
      { article: { title: ' ' } },
      { token: jake.token },
    );

    expect(response.status).toBe(422);
    expect(response.body.errors.title).toEqual(["can't be blank"]);
  });

  test('someone else’s article is 403 and stays unchanged', async () => {
    const jake = await registerUser();
    const intruder = await registerUser();
    const created = await createArticle(jake.token, { tagList: ['mine'] });

    const response = await api.put(
      `/api/articles/${created.slug}`,
      { article: { title: unique('Hijacked '), body: 'hijacked', tagList: [] } },
      { token: intruder.token },
    );

    expect(response.status).toBe(403);
    expect(response.body).toEqual(articleForbidden);
    expect((await api.get(`/api/articles/${created.slug}`)).body.article).toEqual(created);
  });

  test('an unknown slug is 404', async () => {
    const jake = await registerUser();

    const response = await api.put(
      `/api/articles/${unique('missing-')}`,
      { article: { body: 'x' } },
      { token: jake.token },
    );

    expect(response.status).toBe(404);
    expect(response.body).toEqual(articleNotFound);
  });

  test('without a token, even a missing slug is 401 (auth before existence)', async () => {
    const response = await api.put(`/api/articles/${unique('missing-')}`, { article: { body: 'x' } });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: { token: ['is missing'] } });
  });
});

describe('DELETE /api/articles/:slug', () => {
  test('the author deletes an article: 204 with an empty body, then 404', async () => {
    const jake = await registerUser();
    const created = await createArticle(jake.token);

    const response = await api.delete(`/api/articles/${created.slug}`, { token: jake.token });

    expect(response.status).toBe(204);
    expect(response.raw).toBe('');
    expect((await api.get(`/api/articles/${created.slug}`)).status).toBe(404);
    expect((await api.delete(`/api/articles/${created.slug}`, { token: jake.token })).status).toBe(404);
  });

  test('someone else’s article is 403 and survives', async () => {
    const jake = await registerUser();
    const intruder = await registerUser();
    const created = await createArticle(jake.token);

    const response = await api.delete(`/api/articles/${created.slug}`, { token: intruder.token });

    expect(response.status).toBe(403);
    expect(response.body).toEqual(articleForbidden);
    expect((await api.get(`/api/articles/${created.slug}`)).status).toBe(200);
  });

  test('without a token, even a missing slug is 401', async () => {
    const response = await api.delete(`/api/articles/${unique('missing-')}`);

    expect(response.status).toBe(401);
  });

  test('a deleted article leaves lists, and its title can be reused with the plain slug', async () => {
    const jake = await registerUser();
    const title = unique('Reused title ');
    const first = await createArticle(jake.token, { title });
    await api.delete(`/api/articles/${first.slug}`, { token: jake.token });

    const again = await api.post('/api/articles', newArticle({ title, body: 'again' }), {
      token: jake.token,
    });
    const list = await api.get(`/api/articles?author=${jake.username}`);

    expect(again.status).toBe(201);
    expect(again.body.article.slug).toBe(first.slug);
    expect((await api.get(`/api/articles/${first.slug}`)).body.article.body).toBe('again');
    expect(list.body.articlesCount).toBe(1);
    expect(slugsOf(list.body.articles)).toEqual([first.slug]);
  });
});

describe('GET /api/articles', () => {
  test('newest first, without bodies', async () => {
    const jake = await registerUser();
    const tag = unique('order-');
    const created = await createMany(jake.token, 3, { tagList: [tag] });

    const response = await api.get(`/api/articles?tag=${tag}`);

    expect(response.status).toBe(200);
    expect(response.body.articlesCount).toBe(3);
    expect(slugsOf(response.body.articles)).toEqual(slugsOf(created).reverse());
    for (const article of response.body.articles) {
      expect(article).not.toHaveProperty('body');
      expect(article).toMatchObject({
        tagList: [tag],
        favorited: false,
        favoritesCount: 0,
        author: { username: jake.username, following: false },
        createdAt: expect.stringMatching(isoMillis),
      });
    }
  });

  test('filters by tag, author and favorited, alone and together', async () => {
    const tag = unique('filter-');
    const alice = await registerUser();
    const bob = await registerUser();
    const fan = await registerUser();
    const [alice1, alice2] = await createMany(alice.token, 2, { tagList: [tag] });
    const bob1 = await createArticle(bob.token, { tagList: [tag, unique('other-')] });
    const untagged = await createArticle(alice.token);
    await favorite(fan, alice1.slug);
    await favorite(fan, bob1.slug);

    const byTag = await api.get(`/api/articles?tag=${tag}`);
    const byAuthor = await api.get(`/api/articles?author=${alice.username}`);
    const byFavorited = await api.get(`/api/articles?favorited=${fan.username}`, { token: fan.token });
    const combined = await api.get(
      `/api/articles?tag=${tag}&author=${alice.username}&favorited=${fan.username}`,
    );

    expect(slugsOf(byTag.body.articles)).toEqual([bob1.slug, alice2.slug, alice1.slug]);
    expect(byTag.body.articlesCount).toBe(3);
    expect(slugsOf(byAuthor.body.articles)).toEqual([untagged.slug, alice2.slug, alice1.slug]);
    expect(byAuthor.body.articlesCount).toBe(3);
    expect(slugsOf(byFavorited.body.articles)).toEqual([bob1.slug, alice1.slug]);
    expect(byFavorited.body.articles.map((a: { favorited: boolean }) => a.favorited)).toEqual([true, true]);
    expect(byFavorited.body.articlesCount).toBe(2);
    expect(slugsOf(combined.body.articles)).toEqual([alice1.slug]);
    expect(combined.body.articlesCount).toBe(1);
  });

  test('filters that match nothing give an empty page and a zero count', async () => {
    const nobody = unique('nobody');

    const byAuthor = await api.get(`/api/articles?author=${nobody}`);
    const byTag = await api.get(`/api/articles?tag=${nobody}`);
    const byFavorited = await api.get(`/api/articles?favorited=${nobody}`);

    for (const response of [byAuthor, byTag, byFavorited]) {
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ articles: [], articlesCount: 0 });
    }
  });

  describe('paging', () => {
    const tag = unique('page-');
    let newestFirst: string[];

    beforeAll(async () => {
      const jake = await registerUser();
      newestFirst = slugsOf(await createMany(jake.token, 23, { tagList: [tag] })).reverse();
    });

    test('limit defaults to 20; articlesCount is the total, not the page size', async () => {
      const response = await api.get(`/api/articles?tag=${tag}`);

      expect(response.status).toBe(200);
      expect(response.body.articles).toHaveLength(20);
      expect(response.body.articlesCount).toBe(23);
      expect(slugsOf(response.body.articles)).toEqual(newestFirst.slice(0, 20));
    });

    test('offset counts items, not pages', async () => {
      const window = await api.get(`/api/articles?tag=${tag}&limit=5&offset=3`);
      const tail = await api.get(`/api/articles?tag=${tag}&offset=20`);
      const past = await api.get(`/api/articles?tag=${tag}&offset=23`);

      expect(slugsOf(window.body.articles)).toEqual(newestFirst.slice(3, 8));
      expect(window.body.articlesCount).toBe(23);
      expect(slugsOf(tail.body.articles)).toEqual(newestFirst.slice(20));
      expect(past.body).toEqual({ articles: [], articlesCount: 23 });
    });

    test('limit 100 is allowed', async () => {
      const response = await api.get(`/api/articles?tag=${tag}&limit=100`);

      expect(response.status).toBe(200);
      expect(slugsOf(response.body.articles)).toEqual(newestFirst);
    });
  });

  test.each([
    ['limit', '101'],
    ['limit', '0'],
    ['limit', '-1'],
    ['limit', 'abc'],
    ['limit', '1.5'],
    ['offset', '-1'],
    ['offset', 'abc'],
  ])('%s=%s is 422 keyed by the parameter', async (name, value) => {
    const response = await api.get(`/api/articles?${name}=${value}`);

    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual([name]);
  });
});

test('empty filters (?tag=&author=&favorited=) mean no filter', async () => {
  const jake = await registerUser();
  const newest = await createArticle(jake.token);

  const response = await api.get('/api/articles?tag=&author=&favorited=&limit=1');

  expect(response.status).toBe(200);
  expect(response.body.articlesCount).toBeGreaterThanOrEqual(1);
  expect(response.body.articles).toHaveLength(1);
  // Other workers create articles too: the newest is ours or a later one, never an older one.
  expect(Date.parse(response.body.articles[0].createdAt)).toBeGreaterThanOrEqual(
    Date.parse(newest.createdAt),
  );
});

describe('GET /api/articles/feed', () => {
  test('requires a token', async () => {
    const response = await api.get('/api/articles/feed');

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: { token: ['is missing'] } });
  });

  test('a user who follows nobody has an empty feed with articlesCount 0', async () => {
    const loner = await registerUser();
    await createArticle(loner.token);

    const response = await api.get('/api/articles/feed', { token: loner.token });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ articles: [], articlesCount: 0 });
  });

  test('shows only followed authors, newest first, without bodies', async () => {
    const reader = await registerUser();
    const followed = await registerUser();
    const stranger = await registerUser();
    const [older, newer] = await createMany(followed.token, 2);
    await createArticle(stranger.token);
    await createArticle(reader.token);
    await follow(reader, followed);

    const response = await api.get('/api/articles/feed', { token: reader.token });
    const page = await api.get('/api/articles/feed?limit=1&offset=1', { token: reader.token });

    expect(response.status).toBe(200);
    expect(response.body.articlesCount).toBe(2);
    expect(slugsOf(response.body.articles)).toEqual([newer.slug, older.slug]);
    for (const article of response.body.articles) {
      expect(article).not.toHaveProperty('body');
      expect(article.author).toEqual({
        username: followed.username,
        bio: null,
        image: null,
        following: true,
      });
    }
    expect(slugsOf(page.body.articles)).toEqual([older.slug]);
    expect(page.body.articlesCount).toBe(2);
  });

  test('an unfollowed author leaves the feed', async () => {
    const reader = await registerUser();
    const author = await registerUser();
    await createArticle(author.token);
    await follow(reader, author);
    await api.delete(`/api/profiles/${author.username}/follow`, { token: reader.token });

    const response = await api.get('/api/articles/feed', { token: reader.token });

    expect(response.body).toEqual({ articles: [], articlesCount: 0 });
  });

  test.each(['limit=abc', 'limit=101', 'offset=-1'])('%s is 422', async (query) => {
    const reader = await registerUser();

    const response = await api.get(`/api/articles/feed?${query}`, { token: reader.token });

    expect(response.status).toBe(422);
  });
});

describe('favorites', () => {
  test('favorite and unfavorite are 200, count per user, and are idempotent', async () => {
    const jake = await registerUser();
    const fan = await registerUser();
    const other = await registerUser();
    const { slug } = await createArticle(jake.token);
    const url = `/api/articles/${slug}/favorite`;

    const first = await api.post(url, undefined, { token: fan.token });
    const repeated = await api.post(url, undefined, { token: fan.token });
    const byOther = await api.post(url, undefined, { token: other.token });
    const unfavorited = await api.delete(url, { token: fan.token });
    const unfavoritedAgain = await api.delete(url, { token: fan.token });
    const anonymous = await api.get(`/api/articles/${slug}`);

    expect(first.status).toBe(200);
    expect(first.body.article).toMatchObject({ slug, favorited: true, favoritesCount: 1 });
    expect(repeated.status).toBe(200);
    expect(repeated.body.article).toMatchObject({ favorited: true, favoritesCount: 1 });
    expect(byOther.body.article).toMatchObject({ favorited: true, favoritesCount: 2 });
    expect(unfavorited.status).toBe(200);
    expect(unfavorited.body.article).toMatchObject({ favorited: false, favoritesCount: 1 });
    expect(unfavoritedAgain.status).toBe(200);
    expect(unfavoritedAgain.body.article).toMatchObject({ favorited: false, favoritesCount: 1 });
    expect(anonymous.body.article).toMatchObject({ favorited: false, favoritesCount: 1 });
  });

  test('unfavoriting an article never favorited is 200 with count 0', async () => {
    const jake = await registerUser();
    const { slug } = await createArticle(jake.token);

    const response = await api.delete(`/api/articles/${slug}/favorite`, { token: jake.token });

    expect(response.status).toBe(200);
    expect(response.body.article).toMatchObject({ favorited: false, favoritesCount: 0 });
  });

  test('an unknown slug is 404', async () => {
    const fan = await registerUser();
    const url = `/api/articles/${unique('missing-')}/favorite`;

    const favorited = await api.post(url, undefined, { token: fan.token });
    const unfavorited = await api.delete(url, { token: fan.token });

    expect(favorited.status).toBe(404);
    expect(favorited.body).toEqual(articleNotFound);
    expect(unfavorited.status).toBe(404);
    expect(unfavorited.body).toEqual(articleNotFound);
  });

  test('without a token both are 401 and nothing changes', async () => {
    const jake = await registerUser();
    const { slug } = await createArticle(jake.token);
    const url = `/api/articles/${slug}/favorite`;

    const favorited = await api.post(url);
    const unfavorited = await api.delete(url);

    expect(favorited.status).toBe(401);
    expect(unfavorited.status).toBe(401);
    expect((await api.get(`/api/articles/${slug}`)).body.article.favoritesCount).toBe(0);
  });

  test('a deleted article cannot be favorited', async () => {
    const jake = await registerUser();
    const { slug } = await createArticle(jake.token);
    await api.delete(`/api/articles/${slug}`, { token: jake.token });

    const response = await api.post(`/api/articles/${slug}/favorite`, undefined, { token: jake.token });

    expect(response.status).toBe(404);
  });
});

describe('article repository', () => {
  test('an update racing a delete finds nothing to update and changes nothing', async () => {
    const jake = await registerUser();
    const article = await createArticle(jake.token, { tagList: ['kept'] });
    const repository = articleRepository(database());
    const ref = await repository.findRef(article.slug);
    await repository.remove(ref!.id);

    const attempt = repository.update(ref!.id, { body: 'too late', tagList: [] });

    await expect(attempt).rejects.toMatchObject({ errors: { article: ['not found'] } });
    const [row] = await database().select().from(articles).where(eq(articles.id, ref!.id));
    expect(row?.body).toBe(article.body);
  });
});
