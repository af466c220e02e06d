import { hashPassword } from '#lib/auth/password';
import { registerWith, unique, type TestUser } from '../../support/fixtures';
import type { IdentityProvider } from '../../support/identity-provider';
import type { Client } from './packaged';

/**
 * The data the cold-start benchmark's first requests act on, made through the API itself (`api`: the packaged
 * handlers, in the benchmark's process): a small blog, and per run whatever a request uses up (a refresh
 * token, an article to delete, an account to close), so every run's first request succeeds.
 */
export interface FirstRequest {
  method: string;
  url: string;
  options?: { token?: string; body?: unknown };
  status?: number;
}

type Requests = Record<string, (run: number) => FirstRequest>;

async function ok<T>(response: Promise<{ status: number; body: T; raw: string }>, what: string): Promise<T> {
  const { status, body, raw } = await response;
  if (status >= 300) throw new Error(`${what} failed: ${status} ${raw}`);
  return body;
}

/** `make` run `count` times, one after the other: a function's container serves one request at a time. */
async function times<T>(count: number, make: (index: number) => Promise<T>): Promise<T[]> {
  const made: T[] = [];
  for (let index = 0; index < count; index++) made.push(await make(index));
  return made;
}

export async function prepare(count: number, idp: IdentityProvider, api: Client): Promise<Requests> {
  // Two more than the runs: the profile's and the compile cache's untimed cold starts use some too.
  const runs = count + 2;
  const registerUser = () => registerWith(api);
  const createArticle = async (token: string, article: Record<string, unknown> = {}) =>
    (
      await ok(
        api.post(
          '/api/articles',
          { article: { title: unique('Title '), description: 'About it', body: 'The body', ...article } },
          { token },
        ),
        'create article',
      )
    ).article as { slug: string };
  // A blog: three authors, thirty articles with tags, comments, favorites; the reader follows two authors.
  const [reader, ...authors] = (await times(4, () => registerUser())) as [TestUser, ...TestUser[]];
  const articles = [];
  for (let i = 0; i < 30; i++) {
    const author = authors[i % authors.length]!;
    articles.push(
      await createArticle(author.token, {
        tagList: [`tag${i % 7}`, `topic${i % 3}`],
        body: 'Words. '.repeat(200),
      }),
    );
  }
  const article = articles[0]!;
  const author = authors[0]!;
  const third = authors[2]!;
  for (const followee of authors.slice(0, 2))
    await ok(
      api.post(`/api/profiles/${followee.username}/follow`, undefined, { token: reader.token }),
      'follow',
    );
  for (const { slug } of articles.slice(0, 10)) {
    await ok(api.post(`/api/articles/${slug}/favorite`, undefined, { token: reader.token }), 'favorite');
    await ok(
      api.post(`/api/articles/${slug}/comments`, { comment: { body: 'Nice one.' } }, { token: reader.token }),
      'comment',
    );
  }

  // What each run uses up.
  const signIn = (user: TestUser) =>
    ok(api.post('/api/users/login', { user: { email: user.email, password: user.password } }), 'login');
  const sessions = await times(runs, () => signIn(reader));
  const doomedSessions = await times(runs, () => signIn(reader));
  const leavers = await times(runs, () => registerUser());
  const closing = await times(runs, () => registerUser());
  const doomedArticles = await times(runs, () => createArticle(author.token));
  const doomedComments = await times(runs, async () => {
    const body = await ok(
      api.post(
        `/api/articles/${article.slug}/comments`,
        { comment: { body: 'To go.' } },
        { token: author.token },
      ),
      'comment',
    );
    return (body as { comment: { id: number } }).comment.id;
  });
  const idTokens = await times(runs, () =>
    idp.signIdToken('google', {
      sub: unique('google-'),
      email: `${unique('sso')}@example.com`,
      email_verified: true,
    }),
  );

  const as = (user: { token: string }) => ({ token: user.token });
  return {
    register: () => ({
      method: 'POST',
      url: '/api/users',
      options: {
        body: { user: { username: unique(), email: `${unique()}@example.com`, password: 'password123' } },
      },
      status: 201,
    }),
    login: () => ({
      method: 'POST',
      url: '/api/users/login',
      options: { body: { user: { email: reader.email, password: reader.password } } },
    }),
    socialSignIn: (run) => ({
      method: 'POST',
      url: '/api/users/social',
      options: { body: { provider: 'google', idToken: idTokens[run], nonce: 'nonce-3f2b1c9e7a' } },
      status: 201,
    }),
    refreshSession: (run) => ({
      method: 'POST',
      url: '/api/users/refresh',
      options: {
        body: { refreshToken: (sessions[run] as { user: { refreshToken: string } }).user.refreshToken },
      },
    }),
    logout: (run) => ({
      method: 'POST',
      url: '/api/users/logout',
      options: as((doomedSessions[run] as { user: { token: string } }).user),
      status: 204,
    }),
    endAllSessions: (run) => ({
      method: 'DELETE',
      url: '/api/user/sessions',
      options: as(leavers[run]!),
      status: 204,
    }),
    getCurrentUser: () => ({ method: 'GET', url: '/api/user', options: as(reader) }),
    updateCurrentUser: (run) => ({
      method: 'PUT',
      url: '/api/user',
      options: { ...as(author), body: { user: { bio: `Bio of run ${run}` } } },
    }),
    deleteCurrentUser: (run) => ({
      method: 'DELETE',
      url: '/api/user',
      options: as(closing[run]!),
      status: 204,
    }),
    getProfile: () => ({ method: 'GET', url: `/api/profiles/${author.username}`, options: as(reader) }),
    followUser: () => ({
      method: 'POST',
      url: `/api/profiles/${third.username}/follow`,
      options: as(reader),
    }),
    unfollowUser: () => ({
      method: 'DELETE',
      url: `/api/profiles/${third.username}/follow`,
      options: as(reader),
    }),
    listArticles: () => ({ method: 'GET', url: '/api/articles?limit=20' }),
    feedArticles: () => ({ method: 'GET', url: '/api/articles/feed?limit=20', options: as(reader) }),
    getArticle: () => ({ method: 'GET', url: `/api/articles/${article.slug}`, options: as(reader) }),
    createArticle: (run) => ({
      method: 'POST',
      url: '/api/articles',
      options: {
        ...as(author),
        body: {
          article: { title: `Cold start ${run} ${unique()}`, description: 'd', body: 'b', tagList: ['cold'] },
        },
      },
      status: 201,
    }),
    updateArticle: (run) => ({
      method: 'PUT',
      url: `/api/articles/${article.slug}`,
      options: { ...as(author), body: { article: { description: `Revised in run ${run}` } } },
    }),
    deleteArticle: (run) => ({
      method: 'DELETE',
      url: `/api/articles/${doomedArticles[run]!.slug}`,
      options: as(author),
      status: 204,
    }),
    favoriteArticle: () => ({
      method: 'POST',
      url: `/api/articles/${article.slug}/favorite`,
      options: as(author),
    }),
    unfavoriteArticle: () => ({
      method: 'DELETE',
      url: `/api/articles/${article.slug}/favorite`,
      options: as(author),
    }),
    listComments: () => ({
      method: 'GET',
      url: `/api/articles/${article.slug}/comments`,
      options: as(reader),
    }),
    createComment: () => ({
      method: 'POST',
      url: `/api/articles/${article.slug}/comments`,
      options: { ...as(reader), body: { comment: { body: 'First!' } } },
      status: 201,
    }),
    deleteComment: (run) => ({
      method: 'DELETE',
      url: `/api/articles/${article.slug}/comments/${doomedComments[run]}`,
      options: as(author),
      status: 204,
    }),
    listTags: () => ({ method: 'GET', url: '/api/tags' }),
    health: () => ({ method: 'GET', url: '/api/health' }),
    apiReference: () => ({ method: 'GET', url: '/api/docs' }),
    notFound: () => ({ method: 'GET', url: '/api/nowhere', status: 404 }),
  };
}

/** One scrypt hash with the service's parameters, `runs` times: the share of login's and register's first reply. */
export async function hashTimes(runs: number): Promise<number[]> {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await hashPassword('password123');
    samples.push(performance.now() - started);
  }
  return samples;
}
