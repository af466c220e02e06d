import { randomBytes } from 'node:crypto';
import { api } from './api';

/** A name no other test (or parallel worker) uses. */
export const unique = (prefix = 'u') => `${prefix}${randomBytes(5).toString('hex')}`;

export interface TestUser {
  username: string;
  email: string;
  password: string;
  token: string;
}

/** What registering needs of a client: the in-process `api` (integration) or `http` (e2e). */
interface Client {
  post(path: string, body?: unknown): Promise<{ status: number; body: any; raw: string }>;
}

/** A new account (username, e-mail and password made up unless given), registered through `client`. */
export async function registerWith(
  client: Client,
  overrides: Partial<Omit<TestUser, 'token'>> = {},
): Promise<TestUser> {
  const username = overrides.username ?? unique();
  const user = { username, email: `${username}@example.com`, password: 'password123', ...overrides };
  const response = await client.post('/api/users', { user });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${response.raw}`);
  return { ...user, token: response.body.user.token };
}

export const registerUser = (overrides: Partial<Omit<TestUser, 'token'>> = {}) =>
  registerWith(api, overrides);

export async function createArticle(token: string, article: Record<string, unknown> = {}) {
  const response = await api.post(
    '/api/articles',
    { article: { title: unique('Title '), description: 'About it', body: 'The body', ...article } },
    { token },
  );
  if (response.status !== 201) throw new Error(`create article failed: ${response.status} ${response.raw}`);
  return response.body.article;
}
