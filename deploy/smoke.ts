/**
 * Smoke check of a deployed stage: `tsx deploy/smoke.ts <baseUrl>`, where <baseUrl> is the stack's
 * `HttpApiUrl` output (routes live under `/api`). Read-only, so it is safe against prod; it proves that
 * API Gateway routes to the live aliases, handlers load, reach the database, and errors keep their envelope.
 */

import { isDeepStrictEqual } from 'node:util';
import { at, jsonOf, send } from '#lib/scenario/http';

export interface Check {
  name: string;
  path: string;
  status: number;
  /** Why the parsed body is wrong, or undefined when it is right. */
  problem(body: unknown): string | undefined;
}

export interface SmokeOptions {
  /** How long one check keeps retrying: a fresh deploy may still be shifting aliases or warming up. */
  retryForMs?: number;
  retryEveryMs?: number;
  log?: (line: string) => void;
}

const isStringArray = (value: unknown) =>
  Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string');

export const checks: Check[] = [
  {
    name: 'tags',
    path: '/api/tags',
    status: 200,
    problem: (body) => (Array.isArray(at(body, 'tags')) ? undefined : 'no `tags` array'),
  },
  {
    name: 'articles',
    path: '/api/articles?limit=1',
    status: 200,
    problem: (body) =>
      typeof at(body, 'articlesCount') !== 'number'
        ? 'no numeric `articlesCount`'
        : Array.isArray(at(body, 'articles'))
          ? undefined
          : 'no `articles` array',
  },
  {
    name: 'unknown route',
    path: '/api/this-route-does-not-exist',
    status: 404,
    problem: (body) =>
      isDeepStrictEqual(body, { errors: { route: ['not found'] } }) ? undefined : 'not the 404 envelope',
  },
  {
    name: 'no token',
    path: '/api/user',
    status: 401,
    problem: (body) =>
      isStringArray(at(body, 'errors', 'token')) ? undefined : 'not the 401 `errors.token` envelope',
  },
];

export class SmokeFailure extends Error {
  override name = 'SmokeFailure';
}

/** One attempt: undefined when the reply is right, else what was wrong with it. */
async function attempt(url: string, check: Check): Promise<string | undefined> {
  try {
    // A hung connection must not eat the whole retry window.
    return check.problem(jsonOf(await send(url, { timeoutMs: 10_000 }), check.status));
  } catch (error) {
    return (error as Error).message;
  }
}

/** Retries one check until it passes or the window closes; returns the passing reply's time in ms. */
export async function runCheck(baseUrl: string, check: Check, options: SmokeOptions = {}): Promise<number> {
  const { retryForMs = 30_000, retryEveryMs = 3_000 } = options;
  const url = `${baseUrl.replace(/\/+$/, '')}${check.path}`;
  const deadline = Date.now() + retryForMs;
  for (let tries = 1; ; tries++) {
    const started = Date.now();
    const problem = await attempt(url, check);
    const ms = Date.now() - started;
    if (!problem) return ms;
    if (Date.now() + retryEveryMs > deadline)
      throw new SmokeFailure(`GET ${check.path} (${check.name}): ${problem} [${tries} tries]`);
    await new Promise((resolve) => setTimeout(resolve, retryEveryMs));
  }
}

/** Runs every check in order and rejects with a SmokeFailure at the first that does not pass. */
export async function smoke(baseUrl: string, options: SmokeOptions = {}): Promise<void> {
  const log = options.log ?? console.log;
  for (const check of checks) {
    const ms = await runCheck(baseUrl, check, options);
    log(`ok  GET ${check.path} -> ${check.status} (${ms} ms)`);
  }
}

async function main(): Promise<void> {
  const baseUrl = process.argv[2];
  if (!baseUrl || !/^https?:\/\//.test(baseUrl)) {
    console.error('usage: tsx deploy/smoke.ts <baseUrl>   (the stack output HttpApiUrl, e.g. https://…)');
    process.exitCode = 2;
    return;
  }
  // Tests shorten the window; a deploy pipeline keeps the default.
  const seconds = process.env.SMOKE_RETRY_SECONDS;
  try {
    await smoke(baseUrl, { retryForMs: seconds ? Number(seconds) * 1000 : undefined });
    console.log(`smoke check passed: ${baseUrl}`);
  } catch (error) {
    console.error(`FAIL ${(error as Error).message}\nsmoke check failed against ${baseUrl}`);
    process.exitCode = 1;
  }
}

// main() turns every failure into a message and process.exitCode, so its promise never rejects.
if (require.main === module) void main();
