import { createHash, randomUUID } from 'node:crypto';
import { closeDatabase } from '#db/client';
import { api } from '../support/api';
import { createArticle, registerUser, unique, type TestUser } from '../support/fixtures';
import { databaseThroughProxy, type DatabaseProxy } from '../support/database-proxy';
import { asAdmin } from '../support/test-database';
import { startNewContainer } from '../support/container';

afterAll(closeDatabase);

let author: TestUser;

beforeAll(async () => {
  author = await registerUser();
});

const newArticle = (title = unique('Idempotent ')) => ({
  article: { title, description: 'd', body: 'b', tagList: ['idempotent'] },
});

async function articlesTitled(title: string): Promise<number> {
  const [row] = await asAdmin<{ n: number }[]>('select count(*) as n from articles where title = ?', [title]);
  return Number(row!.n);
}

describe('POST /api/articles with an Idempotency-Key', () => {
  test('a retry with the same key and body gets the first reply, and no second article', async () => {
    const body = newArticle();
    const headers = { 'idempotency-key': randomUUID() };

    const first = await api.post('/api/articles', body, { token: author.token, headers });
    const retry = await api.post('/api/articles', body, { token: author.token, headers });

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await articlesTitled(body.article.title)).toBe(1);
  });

  test('two requests with the same key at the same moment make one article and get the same reply', async () => {
    const body = newArticle();
    const headers = { 'idempotency-key': randomUUID() };

    const replies = await Promise.all(
      [1, 2, 3].map(() => api.post('/api/articles', body, { token: author.token, headers })),
    );

    expect(replies.map(({ status }) => status)).toEqual([201, 201, 201]);
    expect(new Set(replies.map(({ raw }) => raw)).size).toBe(1);
    expect(await articlesTitled(body.article.title)).toBe(1);
  });

  test('the same key with another body is a 422, and creates nothing', async () => {
    const headers = { 'idempotency-key': randomUUID() };
    await api.post('/api/articles', newArticle(), { token: author.token, headers });
    const other = newArticle();

    const response = await api.post('/api/articles', other, { token: author.token, headers });

    expect(response.status).toBe(422);
    expect(response.body).toEqual({ errors: { idempotencyKey: ['was used with a different request'] } });
    expect(await articlesTitled(other.article.title)).toBe(0);
  });

  test("one user's key is not another's", async () => {
    const other = await registerUser();
    const headers = { 'idempotency-key': randomUUID() };
    const body = newArticle();

    const mine = await api.post('/api/articles', body, { token: author.token, headers });
    const theirs = await api.post('/api/articles', body, { token: other.token, headers });

    expect(theirs.status).toBe(201);
    expect(theirs.body.article.author.username).toBe(other.username);
    expect(theirs.body.article.slug).not.toBe(mine.body.article.slug);
  });

  test('a request that failed keeps nothing: a retry with the key runs again', async () => {
    const headers = { 'idempotency-key': randomUUID() };
    const title = unique('Retried ');

    const failed = await api.post(
      '/api/articles',
      { article: { title, description: '' } },
      {
        token: author.token,
        headers,
      },
    );
    const retried = await api.post('/api/articles', newArticle(title), { token: author.token, headers });

    expect(failed.status).toBe(422);
    expect(retried.status).toBe(201);
    expect(await articlesTitled(title)).toBe(1);
  });

  test('a key is kept 24 hours: once expired, the same key runs again', async () => {
    const key = randomUUID();
    const body = newArticle();
    await api.post('/api/articles', body, { token: author.token, headers: { 'idempotency-key': key } });
    const [claim] = await asAdmin<{ expires_at: Date; created_at: Date }[]>(
      'select expires_at, created_at from idempotency_keys where idempotency_key = ?',
      [key],
    );
    // Both are stamped by the service a moment apart.
    const keptMs = claim!.expires_at.getTime() - claim!.created_at.getTime();
    expect(keptMs).toBeGreaterThan(24 * 60 * 60 * 1000 - 1000);
    expect(keptMs).toBeLessThanOrEqual(24 * 60 * 60 * 1000);

    await asAdmin(
      'update idempotency_keys set expires_at = now(3) - interval 1 second where idempotency_key = ?',
      [key],
    );
    const again = await api.post('/api/articles', body, {
      token: author.token,
      headers: { 'idempotency-key': key },
    });

    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(await articlesTitled(body.article.title)).toBe(2);
  });

  test.each(['', 'a'.repeat(256), 'has space', 'naïve'])('refuses the key "%s" with a 422', async (key) => {
    const body = newArticle();

    const response = await api.post('/api/articles', body, {
      token: author.token,
      headers: { 'idempotency-key': key },
    });

    expect(response.status).toBe(422);
    expect(response.body.errors.idempotencyKey).toEqual(['must be 1 to 255 visible ASCII characters']);
    expect(await articlesTitled(body.article.title)).toBe(0);
  });

  test('without the header, every request creates', async () => {
    const body = newArticle();

    await api.post('/api/articles', body, { token: author.token });
    await api.post('/api/articles', body, { token: author.token });

    expect(await articlesTitled(body.article.title)).toBe(2);
  });
});

test('POST /api/articles/{slug}/comments: a retry gets the first comment; the key on another article is a 422', async () => {
  const { slug } = await createArticle(author.token);
  const { slug: otherSlug } = await createArticle(author.token);
  const headers = { 'idempotency-key': randomUUID() };
  const body = { comment: { body: unique('Once ') } };

  const first = await api.post(`/api/articles/${slug}/comments`, body, { token: author.token, headers });
  const retry = await api.post(`/api/articles/${slug}/comments`, body, { token: author.token, headers });
  const elsewhere = await api.post(`/api/articles/${otherSlug}/comments`, body, {
    token: author.token,
    headers,
  });
  const listed = await api.get(`/api/articles/${slug}/comments`);

  expect(retry.body).toEqual(first.body);
  expect(listed.body.comments).toHaveLength(1);
  expect(elsewhere.status).toBe(422);
});

describe('POST /api/users with an Idempotency-Key', () => {
  const saved = process.env.JWT_SIGNING_KEYS!;
  const registration = () => {
    const username = unique('idem');
    return { user: { username, email: `${username}@example.com`, password: 'password123' } };
  };

  afterAll(async () => {
    process.env.JWT_SIGNING_KEYS = saved;
    await startNewContainer();
  });

  test('a retried registration gets the first reply, tokens included, and keeps no secret in clear', async () => {
    const body = registration();
    const headers = { 'idempotency-key': randomUUID() };

    const first = await api.post('/api/users', body, { headers });
    const retry = await api.post('/api/users', body, { headers });

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const [row] = await asAdmin<{ request_hash: string; response_body: string }[]>(
      'select request_hash, response_body from idempotency_keys where idempotency_key = ?',
      [headers['idempotency-key']],
    );
    const plainDigest = createHash('sha256')
      .update(JSON.stringify({ body: { user: body.user } }))
      .digest('hex');
    expect(row!.request_hash).not.toBe(plainDigest);
    for (const secret of [first.body.user.token, first.body.user.refreshToken, body.user.email])
      expect(row!.response_body.includes(secret)).toBe(false);
  });

  test('across a signing-key rotation the retry still replays; once the old key is gone it runs again (409)', async () => {
    const body = registration();
    const headers = { 'idempotency-key': randomUUID() };
    const first = await api.post('/api/users', body, { headers });
    const newest = `rotated=${'n'.repeat(40)}`;

    process.env.JWT_SIGNING_KEYS = `${newest},${saved}`;
    await startNewContainer();
    const during = await api.post('/api/users', body, { headers });
    process.env.JWT_SIGNING_KEYS = newest;
    await startNewContainer();
    const after = await api.post('/api/users', body, { headers });

    expect(first.status).toBe(201);
    expect(during.body).toEqual(first.body);
    expect(after.status).toBe(409);
  });
});

describe('what a retry after an unknown outcome, or a differently spelled request, gets', () => {
  let wire: DatabaseProxy;

  beforeAll(async () => {
    wire = await databaseThroughProxy();
  });

  afterAll(() => wire.restore());

  test('a create whose reply was lost (503) keeps its claim: the retry creates nothing and gets 409', async () => {
    const body = newArticle();
    const headers = { 'idempotency-key': randomUUID() };
    // The server commits the article, then the connection dies before its reply arrives.
    wire.cut(/^commit/i, 'executed');

    const lost = await api.post('/api/articles', body, { token: author.token, headers });
    const retry = await api.post('/api/articles', body, { token: author.token, headers });

    expect(lost.status).toBe(503);
    expect(retry.status).toBe(409);
    expect(retry.body).toEqual({
      errors: { idempotencyKey: ['is in use by a request still running, retry later'] },
    });
    expect(Number(retry.headers['retry-after'])).toBeGreaterThan(0);
    expect(await articlesTitled(body.article.title)).toBe(1);
  }, 15_000);

  test('the same request spelled differently (keys in another order, unknown fields) is still the same', async () => {
    const title = unique('Spelled ');
    const headers = { 'idempotency-key': randomUUID() };

    const first = await api.post(
      '/api/articles',
      `{"article":{"title":"${title}","description":"d","body":"b"}}`,
      { token: author.token, headers },
    );
    const retry = await api.post(
      '/api/articles',
      `{ "article": { "body": "b", "ignored": 1, "description": "d", "title": "${title}" } }`,
      { token: author.token, headers },
    );

    expect(first.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await articlesTitled(title)).toBe(1);
  });

  test('keys are compared byte for byte: "abc" and "ABC" are two keys', async () => {
    const body = newArticle();
    const key = unique('Key-');

    await api.post('/api/articles', body, { token: author.token, headers: { 'idempotency-key': key } });
    const other = await api.post('/api/articles', body, {
      token: author.token,
      headers: { 'idempotency-key': key.toUpperCase() },
    });

    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(await articlesTitled(body.article.title)).toBe(2);
  });
});
