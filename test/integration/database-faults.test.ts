import { setTimeout as sleep } from 'node:timers/promises';
import { database, statementDeadlineMs, trustedForMs } from '#db/client';
import { comments } from '#db/schema/comments';
import { api, type ApiResponse } from '../support/api';
import { databaseThroughProxy, type DatabaseProxy } from '../support/database-proxy';
import { createArticle, registerUser, unique, type TestUser } from '../support/fixtures';
import { asAdmin } from '../support/test-database';
import { clearCapturedLines, logLines } from '../support/log-capture';

// The functions reach the database through a proxy this file controls, which stalls the network or cuts a
// connection at a chosen statement; a half of the function's 10 s timeout is the most a 503 may take.
const functionTimeoutMs = 10_000;
jest.setTimeout(20_000);

let proxy: DatabaseProxy;
let jake: TestUser;
let slug: string;

beforeAll(async () => {
  proxy = await databaseThroughProxy();
  jake = await registerUser();
  ({ slug } = await createArticle(jake.token));
});

beforeEach(() => clearCapturedLines());

afterEach(() => {
  proxy.resume();
});

afterAll(() => proxy.restore());

function expectUnavailable(response: ApiResponse): void {
  expect(response.status).toBe(503);
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  expect(response.body).toEqual({ errors: { service: ['is temporarily unavailable, retry later'] } });
}

/** The `request failed` lines the functions logged, parsed. */
function failureLogs(): { error: Record<string, unknown> }[] {
  return logLines().filter(({ message }) => message === 'request failed') as {
    error: Record<string, unknown>;
  }[];
}

async function timed(request: () => Promise<ApiResponse>): Promise<[ApiResponse, number]> {
  const started = performance.now();
  const response = await request();
  return [response, Math.round(performance.now() - started)];
}

/** Whether `condition` holds within 1 s (a socket closes a moment after its client lets go). */
async function soon(condition: () => boolean): Promise<boolean> {
  for (let waited = 0; waited < 1_000 && !condition(); waited += 20) await sleep(20);
  return condition();
}

const comment = (body: string) =>
  api.post(`/api/articles/${slug}/comments`, { comment: { body } }, { token: jake.token });

const rowsOf = (sql: string, values: unknown[]) => asAdmin<unknown[]>(sql, values);

describe('a database that stalls (a partition, a failover in progress)', () => {
  test('a read and a write answer 503 with Retry-After well inside the function timeout', async () => {
    // Arrange: open connections, then nothing passes either way
    expect((await api.get('/api/tags')).status).toBe(200);
    expect(proxy.openConnections()).toBeGreaterThan(0);
    proxy.stall();

    // Act: the read meets the stalled connection, the write a new one whose handshake never comes
    const [read, readMs] = await timed(() => api.get('/api/tags'));
    const [write, writeMs] = await timed(() => comment('written during a stall'));

    // Assert
    process.stdout.write(`stalled database: read 503 after ${readMs} ms, write 503 after ${writeMs} ms\n`);
    expectUnavailable(read);
    expectUnavailable(write);
    expect(readMs).toBeGreaterThanOrEqual(statementDeadlineMs - 50);
    expect(readMs).toBeLessThan(functionTimeoutMs / 2);
    expect(writeMs).toBeLessThan(functionTimeoutMs / 2);
    // The stuck connections were let go of, not kept for the next request.
    expect(await soon(() => proxy.openConnections() === 0)).toBe(true);
  });

  test('once the database answers again, the same container serves reads and writes at once', async () => {
    // Arrange
    expect((await api.get('/api/tags')).status).toBe(200);
    proxy.stall();
    expectUnavailable(await api.get('/api/tags'));

    // Act
    proxy.resume();
    const [read, readMs] = await timed(() => api.get('/api/tags'));
    const write = await comment(unique('after the stall '));

    // Assert
    expect(read.status).toBe(200);
    expect(readMs).toBeLessThan(statementDeadlineMs);
    expect(write.status).toBe(201);
  });

  test('the failure log says what stalled, with the cause', async () => {
    // Arrange
    expect((await api.get('/api/tags')).status).toBe(200);
    proxy.stall();

    // Act
    await api.get('/api/tags');

    // Assert
    const [logged] = failureLogs();
    expect(logged!.error).toMatchObject({
      message: expect.stringMatching(/^Failed query: select/),
      cause: {
        name: 'DatabaseUnavailable',
        cause: { name: 'DatabaseTimeout', code: 'PROTOCOL_SEQUENCE_TIMEOUT' },
      },
    });
  });
});

describe('a connection dropped inside a transaction', () => {
  test('503, the original cause in the log, nothing half-written', async () => {
    // Arrange: the article's row is inserted, then the connection dies as its tags are sent
    const title = unique('Half written ');
    proxy.cut(/^insert into `article_tags`/, 'unsent');

    // Act
    const response = await api.post(
      '/api/articles',
      { article: { title, description: 'd', body: 'b', tagList: [unique('half-')] } },
      { token: jake.token },
    );

    // Assert
    expectUnavailable(response);
    expect(await rowsOf('select id from articles where title = ?', [title])).toHaveLength(0);
    const [logged] = failureLogs();
    expect(logged!.error).toMatchObject({
      message: expect.stringMatching(/^Failed query: insert into `article_tags`/),
      cause: {
        name: 'DatabaseUnavailable',
        cause: { code: expect.stringMatching(/^(ECONNRESET|PROTOCOL_CONNECTION_LOST|EPIPE)$/) },
      },
    });
    // Never the statement's parameters (drizzle's own message lists them after "params:").
    expect(JSON.stringify(logged)).not.toContain('params');
  });

  test('the next write on the same container succeeds', async () => {
    // Arrange
    proxy.cut(/^insert into `article_tags`/, 'unsent');
    await api.post(
      '/api/articles',
      { article: { title: unique('Lost '), description: 'd', body: 'b', tagList: ['lost'] } },
      { token: jake.token },
    );

    // Act
    const response = await api.post(
      '/api/articles',
      { article: { title: unique('Kept '), description: 'd', body: 'b', tagList: ['kept'] } },
      { token: jake.token },
    );

    // Assert
    expect(response.status).toBe(201);
    expect(response.body.article.tagList).toEqual(['kept']);
  });
});

describe('a connection dropped after the server executed a write, before its reply', () => {
  test('a COMMIT whose reply is lost: 503, and the transaction is neither lost nor run twice', async () => {
    // Arrange: the server commits the article, then the connection dies before the reply
    const title = unique('Committed unseen ');
    proxy.cut(/^commit/, 'executed');

    // Act
    const response = await api.post(
      '/api/articles',
      { article: { title, description: 'd', body: 'b', tagList: [unique('commit-')] } },
      { token: jake.token },
    );

    // Assert
    expectUnavailable(response);
    expect(await rowsOf('select id from articles where title = ?', [title])).toHaveLength(1);
  });

  test('an autocommitted write is not sent again: it happened once, and the client is told 503', async () => {
    // Arrange: a profile update is one statement, committed as the server runs it
    const bio = unique('executed once ');
    proxy.cut(/^update `users`/, 'executed');

    // Act
    const response = await api.put('/api/user', { user: { bio } }, { token: jake.token });

    // Assert
    expect(await rowsOf('select id from users where bio = ?', [bio])).toHaveLength(1);
    expectUnavailable(response);
  });
});

describe('a write first in its request, on a connection that died while the container was frozen', () => {
  test('a ping finds the connection dead before the write is sent; the write goes once to a new one', async () => {
    // Arrange: a connection that last answered longer ago than a write trusts, then died silently
    const [{ id: articleId }] = (await rowsOf('select id from articles where slug = ?', [slug])) as [
      { id: number },
    ];
    const [{ id: authorId }] = (await rowsOf('select id from users where username = ?', [jake.username])) as [
      { id: number },
    ];
    expect((await api.get('/api/tags')).status).toBe(200);
    await sleep(trustedForMs + 50);
    proxy.sever();
    const body = unique('after a thaw ');

    // Act
    await database().insert(comments).values({ articleId, authorId, body });

    // Assert
    expect(await rowsOf('select id from comments where body = ?', [body])).toHaveLength(1);
    const warned = logLines().filter(({ level }) => level === 'WARN');
    expect(warned.filter(({ message }) => String(message).includes('lost before a write'))).toHaveLength(1);
  });
});
