import { and, count, eq } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { closeDatabase, database } from '#db/client';
import { articles, favorites, follows, users } from '#db/schema/index';
import { byTagName } from '#lib/articles/service';
import { api } from '../support/api';
import { createArticle, registerUser, unique } from '../support/fixtures';

// Registering 20 users hashes 20 passwords: more than Jest's default 5 s on a busy machine.
jest.setTimeout(60_000);

afterAll(closeDatabase);

/** Rows as stored, so a duplicate the API would hide (e.g. behind EXISTS) still shows. */
async function favoriteRows(slug: string): Promise<number> {
  const [row] = await database()
    .select({ n: count() })
    .from(favorites)
    .innerJoin(articles, eq(articles.id, favorites.articleId))
    .where(eq(articles.slug, slug));
  return row!.n;
}

async function followRows(follower: string, followee: string): Promise<number> {
  const db = database();
  const idOf = async (username: string) =>
    (await db.select({ id: users.id }).from(users).where(eq(users.username, username)))[0]!.id;
  const [row] = await db
    .select({ n: count() })
    .from(follows)
    .where(and(eq(follows.followerId, await idOf(follower)), eq(follows.followeeId, await idOf(followee))));
  return row!.n;
}

test('20 users favoriting one article at once count exactly 20', async () => {
  const author = await registerUser();
  const { slug } = await createArticle(author.token);
  const fans = await Promise.all(Array.from({ length: 20 }, () => registerUser()));

  const responses = await Promise.all(
    fans.map((fan) => api.post(`/api/articles/${slug}/favorite`, undefined, { token: fan.token })),
  );

  expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
  expect(responses.every((response) => response.body.article.favorited === true)).toBe(true);
  expect((await api.get(`/api/articles/${slug}`)).body.article.favoritesCount).toBe(20);
  expect(await favoriteRows(slug)).toBe(20);
});

test('one user favoriting the same article 5 times at once counts once', async () => {
  const author = await registerUser();
  const fan = await registerUser();
  const { slug } = await createArticle(author.token);

  const responses = await Promise.all(
    Array.from({ length: 5 }, () =>
      api.post(`/api/articles/${slug}/favorite`, undefined, { token: fan.token }),
    ),
  );

  expect(responses.map((response) => response.status)).toEqual(Array(5).fill(200));
  const article = (await api.get(`/api/articles/${slug}`, { token: fan.token })).body.article;
  expect(article).toMatchObject({ favorited: true, favoritesCount: 1 });
  expect(await favoriteRows(slug)).toBe(1);
});

test('concurrent unfavorites of one favorite all succeed and leave 0', async () => {
  const author = await registerUser();
  const fan = await registerUser();
  const { slug } = await createArticle(author.token);
  await api.post(`/api/articles/${slug}/favorite`, undefined, { token: fan.token });

  const responses = await Promise.all(
    Array.from({ length: 5 }, () => api.delete(`/api/articles/${slug}/favorite`, { token: fan.token })),
  );

  expect(responses.map((response) => response.status)).toEqual(Array(5).fill(200));
  expect(await favoriteRows(slug)).toBe(0);
});

test('following the same user 5 times at once is idempotent', async () => {
  const follower = await registerUser();
  const followee = await registerUser();

  const responses = await Promise.all(
    Array.from({ length: 5 }, () =>
      api.post(`/api/profiles/${followee.username}/follow`, undefined, { token: follower.token }),
    ),
  );

  expect(responses.map((response) => response.status)).toEqual(Array(5).fill(200));
  expect(responses.every((response) => response.body.profile.following === true)).toBe(true);
  expect(await followRows(follower.username, followee.username)).toBe(1);
  const profile = await api.get(`/api/profiles/${followee.username}`, { token: follower.token });
  expect(profile.body.profile.following).toBe(true);
});

test('8 concurrent creates with one title all succeed with 8 distinct slugs', async () => {
  const authors = await Promise.all(Array.from({ length: 4 }, () => registerUser()));
  const title = unique('Race ');
  const tag = unique('race-');

  const responses = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      api.post(
        '/api/articles',
        { article: { title, description: 'd', body: `body ${i}`, tagList: [tag, 'concurrency'] } },
        { token: authors[i % authors.length]!.token },
      ),
    ),
  );

  expect(responses.map((response) => response.status)).toEqual(Array(8).fill(201));
  const slugs = responses.map((response) => response.body.article.slug as string);
  expect(new Set(slugs).size).toBe(8);
  const listed = await api.get(`/api/articles?tag=${tag}`);
  expect(listed.body.articlesCount).toBe(8);
  expect(new Set(listed.body.articles.map(({ slug }: { slug: string }) => slug))).toEqual(new Set(slugs));
  for (const response of responses) {
    const read = await api.get(`/api/articles/${response.body.article.slug}`);
    expect(read.body.article.body).toBe(response.body.article.body);
    expect(read.body.article.tagList).toEqual(['concurrency', tag].sort(byTagName));
  }
});

test('8 concurrent updates giving different articles the same new tags all succeed', async () => {
  const author = await registerUser();
  const created = await Promise.all(Array.from({ length: 8 }, () => createArticle(author.token)));
  const tagList = [unique('shared-a-'), unique('shared-b-'), 'concurrency'];

  const responses = await Promise.all(
    created.map(({ slug }, i) =>
      api.put(
        `/api/articles/${slug}`,
        { article: { tagList: [...tagList, `${tagList[0]}-${i % 2}`] } },
        { token: author.token },
      ),
    ),
  );

  expect(responses.map((response) => response.status)).toEqual(Array(8).fill(200));
  const listed = await api.get(`/api/articles?tag=${tagList[1]}`);
  expect(listed.body.articlesCount).toBe(8);
  for (const [i, { slug }] of created.entries()) {
    const read = await api.get(`/api/articles/${slug}`);
    expect(read.body.article.tagList).toEqual([...tagList, `${tagList[0]}-${i % 2}`].sort(byTagName));
  }
});

// Five: login throttling counts an attempt before checking its password (see login-throttling.test.ts), so
// a sixth simultaneous sign-in of one account would be refused like a sixth guess.
test('one user signing in on 5 devices at once gets 5 working sessions', async () => {
  const user = await registerUser();

  const responses = await Promise.all(
    Array.from({ length: 5 }, () =>
      api.post('/api/users/login', { user: { email: user.email, password: user.password } }),
    ),
  );

  expect(responses.map((response) => response.status)).toEqual(Array(5).fill(200));
  const sessionIds = new Set(responses.map(({ body }) => decodeJwt(body.user.token).sid));
  expect(sessionIds.size).toBe(5);
  const checks = await Promise.all(
    responses.map(({ body }) => api.get('/api/user', { token: body.user.token })),
  );
  expect(checks.map((response) => response.status)).toEqual(Array(5).fill(200));
});
