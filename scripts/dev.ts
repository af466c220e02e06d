import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { functionEnvironment, provisionUsers } from '#db/accounts';
import { migrateDatabase } from '#db/migrate';
import { databaseOf, serverOf, urlFor } from '#db/urls';
import { developmentDatabaseUrl } from './local-server';
import { demoPassword, seedDatabase } from './seed';

/**
 * `npm run dev`: from a fresh clone to the API on http://localhost:3000/api. Creates .env (with random
 * secrets) when missing, finds or starts a MySQL server, creates the `conduit` database and its two users as
 * production has them, migrates it as the migrator, seeds it as the app user, then runs
 * `serverless offline --stage local` (functions connect as the app user) until it is stopped.
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
export function ensureDotenv(dir = root): boolean {
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
export function localEnvironment(dir = root, env = process.env): NodeJS.ProcessEnv {
  const file = path.join(dir, '.env');
  const values = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...values, ...env };
}

async function main(): Promise<void> {
  if (ensureDotenv()) console.log('created .env from .env.example with random secrets');
  Object.assign(process.env, localEnvironment());
  const env = process.env;
  for (const name of Object.keys(localSecrets))
    if (!env[name])
      throw new Error(`${name} is empty in .env: fill it in, or delete .env to have it generated`);

  // An administrator's connection (root locally) creates the database and the service's users.
  const adminUrl = await developmentDatabaseUrl();
  const server = serverOf(adminUrl);
  const database = databaseOf(adminUrl);
  const app = { user: env.DB_USER || 'conduit_app', password: env.DB_APP_PASSWORD! };
  const migrator = { user: env.DB_MIGRATOR_USER || 'conduit_migrator', password: env.DB_MIGRATOR_PASSWORD! };
  await provisionUsers(server, { database, app, migrator });
  const where = `${database} on ${new URL(server).host}`;
  await migrateDatabase(urlFor(server, database, migrator));
  const seeded = await seedDatabase(urlFor(server, database, app));
  console.log(
    seeded.skipped
      ? `migrated ${where}; demo data already present`
      : `migrated and seeded ${where} (demo users jake, jane, alex @example.com, password ${demoPassword})`,
  );

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
