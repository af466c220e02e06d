import { existsSync } from 'node:fs';
import path from 'node:path';
import { warmUpEvent } from '#lib/deploy/warm-up';
import { startOffline, type Offline } from '../support/e2e-setup';
import { startProxy, type TcpProxy } from '../support/tcp-proxy';
import { functionEnvironmentOf, type TestDatabase } from '../support/test-database';

// The local stage builds source maps and runs its handlers with --enable-source-maps (serverless.yml), so a
// stack trace from `serverless offline` names the TypeScript sources. A `serverless offline` of this file's
// own, reaching the e2e database through a proxy that can take the database away.
jest.setTimeout(180_000);

let proxy: TcpProxy & { close(): Promise<void> };
let offline: Offline | undefined;

beforeAll(async () => {
  const database = JSON.parse(process.env.CONDUIT_E2E_DATABASE!) as TestDatabase;
  const server = new URL(database.adminUrl);
  proxy = await startProxy({ host: server.hostname, port: Number(server.port || 3306) });
  offline = await startOffline('e2e-source-maps', {
    ...functionEnvironmentOf(database),
    DB_HOST: '127.0.0.1',
    DB_PORT: String(proxy.port),
  });
});

afterAll(async () => {
  proxy?.resume();
  await offline?.stop();
  await proxy?.close();
});

test('a stack trace from serverless offline points into the sources, not the minified bundle', async () => {
  // Arrange: the database stops answering, so a warm-up's check gives up with an error of our own code's
  // making (the statement deadline), which the Invoke API returns with its stack
  proxy.stall();
  const bundle = path.join(offline!.workFolder, '.build', 'functions', 'tags', 'list.js');

  // Act
  const response = await fetch(
    `${offline!.lambdaUrl}/2015-03-31/functions/conduit-api-local-listTags/invocations`,
    { method: 'POST', body: JSON.stringify(warmUpEvent(0)) },
  );
  const reply = (await response.json()) as { errorMessage?: string; trace?: string[] };

  // Assert
  expect(existsSync(bundle)).toBe(true);
  expect(existsSync(`${bundle}.map`)).toBe(true);
  const frames = (reply.trace ?? []).filter((line) => /^\s*at /.test(line));
  expect(frames.length).toBeGreaterThan(0);
  expect(frames.filter((frame) => frame.includes(bundle))).toEqual([]);
  expect(frames.some((frame) => /\/(db|lib)\/[\w/.-]+\.ts:\d+:\d+/.test(frame))).toBe(true);
});
