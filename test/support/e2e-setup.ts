import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { exportJWK } from 'jose';
import { startLocalMail, type LocalMail } from '../../scripts/local-mail';
import { avatarEnvironmentFor, startLocalS3, type LocalS3 } from '../../scripts/local-s3';
import { startIdentityProvider, type IdentityProvider } from './identity-provider';
import { createTestDatabase, dropTestDatabase, functionEnvironmentOf } from './test-database';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'node_modules', '.bin');
const startupTimeoutMs = 120_000;

/** The local stand-ins (Google, Apple and Kakao; the avatar bucket), kept for e2e-teardown.ts (same process). */
export const e2eIdentityProvider: { current?: IdentityProvider } = {};
export const e2eS3: { current?: LocalS3 } = {};
export const e2eMail: { current?: LocalMail } = {};

/**
 * Runs once in Jest's parent process: a throw-away database, a local identity provider, a local S3 server
 * (the avatar bucket), a local SES (aws-ses-v2-local), and `serverless offline` on free ports serving them.
 * Workers inherit CONDUIT_E2E_URL, CONDUIT_E2E_LAMBDA (its Lambda API), CONDUIT_E2E_IDP (the provider's
 * private key, to sign ID tokens), CONDUIT_E2E_S3 (the bucket's URL) and CONDUIT_E2E_MAIL (the mail server's);
 * e2e-teardown.ts stops the servers and drops the database.
 */
export default async function setup(): Promise<void> {
  const database = await createTestDatabase('e2e');
  process.env.CONDUIT_E2E_DATABASE = JSON.stringify(database);
  const idp = (e2eIdentityProvider.current = await startIdentityProvider());
  process.env.CONDUIT_E2E_IDP = JSON.stringify({ jwk: await exportJWK(idp.privateKey), kid: idp.kid });
  try {
    const s3 = (e2eS3.current = await startLocalS3({
      port: 0,
      bucket: 'avatars',
      directory: path.join(root, '.local', `s3-e2e-${process.pid}`),
      corsOrigins: '*',
      temporary: true,
    }));
    process.env.CONDUIT_E2E_S3 = s3.bucketUrl;
    const mail = (e2eMail.current = await startLocalMail(0));
    process.env.CONDUIT_E2E_MAIL = mail.url;
    const offline = await startOffline('e2e', {
      ...functionEnvironmentOf(database),
      ...idp.environment(),
      ...avatarEnvironmentFor(s3),
      SES_ENDPOINT: mail.url,
    });
    process.env.CONDUIT_E2E_PID = String(offline.pid);
    process.env.CONDUIT_E2E_WORK_FOLDER = offline.workFolder;
    process.env.CONDUIT_E2E_URL = offline.url;
    process.env.CONDUIT_E2E_LAMBDA = offline.lambdaUrl;
  } catch (error) {
    await idp.stop();
    await e2eS3.current?.stop();
    await e2eMail.current?.stop();
    await dropTestDatabase(database);
    throw error;
  }
}

/** The signing key every `serverless offline` of the e2e run shares, so a token from one works on another. */
const signingKeys = 'e2e-1=e2e-signing-key-that-is-at-least-32-characters';

export interface Offline {
  url: string;
  /** serverless-offline's Lambda Invoke API (`POST /2015-03-31/functions/<name>/invocations`). */
  lambdaUrl: string;
  pid: number;
  /** Its build folder, removed by `stop()` (or by e2e-teardown.ts for the shared one). */
  workFolder: string;
  stop(): Promise<void>;
}

/**
 * Starts `serverless offline --stage local` on free ports with `environment` added to this process's, and
 * waits until it serves. Its handler errors are logged to `.local/<label>-serverless.log`.
 */
export async function startOffline(label: string, environment: Record<string, string>): Promise<Offline> {
  const [port, lambdaPort] = await freePorts(2);
  // Its own build folder (so a concurrent `serverless package` or dev server cannot delete or rebuild it)
  // and no file watcher (an edit during the run must not swap handlers under the tests).
  const workFolder = path.join('.local', `esbuild-${label}-${port}`);
  // Kept after the run: handler errors (500s) are logged here.
  const logFile = path.join(root, '.local', `${label}-serverless.log`);
  mkdirSync(path.dirname(logFile), { recursive: true });

  const log = openSync(logFile, 'w');
  const child = spawn(path.join(bin, 'serverless'), ['offline', '--stage', 'local'], {
    cwd: root,
    // Its own process group, so teardown can stop serverless and everything it started in one signal.
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      // Node 24 (the project's) first: the serverless script starts with `#!/usr/bin/env node`.
      PATH: [path.dirname(process.execPath), bin, process.env.PATH].join(path.delimiter),
      JWT_SIGNING_KEYS: signingKeys,
      ...environment,
      PORT: String(port),
      LAMBDA_PORT: String(lambdaPort),
      ESBUILD_WORK_FOLDER: workFolder,
      ESBUILD_WATCH_PATTERN: '.local/no-watch',
    },
  });
  closeSync(log);

  const url = `http://localhost:${port}`;
  const offline: Offline = {
    url,
    lambdaUrl: `http://localhost:${lambdaPort}`,
    pid: child.pid!,
    workFolder: path.join(root, workFolder),
    async stop() {
      await stopAndWait(child.pid);
      rmSync(offline.workFolder, { recursive: true, force: true });
    },
  };
  try {
    await waitUntilServing(url, child, logFile);
  } catch (error) {
    await offline.stop();
    throw error;
  }
  return offline;
}

async function waitUntilServing(url: string, child: ChildProcess, logFile: string): Promise<void> {
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
  const deadline = Date.now() + startupTimeoutMs;
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      // Any answer means the routes are up; /api/tags also loads one handler and reaches the database.
      const response = await fetch(`${url}/api/tags`, { signal: AbortSignal.timeout(10_000) });
      if (response.status === 200) return;
      throw new Error(`GET /api/tags answered ${response.status}: ${await response.text()}`);
    } catch (error) {
      if (!isConnectionRefused(error)) throw withLog(error, logFile);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw withLog(
    new Error(`serverless offline ${exited ?? `did not answer within ${startupTimeoutMs / 1000} s`}`),
    logFile,
  );
}

function isConnectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === 'ECONNREFUSED' || cause?.code === 'ECONNRESET';
}

function withLog(error: unknown, logFile: string): Error {
  const tail = readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
  return new Error(
    `${error instanceof Error ? error.message : error}\n--- ${logFile} (last lines) ---\n${tail}`,
  );
}

function stopGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Stops the process group `pid` leads, killing it if it is still there after 5 s. */
export async function stopAndWait(pid: number | undefined): Promise<void> {
  if (!pid) return;
  stopGroup(pid, 'SIGTERM');
  if (!(await exited(pid, 5_000))) stopGroup(pid, 'SIGKILL');
}

async function exited(pid: number, timeoutMs: number): Promise<boolean> {
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    try {
      process.kill(-pid, 0);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** Ports the OS hands out as free; held open together so no two are the same. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
