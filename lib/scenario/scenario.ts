import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { at, expectStatus, jsonOf, send, type Reply } from './http';

/**
 * The scenario check: a real user's path through the API, walked over HTTP as any client would, with
 * throw-away accounts it deletes again. Every five minutes against each deployed stage (the `scenarioCheck`
 * function, functions/ops/scenario-check.ts) and on demand (`npm run scenario`, scripts/scenario.ts).
 *
 * A writer registers, publishes an article with two tags, comments on it and favorites it. The feed shows
 * the articles of the authors one follows, never one's own, so a second account, the follower, follows the
 * writer and must find exactly that article in its feed, with the writer's favorite counted and not its own.
 * Then the writer reads the article and its comments back. Each step needs the ones before it, so the first
 * that fails ends the path. The cleanup runs in any case: it undoes what the path made, newest first, and
 * deletes both accounts, which takes whatever they still own with them (DELETE /api/user).
 */

export interface StepResult {
  /** Also the `Step` dimension of the check's metrics: renaming one breaks its alarms and dashboard. */
  name: string;
  ok: boolean;
  latencyMs: number;
  /** Why it failed: the request, and what was wrong with the reply. Never a password or a token. */
  error?: string;
}

export interface ScenarioResult {
  ok: boolean;
  durationMs: number;
  /** The steps that ran, in order: the path up to its first failure, then the cleanup. */
  steps: StepResult[];
  /** The steps of the path that did not run, because one before them failed. */
  skipped: string[];
}

export interface ScenarioOptions {
  /** How long one request may take before it counts as failed (a user would have given up). */
  timeoutMs?: number;
  /**
   * How long a read may lag the writes before it: reads answer from the read replica, which follows the
   * primary asynchronously. A read step passes once its reply is right within this window (asked again every
   * 200 ms); past it, the last wrong reply is the step's failure.
   */
  replicaLagMs?: number;
}

/**
 * How the check's requests name themselves: logs mark them `synthetic` and the business counts leave them out
 * (lib/http/route.ts keeps the same string: lib/scenario imports nothing of the API).
 */
export const scenarioUserAgent = 'conduit-scenario-check';

/** Fixed, so the tags table does not grow with every run; the API lists them sorted. */
const tags = ['scenario-check', 'synthetic'];
const comment = 'Read it to the end: the scenario check was here.';

/** Runs the scenario against the API at `baseUrl` (ending in `/api`). Never rejects: failures are results. */
export async function runScenario(
  baseUrl: string,
  { timeoutMs = 5_000, replicaLagMs = 2_000 }: ScenarioOptions = {},
): Promise<ScenarioResult> {
  const started = performance.now();
  const writer = throwAwayAccount('writer');
  const follower = throwAwayAccount('follower');
  const scrub = scrubber([writer, follower]);
  const api = client(baseUrl, timeoutMs, scrub);
  const { step, cleanup, steps, skipped } = walk(scrub);
  const eventually = (read: () => Promise<void>) => () => readWithin(replicaLagMs, read);

  const article = {
    title: `Scenario check ${writer.username}`,
    description: 'A throw-away article',
    body: 'The scenario check writes this article, reads it back and deletes it again.',
    tagList: tags,
  };
  let slug = '';
  const articlePath = (rest = '') => `/articles/${encodeURIComponent(slug)}${rest}`;
  let commentId: number | undefined;
  let favorited = false;

  await step('register', () => register(api, writer));

  await step('createArticle', async () => {
    const body = await api.call('POST', '/articles', 201, { as: writer, body: { article } });
    // Kept before the checks, as in every step that makes something: it exists, so the cleanup deletes it.
    slug = valueAt(body, 'article.slug', 'string');
    expectAt(body, 'article.title', article.title);
    expectAt(body, 'article.tagList', tags);
    expectAt(body, 'article.author.username', writer.username);
  });

  await step('addComment', async () => {
    const body = await api.call('POST', articlePath('/comments'), 201, {
      as: writer,
      body: { comment: { body: comment } },
    });
    commentId = valueAt(body, 'comment.id', 'number');
    expectAt(body, 'comment.body', comment);
  });

  await step('favorite', async () => {
    const body = await api.call('POST', articlePath('/favorite'), 200, { as: writer });
    favorited = true;
    expectAt(body, 'article.favorited', true);
    expectAt(body, 'article.favoritesCount', 1);
  });

  await step('registerFollower', () => register(api, follower));

  await step('follow', async () => {
    const body = await api.call('POST', `/profiles/${encodeURIComponent(writer.username)}/follow`, 200, {
      as: follower,
    });
    expectAt(body, 'profile.following', true);
  });

  // The follower follows no one else, and the writer has written nothing else: the feed is this one article.
  await step(
    'readFeed',
    eventually(async () => {
      const body = await api.call('GET', '/articles/feed', 200, { as: follower });
      expectAt(body, 'articlesCount', 1);
      expectAt(body, 'articles.0.slug', slug);
      expectAt(body, 'articles.0.author.following', true);
      expectAt(body, 'articles.0.favorited', false);
      expectAt(body, 'articles.0.favoritesCount', 1);
    }),
  );

  await step(
    'readArticle',
    eventually(async () => {
      const body = await api.call('GET', articlePath(), 200, { as: writer });
      expectAt(body, 'article.title', article.title);
      expectAt(body, 'article.body', article.body);
      expectAt(body, 'article.tagList', tags);
      expectAt(body, 'article.favorited', true);
      expectAt(body, 'article.favoritesCount', 1);
    }),
  );

  await step(
    'readComments',
    eventually(async () => {
      const body = await api.call('GET', articlePath('/comments'), 200, { as: writer });
      expectAt(body, 'comments.length', 1);
      expectAt(body, 'comments.0.id', commentId);
      expectAt(body, 'comments.0.body', comment);
      expectAt(body, 'comments.0.author.username', writer.username);
    }),
  );

  // The cleanup runs whatever happened above, each step only for what the path made (and said so).
  if (commentId !== undefined)
    await cleanup('deleteComment', () =>
      api.call('DELETE', articlePath(`/comments/${commentId}`), 204, { as: writer }),
    );
  if (favorited)
    await cleanup('unfavorite', async () => {
      const body = await api.call('DELETE', articlePath('/favorite'), 200, { as: writer });
      expectAt(body, 'article.favorited', false);
      expectAt(body, 'article.favoritesCount', 0);
    });
  if (slug) await cleanup('deleteArticle', () => api.call('DELETE', articlePath(), 204, { as: writer }));
  if (follower.registrationSent) await cleanup('deleteFollower', () => deleteAccount(api, follower));
  if (writer.registrationSent) await cleanup('deleteAccount', () => deleteAccount(api, writer));

  return {
    ok: steps.every((result) => result.ok),
    durationMs: Math.round(performance.now() - started),
    steps,
    skipped,
  };
}

interface Account {
  username: string;
  email: string;
  password: string;
  token?: string;
  /** Once sent, the account may exist even if no reply said so (a timeout, a 5xx after the commit). */
  registrationSent?: boolean;
}

/** A name no other run shares, a password nobody knows; example.com receives no mail. */
function throwAwayAccount(role: string): Account {
  const username = `scenario-${role}-${randomBytes(6).toString('hex')}`;
  return { username, email: `${username}@example.com`, password: randomBytes(24).toString('base64url') };
}

async function register(api: Client, account: Account): Promise<void> {
  const { username, email, password } = account;
  account.registrationSent = true;
  const body = await api.call('POST', '/users', 201, { body: { user: { username, email, password } } });
  account.token = valueAt(body, 'user.token', 'string');
  expectAt(body, 'user.username', username);
  expectAt(body, 'user.email', email);
}

/** DELETE /api/user, signing in first when the registration's reply never came. */
async function deleteAccount(api: Client, account: Account): Promise<void> {
  const { email, password } = account;
  account.token ??= await api.exchange(
    'POST',
    '/users/login',
    { body: { user: { email, password } } },
    (reply) =>
      // Nobody has these credentials: the registration made no account, and there is nothing to delete.
      reply.status === 401 ? undefined : valueAt(api.json(reply, 200), 'user.token', 'string'),
  );
  if (account.token) await api.call('DELETE', '/user', 204, { as: account });
}

/** Runs `read` until it passes or `withinMs` has gone by, then fails as its last attempt did. */
async function readWithin(withinMs: number, read: () => Promise<void>): Promise<void> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (performance.now() + retryEveryMs > deadline) throw error;
    }
    await sleep(retryEveryMs);
  }
}

const retryEveryMs = 200;

type Step = () => Promise<unknown>;

/** The steps as they run, timed, each failure kept as a message with the run's secrets cut out. */
function walk(scrub: (text: string) => string) {
  const steps: StepResult[] = [];
  const skipped: string[] = [];

  /** A step of the cleanup: it runs whatever failed before it, and its own failure stops nothing. */
  async function cleanup(name: string, action: Step): Promise<void> {
    const started = performance.now();
    let error: string | undefined;
    try {
      await action();
    } catch (thrown) {
      error = scrub(thrown instanceof Error ? thrown.message : String(thrown));
    }
    const latencyMs = Math.round(performance.now() - started);
    steps.push(error === undefined ? { name, ok: true, latencyMs } : { name, ok: false, latencyMs, error });
  }

  /** A step of the path: it needs every step before it, so after a failure it is only noted as skipped. */
  async function step(name: string, action: Step): Promise<void> {
    if (steps.some((result) => !result.ok)) skipped.push(name);
    else await cleanup(name, action);
  }

  return { step, cleanup, steps, skipped };
}

interface Sent {
  as?: Account;
  body?: unknown;
}

type Client = ReturnType<typeof client>;

function client(baseUrl: string, timeoutMs: number, scrub: (text: string) => string) {
  const root = baseUrl.replace(/\/+$/, '');

  /** One request, its reply judged by `judge`; whatever goes wrong names the request. */
  async function exchange<T>(method: string, path: string, { as, body }: Sent, judge: (reply: Reply) => T) {
    try {
      const reply = await send(`${root}${path}`, {
        method,
        timeoutMs,
        headers: {
          // Whoever reads the traffic (API Gateway, a firewall) can tell the check's requests from users'.
          'user-agent': scenarioUserAgent,
          ...(as?.token && { authorization: `Token ${as.token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return judge(reply);
    } catch (error) {
      throw new Error(`${method} ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The reply's JSON body once it has `status` (nothing for a 204); else throws saying what was wrong. */
  const json = (reply: Reply, status: number): unknown =>
    status === 204 ? expectStatus(reply, status, scrub) : jsonOf(reply, status, scrub);

  return {
    exchange,
    json,
    call: (method: string, path: string, status: number, sent: Sent = {}) =>
      exchange(method, path, sent, (reply) => json(reply, status)),
  };
}

/**
 * What a message may not show: the run's passwords and tokens wherever they appear, any other JWT (a
 * refresh or session token the API sent back), and the value of any JSON field named like a credential.
 */
function scrubber(accounts: Account[]) {
  return (text: string): string => {
    let clean = text.replace(jwt, '[redacted]').replace(credentialField, '$1"[redacted]"');
    for (const { password, token } of accounts)
      for (const secret of [password, token]) if (secret) clean = clean.replaceAll(secret, '[redacted]');
    return clean;
  };
}

const jwt = /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g;
const credentialField = /("[^"]*(?:token|password)[^"]*"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

const shown = (value: unknown) => JSON.stringify(value) ?? 'missing';

/** Throws unless `body` holds `expected` (deeply equal) at `path`, as in "article.tagList" or "articles.0.slug". */
function expectAt(body: unknown, path: string, expected: unknown): void {
  const actual = at(body, ...path.split('.'));
  if (!isDeepStrictEqual(actual, expected))
    throw new Error(`${path} is ${shown(actual)}, expected ${shown(expected)}`);
}

/** The value at `path` in `body`, which must be of `type`. */
function valueAt<T extends 'string' | 'number'>(
  body: unknown,
  path: string,
  type: T,
): T extends 'string' ? string : number {
  const value = at(body, ...path.split('.'));
  if (typeof value !== type) throw new Error(`${path} is ${shown(value)}, expected a ${type}`);
  return value as T extends 'string' ? string : number;
}
