import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { smoke, SmokeFailure } from '../../deploy/smoke';

// deploy/smoke.ts is what the deploy workflow runs against a stage it just deployed; here it runs against
// `serverless offline`, and against addresses where it must fail, so a broken stage cannot pass it.
const root = path.resolve(__dirname, '../..');
const run = promisify(execFile);
// The e2e setup's URL is the bare origin, like the stack's HttpApiUrl: the checks add `/api/...` themselves.
const baseUrl = () => process.env.CONDUIT_E2E_URL!;

/** `tsx deploy/smoke.ts <url>` as the workflow's `npm run smoke -- <url>` runs it, with a short retry window. */
async function cli(url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const env = { ...process.env, SMOKE_RETRY_SECONDS: '0' };
  try {
    const { stdout, stderr } = await run(process.execPath, [tsx, 'deploy/smoke.ts', url], { cwd: root, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

/** A loopback port nothing listens on: the OS handed it out, then it was closed again. */
async function closedPortUrl(): Promise<string> {
  const server = await listen(() => undefined);
  const url = urlOf(server);
  await close(server);
  return url;
}

describe('smoke check', () => {
  it('passes against the local API, one line per check', async () => {
    const lines: string[] = [];

    await smoke(baseUrl(), { retryForMs: 0, log: (line) => lines.push(line) });

    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/^ok {2}GET \/api\/\S+ -> \d{3} \(\d+ ms\)$/);
  });

  it('exits 0 from the command line against the local API', async () => {
    const result = await cli(`${baseUrl()}/`);

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/smoke check passed/);
  });

  it('rejects with a SmokeFailure when nothing listens', async () => {
    const url = await closedPortUrl();

    const failure = smoke(url, { retryForMs: 0, log: () => undefined });

    await expect(failure).rejects.toBeInstanceOf(SmokeFailure);
    await expect(failure).rejects.toThrow(
      /^GET \/api\/tags \(tags\): request failed: ECONNREFUSED \[1 tries\]$/,
    );
  });

  it('exits 1 from the command line, naming the failed check, when nothing listens', async () => {
    const result = await cli(await closedPortUrl());

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^FAIL GET \/api\/tags \(tags\): request failed: ECONNREFUSED/);
  });

  it('retries within its window before giving up', async () => {
    const url = await closedPortUrl();
    const started = Date.now();

    const failure = await smoke(url, { retryForMs: 1_000, retryEveryMs: 200, log: () => undefined }).catch(
      (error: Error) => error,
    );

    expect(Number((failure as Error).message.match(/\[(\d+) tries\]$/)?.[1])).toBeGreaterThanOrEqual(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  });

  it.each([
    ['a reply that is not JSON', 'text/html', '<html>tags</html>', /content-type is "text\/html"/],
    ['JSON of the wrong shape', 'application/json', '{"tags":"none"}', /no `tags` array/],
  ])('rejects %s', async (_, type, body, message) => {
    const server = await listen((_request, response) =>
      response.writeHead(200, { 'content-type': type }).end(body),
    );
    try {
      await expect(smoke(urlOf(server), { retryForMs: 0, log: () => undefined })).rejects.toThrow(message);
    } finally {
      await close(server);
    }
  });

  it('exits 2 with its usage when given no URL', async () => {
    const result = await cli('');

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/usage: tsx deploy\/smoke\.ts <baseUrl>/);
  });
});
