import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the API, as much of it as the scenario check walks (test/unit/scenario*.test.ts): in memory,
 * on a loopback port, answering as the real routes do. `tamper` sees each request with the reply the fake has
 * already acted on, and may answer otherwise (a 500 after the write, wrong data) or not at all ('hang').
 */
export interface Received {
  method: string;
  path: string;
  authorization?: string;
  body?: any;
}

export interface FakeReply {
  status: number;
  body?: any;
}

export type Tamper = (request: Received, reply: FakeReply) => FakeReply | 'hang';

export interface FakeConduit {
  /** The API's base URL, ending in /api. */
  url: string;
  /** Every request, in order. */
  received: Received[];
  /** What is still stored: the check must leave nothing behind. */
  stored(): { users: number; articles: number };
  /** Every password it was sent and every token it handed out, which no message or log line may show. */
  secrets: string[];
  close(): Promise<void>;
}

interface User {
  username: string;
  email: string;
  password: string;
  token: string;
  follows: Set<string>;
}

interface Article {
  slug: string;
  title: string;
  description: string;
  body: string;
  tagList: string[];
  author: string;
  favoritedBy: Set<string>;
  comments: { id: number; body: string; author: string }[];
}

const jwtLike = () =>
  ['eyJhbGciOiJIUzI1NiJ9', randomBytes(12), randomBytes(12)]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');

export async function startFakeConduit(tamper: Tamper = (_, reply) => reply): Promise<FakeConduit> {
  const users: User[] = [];
  const articles = new Map<string, Article>();
  const received: Received[] = [];
  const secrets: string[] = [];
  let nextCommentId = 1;

  const profile = (username: string, viewer?: User) => ({
    username,
    bio: null,
    image: null,
    following: viewer?.follows.has(username) ?? false,
  });
  const articleView = (article: Article, viewer?: User) => {
    const { favoritedBy, comments: _comments, author, ...fields } = article;
    return {
      ...fields,
      favorited: viewer ? favoritedBy.has(viewer.username) : false,
      favoritesCount: favoritedBy.size,
      author: profile(author, viewer),
    };
  };
  const session = (user: User) => {
    const refreshToken = randomBytes(32).toString('base64url');
    secrets.push(user.token, refreshToken);
    return {
      user: {
        username: user.username,
        email: user.email,
        token: user.token,
        refreshToken,
        bio: null,
        image: null,
      },
    };
  };

  function answer({ method, path, authorization, body }: Received): FakeReply {
    const viewer = users.find((user) => authorization === `Token ${user.token}`);
    const notFound = { status: 404, body: { errors: { article: ['not found'] } } };
    const route = `${method} ${path.replace(/^\/api/, '')}`;
    let match: RegExpMatchArray | null;

    if (route === 'POST /users') {
      const user = { ...body.user, token: jwtLike(), follows: new Set<string>() };
      secrets.push(user.password);
      users.push(user);
      return { status: 201, body: session(user) };
    }
    if (route === 'POST /users/login') {
      const user = users.find(
        ({ email, password }) => email === body.user.email && password === body.user.password,
      );
      return user
        ? { status: 200, body: session(user) }
        : { status: 401, body: { errors: { credentials: ['invalid'] } } };
    }
    if (!viewer) return { status: 401, body: { errors: { token: ['is missing'] } } };

    if (route === 'DELETE /user') {
      users.splice(users.indexOf(viewer), 1);
      for (const [slug, article] of articles) if (article.author === viewer.username) articles.delete(slug);
      return { status: 204 };
    }
    if (route === 'POST /articles') {
      const slug = body.article.title.toLowerCase().replace(/\W+/g, '-');
      const tagList = [...body.article.tagList].sort();
      const article = {
        ...body.article,
        tagList,
        slug,
        author: viewer.username,
        favoritedBy: new Set(),
        comments: [],
      };
      articles.set(slug, article);
      return { status: 201, body: { article: articleView(article, viewer) } };
    }
    if (route === 'GET /articles/feed') {
      const feed = [...articles.values()].filter((article) => viewer.follows.has(article.author));
      return {
        status: 200,
        body: { articles: feed.map((a) => articleView(a, viewer)), articlesCount: feed.length },
      };
    }
    if ((match = route.match(/^POST \/profiles\/([^/]+)\/follow$/))) {
      viewer.follows.add(decodeURIComponent(match[1]!));
      return { status: 200, body: { profile: profile(decodeURIComponent(match[1]!), viewer) } };
    }
    if (!(match = route.match(/^(\w+) \/articles\/([^/]+)(.*)$/))) return { status: 404, body: {} };
    const [, verb, slug, rest] = match;
    const article = articles.get(decodeURIComponent(slug!));
    if (!article) return notFound;
    const comment = rest!.match(/^\/comments\/(\d+)$/);

    if (verb === 'GET' && rest === '')
      return { status: 200, body: { article: articleView(article, viewer) } };
    if (verb === 'DELETE' && rest === '') {
      articles.delete(article.slug);
      return { status: 204 };
    }
    if (rest === '/favorite') {
      if (verb === 'POST') article.favoritedBy.add(viewer.username);
      else article.favoritedBy.delete(viewer.username);
      return { status: 200, body: { article: articleView(article, viewer) } };
    }
    if (verb === 'POST' && rest === '/comments') {
      const created = { id: nextCommentId++, body: body.comment.body, author: viewer.username };
      article.comments.push(created);
      return { status: 201, body: { comment: { ...created, author: profile(created.author, viewer) } } };
    }
    if (verb === 'GET' && rest === '/comments')
      return {
        status: 200,
        body: { comments: article.comments.map((c) => ({ ...c, author: profile(c.author, viewer) })) },
      };
    if (verb === 'DELETE' && comment) {
      article.comments = article.comments.filter(({ id }) => id !== Number(comment[1]));
      return { status: 204 };
    }
    return { status: 404, body: {} };
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of request) text += chunk;
    const incoming: Received = {
      method: request.method!,
      path: request.url!,
      authorization: request.headers.authorization,
      body: text ? JSON.parse(text) : undefined,
    };
    received.push(incoming);
    const reply = tamper(incoming, answer(incoming));
    if (reply === 'hang') return;
    if (reply.body === undefined) response.writeHead(reply.status).end();
    else
      response
        .writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8' })
        .end(JSON.stringify(reply.body));
  }

  const server = createServer((request, response) => void serve(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    received,
    stored: () => ({ users: users.length, articles: articles.size }),
    secrets,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
