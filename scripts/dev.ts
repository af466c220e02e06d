import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants } from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { accountNamesFor, functionEnvironment, provisionUsers } from '#db/accounts';
import { migrateDatabase } from '#db/migrate';
import { databaseOf, serverOf, urlFor } from '#db/urls';
import { startLocalMail } from './local-mail';
import { avatarEnvironmentFor, startLocalS3 } from './local-s3';
import { developmentDatabaseUrl } from './local-server';
import { demoPassword, seedDatabase } from './seed';

/**
 * `npm run dev`: from a fresh clone to the API on http://localhost:3000/api. Creates .env (with random
 * secrets) when missing, checks its ports are free, finds or starts a MySQL server, creates the database
 * (DB_NAME, default `conduit`) and its two users as production has them (named after the database, so two
 * checkouts with different DB_NAME share a server safely), migrates it as the migrator, seeds it as the app
 * user, then runs `serverless offline --stage local` (functions connect as the app user) until it is
 * stopped. A failing step says which it was and, for the usual causes, what to do.
 */
const root = path.resolve(__dirname, '..');
const bin = path.join(root, 'node_modules', '.bin');

const random = () => randomBytes(32).toString('base64url');

/** The secrets a local run needs, and how to make each (the names stand for SSM parameters, see README). */
const localSecrets: Record<string, () => string> = {
  JWT_SIGNING_KEYS: () => `local-1=${random()}`,
  DB_APP_PASSWORD: random,
  DB_MIGRATOR_PASSWORD: random,
};

/** Copies .env.example to .env with fresh secrets filled in; an existing .env is never touched. */
function ensureDotenv(dir = root): boolean {
  const target = path.join(dir, '.env');
  if (existsSync(target)) return false;
  let filled = readFileSync(path.join(dir, '.env.example'), 'utf8');
  for (const [name, generate] of Object.entries(localSecrets)) {
    const value = generate();
    const line = new RegExp(`^${name}=.*$`, 'm');
    filled = line.test(filled)
      ? filled.replace(line, `${name}=${value}`)
      : `${filled.trimEnd()}\n${name}=${value}\n`;
  }
  writeFileSync(target, filled, { mode: 0o600 });
  return true;
}

/** .env's values under the current environment's: a variable set in the shell wins, as with dotenv. */
function localEnvironment(dir = root, env = process.env): NodeJS.ProcessEnv {
  const file = path.join(dir, '.env');
  const values = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...values, ...env };
}

/** A step of `npm run dev` failed: says which, why, and (for causes we know) what to do about it. */
class StepFailed extends Error {
  constructor(step: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const fix = fixFor(cause);
    super(`npm run dev could not ${step}: ${reason}${fix ? `\n  fix: ${fix}` : ''}`, { cause });
  }
}

/** What a developer can do about the failures a first run meets most. */
function fixFor(error: unknown): string | undefined {
  const { code } = (error ?? {}) as { code?: string };
  switch (code) {
    case 'ECONNREFUSED':
    case 'ETIMEDOUT':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
      return 'start MySQL or MariaDB (127.0.0.1:3306, root, no password), or set DATABASE_URL in .env';
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
    case 'ER_SPECIFIC_ACCESS_DENIED_ERROR':
    case 'ER_CANNOT_USER':
      return 'DATABASE_URL must name an administrator (it creates the database and its users), e.g. mysql://root@127.0.0.1:3306';
    case 'EADDRINUSE':
      return 'another process (another npm run dev?) holds the port: set PORT, LAMBDA_PORT, S3_PORT and SES_PORT in .env or the shell';
    default:
      return undefined;
  }
}

async function step<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new StepFailed(name, error);
  }
}

/** Resolves once `port` can be listened on, so a taken port stops the run before any database work. */
function portFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: Error & { code?: string }) =>
      reject(Object.assign(new Error(`port ${port} is taken`), { code: error.code })),
    );
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

async function main(): Promise<void> {
  if (ensureDotenv()) console.log('created .env from .env.example with random secrets');
  Object.assign(process.env, localEnvironment());
  const env = process.env;
  for (const name of Object.keys(localSecrets))
    if (!env[name])
      throw new Error(`${name} is empty in .env: fill it in, or delete .env to have it generated`);
  const s3Port = Number(env.S3_PORT || 4569);
  const sesPort = Number(env.SES_PORT || 8005);
  const ports = [Number(env.PORT || 3000), Number(env.LAMBDA_PORT || 3002), s3Port, sesPort];
  const named = `${ports.slice(0, -1).join(', ')} and ${ports.at(-1)}`;
  await step(`listen on ports ${named}`, () => Promise.all(ports.map(portFree)));

  // An administrator's connection (root locally) creates the database and the service's users.
  const adminUrl = await step('find a database server', () => developmentDatabaseUrl());
  const server = serverOf(adminUrl);
  const database = databaseOf(adminUrl);
  const where = `${database} on ${new URL(server).host}`;
  const names = accountNamesFor(database);
  const app = { user: names.app, password: env.DB_APP_PASSWORD! };
  const migrator = { user: names.migrator, password: env.DB_MIGRATOR_PASSWORD! };
  await step(`create the database ${where} and its users`, () =>
    provisionUsers(server, { database, app, migrator }),
  );
  await step(`migrate ${where}`, () => migrateDatabase(urlFor(server, database, migrator)));
  const seeded = await step(`seed ${where}`, () => seedDatabase(urlFor(server, database, app)));
  console.log(
    seeded.skipped
      ? `migrated ${where}; demo data already present`
      : `migrated and seeded ${where} (demo users jake, jane, alex @example.com, password ${demoPassword})`,
  );
  // The avatar bucket and its CDN, offline: pictures stay under .local/s3 between runs.
  const s3 = await step(`start the local S3 server on port ${s3Port}`, () =>
    startLocalS3({
      port: s3Port,
      bucket: 'avatars',
      directory: path.join(root, '.local', 's3'),
      corsOrigins: env.CORS_ORIGINS || '*',
    }),
  );
  console.log(`avatars are uploaded to and served from ${s3.bucketUrl}`);
  // E-mails, offline: the worker sends through the SES client to aws-ses-v2-local, whose page shows them.
  const mail = await step(`start the local mail server on port ${sesPort}`, () => startLocalMail(sesPort));
  console.log(`e-mails (welcome, new follower, new comment) appear at ${mail.url} within a minute`);
  // Node 24 (this process's node) first on PATH: the serverless script starts with `#!/usr/bin/env node`.
  const child = spawn(
    path.join(bin, 'serverless'),
    ['offline', '--stage', 'local', ...process.argv.slice(2)],
    {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...env,
        // The local stage's database (serverless.yml reads these); secrets reach the functions from .env.
        ...functionEnvironment(server, database, app),
        ...avatarEnvironmentFor(s3),
        SES_ENDPOINT: mail.url,
        PATH: [path.dirname(process.execPath), bin, env.PATH].join(path.delimiter),
      },
    },
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal);
    });
  child.on('error', (error) => {
    console.error(`could not start serverless offline: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
