import { closeDatabase } from '#db/client';
import { api } from '../support/api';
import { asAdmin } from '../support/test-database';
import { createArticle, registerUser, unique, type TestUser } from '../support/fixtures';

afterAll(closeDatabase);

/** articlesCount of a tag's list, and how many articles its pages hold. */
async function tagged(tag: string): Promise<{ count: number; listed: number }> {
  const response = await api.get(`/api/articles?tag=${tag}&limit=100`);
  if (response.status !== 200) throw new Error(`list failed: ${response.status} ${response.raw}`);
  return { count: response.body.articlesCount, listed: response.body.articles.length };
}

async function tagsInUse(): Promise<string[]> {
  return (await api.get('/api/tags')).body.tags;
}

/**
 * The triggers' counts against a count of the rows, each in one statement (one consistent snapshot), so other
 * suites writing at the same moment cannot make them differ.
 */
async function driftedCounts(): Promise<{ total: number; tags: string[] }> {
  const [row] = await asAdmin<{ drift: number }[]>(
    `select (select value from counters where name = 'live_articles')
          - (select count(*) from articles where deleted_at is null) as drift`,
  );
  const wrong = await asAdmin<{ name: string }[]>(
    `select t.name from tags t
     where t.articles_count <> (select count(*) from article_tags x join articles a on a.id = x.article_id
                                where x.tag_id = t.id and a.deleted_at is null)`,
  );
  return { total: Number(row!.drift), tags: wrong.map(({ name }) => name) };
}

const expectOk = async (request: Promise<{ status: number; raw: string }>) => {
  const response = await request;
  if (response.status >= 300) throw new Error(`${response.status} ${response.raw}`);
};

describe('list counts kept by triggers (migration 0003)', () => {
  let author: TestUser;
  beforeAll(async () => {
    author = await registerUser();
  });

  test('follow creating, retagging and deleting articles', async () => {
    const [a, b, c] = [unique('cnt-a-'), unique('cnt-b-'), unique('cnt-c-')];
    const first = await createArticle(author.token, { tagList: [a, b] });
    await createArticle(author.token, { tagList: [a] });
    expect(await tagged(a)).toEqual({ count: 2, listed: 2 });
    expect(await tagged(b)).toEqual({ count: 1, listed: 1 });

    await expectOk(
      api.put(`/api/articles/${first.slug}`, { article: { tagList: [b, c] } }, { token: author.token }),
    );
    expect(await tagged(a)).toEqual({ count: 1, listed: 1 });
    expect(await tagged(c)).toEqual({ count: 1, listed: 1 });

    await expectOk(api.delete(`/api/articles/${first.slug}`, { token: author.token }));
    expect(await tagged(b)).toEqual({ count: 0, listed: 0 });
    expect(await tagged(c)).toEqual({ count: 0, listed: 0 });
    const inUse = await tagsInUse();
    expect(inUse).toContain(a);
    expect(inUse).not.toContain(b);
    expect(inUse).not.toContain(c);
    expect(await driftedCounts()).toEqual({ total: 0, tags: [] });
  });

  test('an edit that leaves an article live changes no count', async () => {
    const tag = unique('cnt-edit-');
    const article = await createArticle(author.token, { tagList: [tag] });

    await expectOk(
      api.put(`/api/articles/${article.slug}`, { article: { body: 'edited' } }, { token: author.token }),
    );

    expect(await tagged(tag)).toEqual({ count: 1, listed: 1 });
    expect(await driftedCounts()).toEqual({ total: 0, tags: [] });
  });

  test('follow closing an account with live and deleted articles', async () => {
    const leaver = await registerUser();
    const tag = unique('cnt-leaver-');
    await createArticle(leaver.token, { tagList: [tag] });
    const withdrawn = await createArticle(leaver.token, { tagList: [tag] });
    await createArticle(author.token, { tagList: [tag] });
    await expectOk(api.delete(`/api/articles/${withdrawn.slug}`, { token: leaver.token }));
    expect(await tagged(tag)).toEqual({ count: 2, listed: 2 });

    await expectOk(api.delete('/api/user', { token: leaver.token }));

    expect(await tagged(tag)).toEqual({ count: 1, listed: 1 });
    expect(await driftedCounts()).toEqual({ total: 0, tags: [] });
  });

  test('hold when articles sharing tags are created at the same moment', async () => {
    const tags = [unique('cnt-race-'), unique('cnt-race-')];

    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api.post(
          '/api/articles',
          { article: { title: unique(`Race ${i} `), description: 'd', body: 'b', tagList: tags } },
          { token: author.token },
        ),
      ),
    );

    expect(replies.map(({ status }) => status)).toEqual(Array(8).fill(201));
    expect(await tagged(tags[0]!)).toEqual({ count: 8, listed: 8 });
    expect(await driftedCounts()).toEqual({ total: 0, tags: [] });
  });

  test('two articles swapping their tags at the same moment both succeed (no deadlock)', async () => {
    const [x, y] = [unique('cnt-swap-'), unique('cnt-swap-')];
    const first = await createArticle(author.token, { tagList: [x] });
    const second = await createArticle(author.token, { tagList: [y] });
    const retag = (slug: string, tag: string) =>
      api.put(`/api/articles/${slug}`, { article: { tagList: [tag] } }, { token: author.token });

    const statuses: number[] = [];
    for (let round = 0; round < 10; round++) {
      const [a, b] = round % 2 ? [x, y] : [y, x];
      const replies = await Promise.all([retag(first.slug, a), retag(second.slug, b)]);
      statuses.push(...replies.map(({ status }) => status));
    }

    expect(statuses).toEqual(Array(20).fill(200));
    expect(await driftedCounts()).toEqual({ total: 0, tags: [] });
  });

  test('a page past the end still carries the count', async () => {
    const tag = unique('cnt-past-');
    await createArticle(author.token, { tagList: [tag] });

    const response = await api.get(`/api/articles?tag=${tag}&offset=5`);

    expect(response.body).toEqual({ articles: [], articlesCount: 1 });
  });
});
