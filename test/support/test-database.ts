import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { databaseOf, resolveServer, serverOf, withDatabase } from '#db/local-server';
import { migrateDatabase } from '#db/migrate';

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

/** Creates and migrates a database of its own for one test run; returns its URL. */
export async function createTestDatabase(label: string): Promise<string> {
  const server = await resolveServer();
  assertLocal(server);
  const url = withDatabase(server, `conduit_test_${label}_${randomBytes(4).toString('hex')}`);
  await migrateDatabase(url);
  return url;
}

export async function dropTestDatabase(url: string): Promise<void> {
  const connection = await createConnection({ uri: serverOf(url) });
  try {
    await connection.query(`drop database if exists \`${databaseOf(url)}\``);
  } finally {
    await connection.end();
  }
}
