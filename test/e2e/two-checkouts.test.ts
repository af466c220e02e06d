import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { accountNamesFor, dropUsers } from '#db/accounts';
import { serverOf } from '#db/urls';
import { stopAndWait } from '../support/e2e-setup';
import type { TestDatabase } from '../support/test-database';

// Two clones of this repository on one MySQL server, each `npm run dev` with its own DB_NAME and PORT, as two
// developers (or one with two branches) would run them: neither start may break the other's API.
jest.setTimeout(300_000);

const root = path.resolve(__dirname, '../..');
const server = serverOf((JSON.parse(process.env.CONDUIT_E2E_DATABASE!) as TestDatabase).adminUrl);

interface Checkout {
  dir: string;
  database: string;
  port: number;
  lambdaPort: number;
  s3Port: number;
  sesPort: number;
  dev?: ChildProcess;
  log: string[];
}

/** A copy of the working tree (tracked and new files, as `git status` sees them) sharing node_modules. */
function cloneOfThisRepository(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'conduit-checkout-'));
  const files = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: root,
    encoding: 'utf8',
  }).stdout.split('\0');
  for (const file of files.filter(Boolean)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    try {
      copyFileSync(path.join(root, file), path.join(dir, file));
    } catch {
      // Deleted in the working tree but not yet staged: not part of this checkout.
    }
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** `npm run dev` in `checkout`, with `overrides` over the checkout's own settings. */
function spawnDev(checkout: Checkout, overrides: Record<string, string> = {}): ChildProcess {
  // What the e2e run set for its own functions must not leak into a developer's run (the shell wins over .env).
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(DB_|JWT_|ACCESS_TOKEN|SSM_)/.test(name)),
  );
  return spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['scripts/dev.ts'], {
    cwd: checkout.dir,
    detached: true,
    env: {
      ...inherited,
      PATH: [path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
      DATABASE_URL: server,
      DB_NAME: checkout.database,
      PORT: String(checkout.port),
      LAMBDA_PORT: String(checkout.lambdaPort),
      S3_PORT: String(checkout.s3Port),
      SES_PORT: String(checkout.sesPort),
      ...overrides,
    },
  });
}

async function startDev(checkout: Checkout): Promise<void> {
  checkout.log.length = 0;
  const dev = spawnDev(checkout);
  checkout.dev = dev;
  const record = (chunk: Buffer) => checkout.log.push(chunk.toString());
  dev.stdout!.on('data', record);
  dev.stderr!.on('data', record);
  for (let waited = 0; waited < 120_000; waited += 500) {
    if (dev.exitCode !== null) break;
    const reply = await fetch(`http://localhost:${checkout.port}/api/tags`).catch(() => undefined);
    if (reply?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`npm run dev in ${checkout.dir} did not serve:\n${checkout.log.join('').slice(-3000)}`);
}

async function stopDev(checkout: Checkout): Promise<void> {
  await stopAndWait(checkout.dev?.pid);
  checkout.dev = undefined;
}

/** Signs in as the demo user every seeded database has, and reads the user back with the token. */
async function signInWorks({ port }: Checkout): Promise<boolean> {
  const login = await fetch(`http://localhost:${port}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: { email: 'jake@example.com', password: 'password123' } }),
  });
  if (login.status !== 200) return false;
  const { user } = (await login.json()) as { user: { token: string } };
  const me = await fetch(`http://localhost:${port}/api/user`, {
    headers: { authorization: `Token ${user.token}` },
  });
  return me.status === 200;
}

const checkouts: Checkout[] = [];

beforeAll(async () => {
  const run = randomBytes(3).toString('hex');
  for (const name of ['a', 'b'])
    checkouts.push({
      dir: cloneOfThisRepository(),
      database: `conduit_e2e_${name}_${run}`,
      port: await freePort(),
      lambdaPort: await freePort(),
      s3Port: await freePort(),
      sesPort: await freePort(),
      log: [],
    });
});

afterAll(async () => {
  for (const checkout of checkouts) await stopDev(checkout);
  const admin = await createConnection({ uri: server });
  try {
    for (const { database } of checkouts) await admin.query(`drop database if exists \`${database}\``);
  } finally {
    await admin.end();
  }
  for (const { database, dir } of checkouts) {
    const { app, migrator } = accountNamesFor(database, {});
    await dropUsers(server, [app, migrator]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two checkouts with their own DB_NAME and PORT both keep working, whatever order they start in', async () => {
  // Arrange / Act: A starts, then B, then A again (a restart re-provisions its users)
  const [a, b] = checkouts as [Checkout, Checkout];
  await startDev(a);
  await startDev(b);
  const bothAfterB = [await signInWorks(a), await signInWorks(b)];
  await stopDev(a);
  await startDev(a);
  const bothAfterRestart = [await signInWorks(a), await signInWorks(b)];

  // Assert
  expect(bothAfterB).toEqual([true, true]);
  expect(bothAfterRestart).toEqual([true, true]);
  expect(readFileSync(path.join(a.dir, '.env'), 'utf8')).not.toBe(
    readFileSync(path.join(b.dir, '.env'), 'utf8'),
  );
});

/** Runs `npm run dev` expecting it to give up; resolves with its exit code and everything it printed. */
async function failedDev(checkout: Checkout, overrides: Record<string, string>) {
  const dev = spawnDev(checkout, overrides);
  let output = '';
  dev.stdout!.on('data', (chunk) => (output += chunk));
  dev.stderr!.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => dev.once('exit', resolve));
  return { code, output };
}

describe('a failing npm run dev names the step and the fix', () => {
  test('a taken port stops it before any database work', async () => {
    // Arrange: B's API holds its port (started by the test above, or now)
    const [a, b] = checkouts as [Checkout, Checkout];
    if (!b.dev) await startDev(b);

    // Act
    const { code, output } = await failedDev(a, { PORT: String(b.port), DB_NAME: 'conduit_never_created' });

    // Assert
    expect(code).toBe(1);
    expect(output).toContain(
      `npm run dev could not listen on ports ${b.port}, ${a.lambdaPort}, ${a.s3Port} and ${a.sesPort}: port ${b.port} is taken`,
    );
    expect(output).toMatch(/fix: .*set PORT, LAMBDA_PORT, S3_PORT and SES_PORT/);
  });

  test('an unreachable server', async () => {
    // Act
    const { code, output } = await failedDev(checkouts[0]!, {
      DATABASE_URL: 'mysql://root@127.0.0.1:1',
      PORT: String(await freePort()),
      LAMBDA_PORT: String(await freePort()),
      S3_PORT: String(await freePort()),
      SES_PORT: String(await freePort()),
    });

    // Assert
    expect(code).toBe(1);
    expect(output).toMatch(
      /npm run dev could not create the database \S+ on 127\.0\.0\.1:1 and its users: .*ECONNREFUSED/,
    );
    expect(output).toMatch(/fix: start MySQL or MariaDB/);
  });
});
