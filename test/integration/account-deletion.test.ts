import { closeDatabase } from '#db/client';
import { api } from '../support/api';
import { databaseThroughProxy, type DatabaseProxy } from '../support/database-proxy';
import { createArticle, registerUser, unique, type TestUser } from '../support/fixtures';
import { asAdmin } from '../support/test-database';

afterAll(closeDatabase);

// Most tests first build a small community: three accounts and a second sign-in, four password hashes.
jest.setTimeout(20_000);

const tokenMissing = { errors: { token: ['is missing'] } };
const tokenInvalid = { errors: { token: ['is invalid'] } };
const refreshInvalid = { errors: { refreshToken: ['is invalid'] } };
const profileNotFound = { errors: { profile: ['not found'] } };

type Row = Record<string, unknown>;

interface Member extends TestUser {
  id: number;
}

async function member(): Promise<Member> {
  const user = await registerUser();
  const [row] = await asAdmin<{ id: number }[]>('select id from users where username = ?', [user.username]);
  return { ...user, id: row!.id };
}

async function login({ email, password }: TestUser): Promise<{ token: string; refreshToken: string }> {
  const response = await api.post('/api/users/login', { user: { email, password } });
  expect(response.status).toBe(200);
  return response.body.user;
}

const comment = (author: TestUser, slug: string, body: string) =>
  api.post(`/api/articles/${slug}/comments`, { comment: { body } }, { token: author.token });

/** The status, with the body beside it so that a failure shows why. */
async function expectStatus(status: number, response: Promise<{ status: number; raw: string }>) {
  const { status: actual, raw } = await response;
  expect([actual, raw]).toEqual([status, raw]);
}

const deleteAccount = (token?: string) => api.delete('/api/user', { token });

/**
 * The one who leaves and everything that ties them to others: two sessions (one of them with a refresh token
 * at hand), a provider identity, follows both ways, articles (one of them deleted) with tags, comments
 * (some deleted) and favorites from others, and their own comments and favorites on someone else's article.
 * `friend` and `bystander` also have ties that do not involve the leaver: those must survive.
 */
async function community() {
  const [leaver, friend, bystander] = await Promise.all([member(), member(), member()]);
  const device = await login(leaver);
  const tag = unique('gone-');
  const sharedTag = unique('shared-');
  const article = await createArticle(leaver.token, { tagList: [tag, sharedTag] });
  const withdrawn = await createArticle(leaver.token, { tagList: [tag] });
  const friendsArticle = await createArticle(friend.token, { tagList: [sharedTag] });
  const retracted = (await comment(friend, article.slug, 'Retracted')).body.comment;
  const regretted = (await comment(leaver, friendsArticle.slug, 'Regretted')).body.comment;
  const setUp = [
    comment(friend, article.slug, 'From the friend'),
    comment(leaver, article.slug, 'From the author'),
    comment(leaver, friendsArticle.slug, 'From the leaver'),
    comment(bystander, friendsArticle.slug, 'From the bystander'),
    api.delete(`/api/articles/${article.slug}/comments/${retracted.id}`, { token: friend.token }),
    api.delete(`/api/articles/${friendsArticle.slug}/comments/${regretted.id}`, { token: leaver.token }),
    api.post(`/api/articles/${article.slug}/favorite`, undefined, { token: friend.token }),
    api.post(`/api/articles/${withdrawn.slug}/favorite`, undefined, { token: bystander.token }),
    api.post(`/api/articles/${friendsArticle.slug}/favorite`, undefined, { token: leaver.token }),
    api.post(`/api/articles/${friendsArticle.slug}/favorite`, undefined, { token: bystander.token }),
    api.post(`/api/profiles/${friend.username}/follow`, undefined, { token: leaver.token }),
    api.post(`/api/profiles/${leaver.username}/follow`, undefined, { token: friend.token }),
    api.post(`/api/profiles/${bystander.username}/follow`, undefined, { token: friend.token }),
  ];
  for (const response of await Promise.all(setUp)) expect([200, 201, 204]).toContain(response.status);
  // After its favorite: a deleted article keeps its rows, which must go with its author all the same.
  await expectStatus(204, api.delete(`/api/articles/${withdrawn.slug}`, { token: leaver.token }));
  // The API cannot link an identity without a provider; the row is what a social sign-in writes.
  await asAdmin(
    `insert into user_identities (provider, subject, user_id, email, created_at, updated_at)
     values ('google', ?, ?, ?, now(3), now(3))`,
    [unique('subject-'), leaver.id, leaver.email],
  );
  return { leaver, device, friend, bystander, article, withdrawn, friendsArticle, tag, sharedTag };
}

/** The ids rows about some users refer to: the users, their articles (deleted ones too), their sessions. */
interface Scope {
  users: number[];
  articles: number[];
  sessions: number[];
}

async function scopeOf(...users: Member[]): Promise<Scope> {
  const ids = users.map(({ id }) => id);
  const idsIn = async (sql: string) => (await asAdmin<{ id: number }[]>(sql, [ids])).map(({ id }) => id);
  return {
    users: ids,
    articles: await idsIn('select id from articles where author_id in (?)'),
    sessions: await idsIn('select id from sessions where user_id in (?)'),
  };
}

/** Every row of every table that refers to something in `scope`, by table. */
async function footprint({ users, articles, sessions }: Scope): Promise<Record<string, Row[]>> {
  const rows = (sql: string, values: unknown[]) => asAdmin<Row[]>(sql, values);
  return {
    users: await rows('select * from users where id in (?) order by id', [users]),
    sessions: await rows('select * from sessions where user_id in (?) order by id', [users]),
    refresh_tokens: await rows('select * from refresh_tokens where session_id in (?) order by id', [
      sessions,
    ]),
    user_identities: await rows('select * from user_identities where user_id in (?) order by subject', [
      users,
    ]),
    follows: await rows(
      'select * from follows where follower_id in (?) or followee_id in (?) order by follower_id, followee_id',
      [users, users],
    ),
    articles: await rows('select * from articles where id in (?) or author_id in (?) order by id', [
      articles,
      users,
    ]),
    comments: await rows('select * from comments where article_id in (?) or author_id in (?) order by id', [
      articles,
      users,
    ]),
    favorites: await rows(
      'select * from favorites where article_id in (?) or user_id in (?) order by article_id, user_id',
      [articles, users],
    ),
    article_tags: await rows(
      'select * from article_tags where article_id in (?) order by article_id, tag_id',
      [articles],
    ),
  };
}

/** Whether a row of `table` refers to the user of `scope` or to one of their articles or sessions. */
function refersTo({ users: [user], articles, sessions }: Scope) {
  const isArticle = (id: unknown) => articles.includes(id as number);
  const refers: Record<string, (row: Row) => boolean> = {
    users: (row) => row.id === user,
    sessions: (row) => row.user_id === user,
    refresh_tokens: (row) => sessions.includes(row.session_id as number),
    user_identities: (row) => row.user_id === user,
    follows: (row) => row.follower_id === user || row.followee_id === user,
    articles: (row) => row.author_id === user || isArticle(row.id),
    comments: (row) => row.author_id === user || isArticle(row.article_id),
    favorites: (row) => row.user_id === user || isArticle(row.article_id),
    article_tags: (row) => isArticle(row.article_id),
  };
  return (table: string, row: Row) => refers[table]!(row);
}

const countsOf = (rows: Record<string, Row[]>, keep: (table: string, row: Row) => boolean) =>
  Object.fromEntries(
    Object.entries(rows).map(([table, list]) => [table, list.filter((row) => keep(table, row)).length]),
  );

const withoutRowsThat = (rows: Record<string, Row[]>, drop: (table: string, row: Row) => boolean) =>
  Object.fromEntries(
    Object.entries(rows).map(([table, list]) => [table, list.filter((row) => !drop(table, row))]),
  );

/** What community() ties to the leaver, table by table: every table that refers to a user has some. */
const leaverRows = {
  users: 1,
  sessions: 2,
  refresh_tokens: 2,
  user_identities: 1,
  follows: 2,
  articles: 2,
  comments: 5,
  favorites: 3,
  article_tags: 3,
};

describe('DELETE /api/user', () => {
  test("answers 204 with no body, and deletes every row about the account and nobody else's", async () => {
    // Arrange
    const { leaver, friend, bystander } = await community();
    const scope = await scopeOf(leaver, friend, bystander);
    const leaverScope = await scopeOf(leaver);
    const before = await footprint(scope);
    expect(countsOf(before, refersTo(leaverScope))).toEqual(leaverRows);

    // Act
    const response = await deleteAccount(leaver.token);

    // Assert
    expect(response.status).toBe(204);
    expect(response.raw).toBe('');
    const after = await footprint(scope);
    expect(after).toEqual(withoutRowsThat(before, refersTo(leaverScope)));
    // The others' own ties are there to be kept: their article, comment, favorite, follow and sessions.
    expect(countsOf(after, () => true)).toEqual({
      users: 2,
      sessions: 2,
      refresh_tokens: 2,
      user_identities: 0,
      follows: 1,
      articles: 1,
      comments: 1,
      favorites: 1,
      article_tags: 1,
    });
  });

  test('the profile answers 404 and the articles are gone from every list, feed and count', async () => {
    // Arrange
    const { leaver, friend, bystander, article, friendsArticle, tag, sharedTag } = await community();
    const feedBefore = await api.get('/api/articles/feed', { token: friend.token });
    expect(feedBefore.body.articles.map(({ slug }: { slug: string }) => slug)).toContain(article.slug);

    // Act
    await expectStatus(204, deleteAccount(leaver.token));

    // Assert
    const profile = await api.get(`/api/profiles/${leaver.username}`, { token: friend.token });
    expect([profile.status, profile.body]).toEqual([404, profileNotFound]);
    expect((await api.get(`/api/articles/${article.slug}`)).status).toBe(404);
    for (const query of [`author=${leaver.username}`, `favorited=${leaver.username}`, `tag=${tag}`]) {
      const list = await api.get(`/api/articles?${query}`);
      expect([query, list.body]).toEqual([query, { articles: [], articlesCount: 0 }]);
    }
    const feed = await api.get('/api/articles/feed', { token: friend.token });
    expect(feed.body).toEqual({ articles: [], articlesCount: 0 });
    const tags = (await api.get('/api/tags')).body.tags;
    expect(tags).not.toContain(tag);
    expect(tags).toContain(sharedTag);
    // As when an article is deleted, its tags stay in the table for the next article that uses them.
    expect(await asAdmin<Row[]>('select id from tags where name = ?', [tag])).toHaveLength(1);

    const remaining = await api.get(`/api/articles/${friendsArticle.slug}`, { token: bystander.token });
    expect(remaining.body.article).toMatchObject({
      favorited: true,
      favoritesCount: 1,
      tagList: [sharedTag],
    });
    const comments = await api.get(`/api/articles/${friendsArticle.slug}/comments`);
    expect(comments.body.comments.map(({ body }: { body: string }) => body)).toEqual(['From the bystander']);
    const followed = await api.get(`/api/profiles/${bystander.username}`, { token: friend.token });
    expect(followed.body.profile.following).toBe(true);
  });

  test("every token of the account stops working: each session's access token and refresh token", async () => {
    // Arrange
    const { leaver, device } = await community();

    // Act
    await expectStatus(204, deleteAccount(device.token));

    // Assert
    for (const token of [leaver.token, device.token]) {
      const current = await api.get('/api/user', { token });
      expect([current.status, current.body]).toEqual([401, tokenInvalid]);
    }
    const again = await deleteAccount(leaver.token);
    expect([again.status, again.body]).toEqual([401, tokenInvalid]);
    const refresh = await api.post('/api/users/refresh', { refreshToken: device.refreshToken });
    expect([refresh.status, refresh.body]).toEqual([401, refreshInvalid]);
    const signIn = await api.post('/api/users/login', {
      user: { email: leaver.email, password: leaver.password },
    });
    expect(signIn.status).toBe(401);
  });

  test('the username and e-mail can be registered again, by a new account with nothing of the old one', async () => {
    // Arrange
    const { leaver, friend, article } = await community();
    await expectStatus(204, deleteAccount(leaver.token));

    // Act
    const newcomer = await registerUser({ username: leaver.username, email: leaver.email });

    // Assert
    const current = await api.get('/api/user', { token: newcomer.token });
    expect(current.body.user).toMatchObject({ username: leaver.username, email: leaver.email });
    expect((await api.get(`/api/articles?author=${leaver.username}`)).body.articlesCount).toBe(0);
    expect((await api.get(`/api/articles/${article.slug}`)).status).toBe(404);
    const seenByFriend = await api.get(`/api/profiles/${leaver.username}`, { token: friend.token });
    expect(seenByFriend.body.profile.following).toBe(false);
    const friendSeen = await api.get(`/api/profiles/${friend.username}`, { token: newcomer.token });
    expect(friendSeen.body.profile.following).toBe(false);
  });

  test('an account that never wrote, followed or favorited anything is deleted too', async () => {
    // Arrange
    const lurker = await member();

    // Act
    const response = await deleteAccount(lurker.token);

    // Assert
    expect(response.status).toBe(204);
    expect(await asAdmin<Row[]>('select id from users where id = ?', [lurker.id])).toEqual([]);
    expect((await api.get('/api/user', { token: lurker.token })).status).toBe(401);
  });

  test('without a token, or with an invalid one, it is 401 and the account stays', async () => {
    // Arrange
    const user = await registerUser();

    // Act
    const missing = await deleteAccount();
    const invalid = await deleteAccount(`${user.token}x`);

    // Assert
    expect([missing.status, missing.body]).toEqual([401, tokenMissing]);
    expect([invalid.status, invalid.body]).toEqual([401, tokenInvalid]);
    expect((await api.get('/api/user', { token: user.token })).status).toBe(200);
  });
});

describe('DELETE /api/user, watched on the wire', () => {
  let proxy: DatabaseProxy;

  beforeAll(async () => {
    proxy = await databaseThroughProxy();
  });

  afterEach(() => proxy.resume());

  afterAll(() => proxy.restore());

  test('a connection lost in the middle, before the last delete: 503, every row as it was, and a retry deletes it all', async () => {
    // Arrange: everything else is deleted by then, within the transaction
    const { leaver, friend, bystander } = await community();
    const scope = await scopeOf(leaver, friend, bystander);
    const leaverScope = await scopeOf(leaver);
    const before = await footprint(scope);
    const sentBefore = proxy.statements.length;
    proxy.cut(/^delete from `users`/, 'unsent');

    // Act
    const response = await deleteAccount(leaver.token);

    // Assert
    expect(response.status).toBe(503);
    const deletedFrom = proxy.statements
      .slice(sentBefore)
      .flatMap((sql) => /^delete from `(\w+)`/.exec(sql)?.[1] ?? []);
    expect(new Set(deletedFrom)).toEqual(
      new Set(['comments', 'favorites', 'article_tags', 'articles', 'follows', 'users']),
    );
    expect(await footprint(scope)).toEqual(before);
    await expectStatus(204, deleteAccount(leaver.token));
    expect(await footprint(scope)).toEqual(withoutRowsThat(before, refersTo(leaverScope)));
  });

  test('costs the same number of statements for an account with 1 article and one with 6', async () => {
    // Arrange: each article with a comment and a favorite from someone else
    const reader = await registerUser();
    const authorWith = async (articles: number) => {
      const author = await registerUser();
      for (let i = 0; i < articles; i++) {
        const { slug } = await createArticle(author.token, { tagList: [unique('t-')] });
        await expectStatus(201, comment(reader, slug, 'Read it'));
        await expectStatus(
          200,
          api.post(`/api/articles/${slug}/favorite`, undefined, { token: reader.token }),
        );
      }
      return author;
    };
    const [light, prolific] = await Promise.all([authorWith(1), authorWith(6)]);
    const statementsOf = async (token: string) => {
      const before = proxy.statements.length;
      await expectStatus(204, deleteAccount(token));
      return proxy.statements.length - before;
    };

    // Act
    const lightCost = await statementsOf(light.token);
    const prolificCost = await statementsOf(prolific.token);

    // Assert
    expect(prolificCost).toBe(lightCost);
  });

  test('a statement the server refuses in the middle: 500, and nothing deleted', async () => {
    // Arrange: the server refuses to delete this one account, after every other delete went through
    const { leaver, friend, bystander } = await community();
    const scope = await scopeOf(leaver, friend, bystander);
    const before = await footprint(scope);
    const trigger = unique('refuse_deletion_');
    await asAdmin(
      `create trigger ${trigger} before delete on users for each row
       if old.id = ? then signal sqlstate '45000' set message_text = 'refused by the test'; end if`,
      [leaver.id],
    );

    // Act
    const response = await deleteAccount(leaver.token).finally(() => asAdmin(`drop trigger ${trigger}`));

    // Assert
    expect(response.status).toBe(500);
    expect(await footprint(scope)).toEqual(before);
    expect((await api.get('/api/user', { token: leaver.token })).status).toBe(200);
  });
});

describe('a write that races the deletion of what it refers to', () => {
  test('a comment on an article deleted between its lookup and its insert answers 404, not 500', async () => {
    // Arrange: the comment's insert finds its article gone, as when the author deletes their account after
    // the comment route looked the article up. A trigger deletes the article just before this one insert.
    const author = await registerUser();
    const reader = await registerUser();
    const { slug } = await createArticle(author.token);
    const marker = unique('gone-meanwhile-');
    const trigger = unique('delete_article_first_');
    await asAdmin(
      `create trigger ${trigger} before insert on comments for each row
       if new.body = ? then delete from articles where id = new.article_id; end if`,
      [marker],
    );

    // Act
    const response = await api
      .post(`/api/articles/${slug}/comments`, { comment: { body: marker } }, { token: reader.token })
      .finally(() => asAdmin(`drop trigger ${trigger}`));

    // Assert
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errors: { article: ['not found'] } });
  });
});
