import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { createPool, type Pool } from 'mysql2/promise';
import { config } from '#lib/config/env';

export type Database = MySql2Database;
/** A database handle or an open transaction: repositories accept either. */
export type Executor = Pick<Database, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;

let pool: Pool | undefined;
let db: Database | undefined;

/**
 * One small pool per container, created on first use: Lambda serves one request at a time, so two
 * connections cover a request and a transaction without queuing, and keep RDS's connection count low.
 */
export function database(): Database {
  if (!db) {
    pool = createPool(poolOptions(config().databaseUrl));
    db = drizzle({ client: pool });
  }
  return db;
}

/** The live pool, for scripts and tests that need to observe or close it. */
export function currentPool(): Pool | undefined {
  return pool;
}

export async function closeDatabase(): Promise<void> {
  const closing = pool;
  pool = undefined;
  db = undefined;
  await closing?.end();
}

export function poolOptions(url: string) {
  return {
    uri: url,
    connectionLimit: 2,
    enableKeepAlive: true,
    // A dead database must answer 503 within seconds, well inside the function timeout.
    connectTimeout: 3_000,
    // Dates travel as UTC strings; drizzle parses them, so the session time zone never matters.
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
  };
}
