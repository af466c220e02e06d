import { drizzle } from 'drizzle-orm/mysql2';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import { createConnection } from 'mysql2/promise';
import path from 'node:path';
import { createDatabase } from './accounts';
import { databaseOf, serverOf } from './urls';

const migrationsFolder = path.join(__dirname, 'migrations');

/**
 * Creates the database if needed and applies pending migrations from
 * `folder` (a Lambda bundle ships them beside itself, see functions/deploy/migrate.ts).
 */
export async function migrateDatabase(databaseUrl: string, folder = migrationsFolder): Promise<void> {
  const name = databaseOf(databaseUrl);
  const server = await createConnection({ uri: serverOf(databaseUrl), disableEval: true });
  try {
    await createDatabase(server, name);
  } finally {
    await server.end();
  }
  const connection = await createConnection({
    uri: databaseUrl,
    multipleStatements: false,
    disableEval: true,
  });
  try {
    await migrate(drizzle({ client: connection }), { migrationsFolder: folder });
  } finally {
    await connection.end();
  }
}
