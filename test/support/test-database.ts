import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { dropUsers, functionEnvironment, provisionUsers, type Account } from '#db/accounts';
import { migrateDatabase } from '#db/migrate';
import { databaseOf, serverOf, urlFor, withDatabase } from '#db/urls';
import { resolveServer } from '../../scripts/local-server';

const loopback = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Tests create and drop databases: they refuse any server that is not on this machine unless
 * CONDUIT_TEST_ALLOW_REMOTE_DB=1 says the operator really means it.
 */
export function assertLocal(serverUrl: string, env = process.env): void {
  const host = new URL(serverUrl).hostname;
  if (!loopback.has(host) && env.CONDUIT_TEST_ALLOW_REMOTE_DB !== '1') {
    throw new Error(
      `Refusing to run tests against ${host}: tests create and drop databases. Use a local server, or set ` +
        'CONDUIT_TEST_ALLOW_REMOTE_DB=1 if this server is disposable.',
    );
  }
}

export interface TestDatabase {
  /** The database as the server's administrator (root) sees it: for fixtures and cleanup only. */
  adminUrl: string;
  /** The least-privilege user the functions connect as. */
  app: Account;
  migrator: Account;
}

const secret = () => randomBytes(18).toString('base64url');

/**
 * A database of its own for one test run, set up as production is: the two service users are created
 * (db/accounts.ts), the migrator applies the migrations, and the functions will connect as the app user.
 */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const server = await resolveServer();
  assertLocal(server);
  const suffix = randomBytes(4).toString('hex');
  const database = `conduit_test_${label}_${suffix}`;
  const app = { user: `ct_app_${suffix}`, password: secret() };
  const migrator = { user: `ct_migrator_${suffix}`, password: secret() };
  await provisionUsers(server, { database, app, migrator });
  await migrateDatabase(urlFor(server, database, migrator));
  return { adminUrl: withDatabase(server, database), app, migrator };
}

/** The environment a function needs to reach `test` as its app user (secrets from the environment source). */
export function functionEnvironmentOf({ adminUrl, app }: TestDatabase): Record<string, string> {
  return functionEnvironment(serverOf(adminUrl), databaseOf(adminUrl), app);
}

export async function dropTestDatabase({ adminUrl, app, migrator }: TestDatabase): Promise<void> {
  const connection = await createConnection({ uri: serverOf(adminUrl) });
  try {
    await connection.query(`drop database if exists \`${databaseOf(adminUrl)}\``);
  } finally {
    await connection.end();
  }
  await dropUsers(serverOf(adminUrl), [app.user, migrator.user]);
}

/**
 * Runs SQL on the integration run's database as the server's administrator, for what a test arranges or
 * checks behind the API's back (aging a token, counting rows a failed request must leave alone).
 */
export async function asAdmin<T>(sql: string, values: unknown[] = []): Promise<T> {
  const { adminUrl } = JSON.parse(process.env.CONDUIT_TEST_DATABASE!) as TestDatabase;
  const connection = await createConnection({ uri: adminUrl, timezone: 'Z' });
  try {
    const [rows] = await connection.query(sql, values);
    return rows as T;
  } finally {
    await connection.end();
  }
}
