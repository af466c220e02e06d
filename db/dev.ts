import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { databaseOf } from './local-server';
import { developmentDatabaseUrl, migrateDatabase } from './migrate';
import { demoPassword, seedDatabase } from './seed';

/**
 * `npm run dev`: from a fresh clone to the API on http://localhost:3000/api. Creates .env (with a random
 * JWT_SECRET) when missing, finds or starts a MySQL server, migrates and seeds the `conduit` database, then
 * runs `serverless offline --stage dev` in the foreground until it is stopped.
 */
const root = path.resolve(__dirname, '..');
const bin = path.join(root, 'node_modules', '.bin');

/** Copies .env.example to .env with a fresh JWT_SECRET; an existing .env is never touched. */
export function ensureDotenv(dir = root): boolean {
  const target = path.join(dir, '.env');
  if (existsSync(target)) return false;
  const example = readFileSync(path.join(dir, '.env.example'), 'utf8');
  const secret = randomBytes(32).toString('base64url');
  const filled = /^JWT_SECRET=.*$/m.test(example)
    ? example.replace(/^JWT_SECRET=.*$/m, `JWT_SECRET=${secret}`)
    : `${example.trimEnd()}\nJWT_SECRET=${secret}\n`;
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
  if (ensureDotenv()) console.log('created .env from .env.example with a random JWT_SECRET');
  Object.assign(process.env, localEnvironment());

  const databaseUrl = await developmentDatabaseUrl();
  // The services the seed runs through read their configuration from the environment.
  process.env.DATABASE_URL = databaseUrl;
  const where = `${databaseOf(databaseUrl)} on ${new URL(databaseUrl).host}`;
  await migrateDatabase(databaseUrl);
  const seeded = await seedDatabase(databaseUrl);
  console.log(
    seeded.skipped
      ? `migrated ${where}; demo data already present`
      : `migrated and seeded ${where} (demo users jake, jane, alex @example.com, password ${demoPassword})`,
  );

  // Node 24 (this process's node) first on PATH: the serverless script starts with `#!/usr/bin/env node`.
  const child = spawn(path.join(bin, 'serverless'), ['offline', '--stage', 'dev', ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      PATH: [path.dirname(process.execPath), bin, process.env.PATH].join(path.delimiter),
    },
  });
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
