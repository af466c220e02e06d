import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { withReplicas } from 'drizzle-orm/mysql-core';
import { createPool, type Pool, type PoolConnection, type PoolOptions } from 'mysql2/promise';
import { databaseSettings, type DatabaseSettings, type Endpoint } from '#lib/config/env';
import { ConfigError } from '#lib/config/errors';
import { lazy } from '#lib/lazy';
import { secrets } from '#lib/config/secrets';
import { log } from '#lib/log';
import { asDomainError, DatabaseTimeout, driverError, isConnectionFailure, isConnectionLost } from './errors';
import { countRoundTrip, markWrite, mayReadFromReplica } from '#lib/request-scope';

export type Database = MySql2Database;
/** A database handle or an open transaction: repositories accept either. */
export type Executor = Pick<Database, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;

export interface ConnectionTarget extends Endpoint {
  password: string;
  database: string;
  /** Verify the server against the RDS certificate authorities (mysql2's 'Amazon RDS' profile; see deploy/esbuild-plugins.js). */
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
    // Rows are parsed by mysql2's generic parsers, not by code it generates per query shape: nothing to compile
    // on a cold start, and no code generator in the bundle (deploy/esbuild-plugins.js).
    disableEval: true,
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
 * How long one statement may wait for its reply before the database counts as stalled (a partition, a failover
 * in progress, a lock held too long). With the 3 s connect timeout, the slowest path a request can take to a
 * 503 (a lost read, its retry connecting, then stalling) stays at half the 10 s function timeout.
 */
export const statementDeadlineMs = 2_000;

/**
 * A connection that answered less than this long ago is trusted with a write as it is; an older one is pinged
 * first, since a write is never sent twice. Within a request statements follow each other by milliseconds;
 * between invocations a container may have been frozen for hours while the server or a NAT closed its sockets.
 */
export const trustedForMs = 1_000;

/**
 * Reads: sending one again after its connection was lost cannot write twice. Anything else (a statement that
 * starts with a comment or a parenthesis too) counts as a write, which errs on the safe side.
 */
const read = /^\s*select\b/i;

type Query = Pool['query'];
type QueryArgs = Parameters<Query>;
type Reply = Awaited<ReturnType<Query>>;
/** The driver's own connection object, shared by every PoolConnection wrapper handed out for it. */
type DriverConnection = PoolConnection['connection'];

/** The endpoints whose pool is open, so closeDatabase() reaches every one, even after a reset of the lazies. */
const withPools = new Set<{ close(): Promise<void> }>();

/** A pool, the connections that sit idle in it, and whether it has been given up. */
interface LivePool {
  pool: Pool;
  idle: Set<DriverConnection>;
  abandoned: boolean;
}

interface Borrowed {
  from: LivePool;
  connection: PoolConnection;
}

function statementOf([options]: QueryArgs): string {
  return typeof options === 'string' ? options : (options as { sql: string }).sql;
}

function rethrowAsDomainError(error: unknown): never {
  throw asDomainError(error);
}

/** `work`, or a DatabaseTimeout once `statementDeadlineMs` passed with no reply. */
function withinDeadline<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    const expire = () =>
      reject(new DatabaseTimeout(`no reply from the database within ${statementDeadlineMs} ms`));
    // Expires after the event loop's next poll: a reply that arrived while the loop was busy is read first.
    timer = setTimeout(() => setImmediate(expire), statementDeadlineMs);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * The pool drizzle talks to, for one endpoint (primary or replica). Every statement runs on a connection
 * borrowed for it, within `statementDeadlineMs`. A connection that fails or stalls takes its pool with it (the
 * idle connection beside it died or hangs the same way): the failed and idle connections are destroyed at once,
 * those lent to statements still in flight when they come back, and the next statement opens a new pool.
 * Nothing is sent twice but reads and a transaction's `begin`: a lost one goes once more to a fresh connection.
 * A write goes only to a connection that answered within `trustedForMs` or that has just answered a ping, and
 * a write whose connection fails is reported, not resent (the server may have executed it). The pool also
 * follows the current database password (a rotated secret replaces it).
 */
class Connections {
  private live: LivePool | undefined;
  private password: string | undefined;
  /** When each connection last answered: its handshake, a statement or a ping. */
  private readonly lastReply = new WeakMap<DriverConnection, number>();

  constructor(private readonly target: () => Omit<ConnectionTarget, 'password'>) {}

  private current(): LivePool {
    const { databasePassword } = secrets();
    if (this.live && this.password !== databasePassword) this.abandon(this.live);
    if (!this.live) {
      const pool = createPool(poolOptions({ ...this.target(), password: databasePassword }));
      const live: LivePool = { pool, idle: new Set(), abandoned: false };
      pool.on('connection', (connection) => {
        this.lastReply.set(connection, Date.now());
        // mysql2 drops a connection that closes or fails while idle; so do we.
        const forget = () => live.idle.delete(connection);
        connection.once('end', forget).once('error', forget);
      });
      this.live = live;
      this.password = databasePassword;
      withPools.add(this);
    }
    return this.live;
  }

  /**
   * Gives up a pool (its connection failed or stalled, or the password changed), unless that was done already:
   * its idle connections are destroyed now, the lent ones as they come back (giveBack). The pool is never
   * ended: a statement waiting for one of its connections still gets one.
   */
  private abandon(from: LivePool): void {
    from.abandoned = true;
    if (this.live === from) this.live = undefined;
    for (const connection of from.idle) connection.destroy();
    from.idle.clear();
  }

  private async borrow(): Promise<Borrowed> {
    const from = this.current();
    const connection = await from.pool.getConnection();
    from.idle.delete(connection.connection);
    return { from, connection };
  }

  /** Returns a borrowed connection to its pool, or destroys it if the pool was given up meanwhile. */
  private giveBack({ from, connection }: Borrowed): void {
    if (from.abandoned) return connection.destroy();
    from.idle.add(connection.connection);
    connection.release();
  }

  /** Sends one statement or ping within the deadline; a connection failure abandons the pool. */
  private async send<T>(borrowed: Borrowed, work: (connection: PoolConnection) => Promise<T>): Promise<T> {
    countRoundTrip();
    try {
      const result = await withinDeadline(work(borrowed.connection));
      this.lastReply.set(borrowed.connection.connection, Date.now());
      return result;
    } catch (error) {
      if (isConnectionFailure(error)) {
        borrowed.connection.destroy();
        this.abandon(borrowed.from);
      }
      throw error;
    }
  }

  /**
   * A connection to send a write on: one that answered within `trustedForMs`, else one that answers a ping
   * now. When the ping finds the connection lost, the write was never sent, so it goes to a new one.
   */
  private async trusted(): Promise<Borrowed> {
    const borrowed = await this.borrow();
    const answeredAt = this.lastReply.get(borrowed.connection.connection) ?? 0;
    if (Date.now() - answeredAt < trustedForMs) return borrowed;
    try {
      await this.send(borrowed, (connection) => connection.ping());
      return borrowed;
    } catch (error) {
      this.giveBack(borrowed);
      if (!isConnectionLost(error)) throw error;
      log.warn('database connection lost before a write; using a new one', {
        code: driverError(error)?.code,
      });
      return this.borrow();
    }
  }

  /**
   * Runs a statement that is safe to send twice (a read, a transaction's `begin`), once more on a new pool's
   * connection if the first was lost. Returns the connection it ran on, still borrowed.
   */
  private async sendRepeatable(args: QueryArgs): Promise<[Reply, Borrowed]> {
    for (let attempt = 1; ; attempt++) {
      const borrowed = await this.borrow();
      try {
        return [await this.send(borrowed, (connection) => connection.query(...args)), borrowed];
      } catch (error) {
        this.giveBack(borrowed);
        if (attempt > 1 || !isConnectionLost(error)) throw error;
        log.warn('database connection lost; sending the statement once more on a new one', {
          code: driverError(error)?.code,
        });
      }
    }
  }

  /** One statement outside a transaction. */
  private async run(args: QueryArgs): Promise<Reply> {
    if (read.test(statementOf(args))) {
      const [reply, borrowed] = await this.sendRepeatable(args);
      this.giveBack(borrowed);
      return reply;
    }
    return this.sendOnce(await this.trusted(), args);
  }

  /** Sends a statement on `borrowed`, never again, and gives the connection back. */
  private async sendOnce(borrowed: Borrowed, args: QueryArgs): Promise<Reply> {
    try {
      return await this.send(borrowed, (connection) => connection.query(...args));
    } finally {
      this.giveBack(borrowed);
    }
  }

  /**
   * What drizzle calls `client`: `query` for statements, `getConnection` for transactions. `onStatement`
   * hears of every statement (the primary's writer marks the request as one that wrote).
   */
  client(onStatement: () => void = () => {}) {
    return {
      query: ((...args: QueryArgs) => {
        onStatement();
        return this.run(args).catch(rethrowAsDomainError);
      }) as Query,
      getConnection: () => {
        onStatement();
        return this.transactionConnection();
      },
    };
  }

  /**
   * A connection for one transaction, as drizzle drives it: `begin`, its statements, then `commit` or
   * `rollback`. The first statement (`begin`) is repeatable; nothing after it is ever resent. Once a statement
   * meets a failed connection, the server discards the open transaction as it sees the socket close: the
   * `rollback` drizzle sends then is answered here without the network, so the error the request reports is
   * the connection failure itself, and any other statement fails with that same error.
   */
  private async transactionConnection() {
    let borrowed: Borrowed | undefined;
    let failure: unknown;
    return {
      query: (async (...args: QueryArgs) => {
        if (failure) {
          if (/^\s*rollback\s*$/i.test(statementOf(args))) return [{ affectedRows: 0 }, undefined];
          throw failure;
        }
        try {
          if (borrowed) return await this.send(borrowed, (connection) => connection.query(...args));
          const [reply, used] = await this.sendRepeatable(args);
          borrowed = used;
          return reply;
        } catch (error) {
          const reported = asDomainError(error);
          if (isConnectionFailure(error)) failure = reported;
          throw reported;
        }
      }) as Query,
      release: () => borrowed && this.giveBack(borrowed),
    };
  }

  /**
   * Runs `select 1` as any read runs (once more on a new connection if an idle one was found dead, as after a
   * freeze): what a warm-up proves and the health check asks. A failure is reported as any statement's is (a
   * database that does not answer as DatabaseUnavailable).
   */
  async check(): Promise<void> {
    await this.run([{ sql: 'select 1' }]).catch(rethrowAsDomainError);
  }

  async close(): Promise<void> {
    const closing = this.live;
    this.live = undefined;
    this.password = undefined;
    withPools.delete(this);
    await closing?.pool.end();
  }
}

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
const databases = lazy(() => {
  const { replica: hasReplica } = databaseSettings();
  const primary = new Connections(endpointTarget((settings) => settings.primary));
  const writer = drizzle({ client: primary.client(markWrite) as unknown as Pool });
  if (!hasReplica) return { primary, db: writer, primaryReader: writer };
  const replica = new Connections(endpointTarget((settings) => settings.replica));
  const reader = drizzle({ client: replica.client() as unknown as Pool });
  return {
    primary,
    replica,
    db: withReplicas(writer, [reader], () => (mayReadFromReplica() ? reader : writer)),
    primaryReader: drizzle({ client: primary.client() as unknown as Pool }) as Database,
  };
});

export function database(): Database {
  return databases().db;
}

/**
 * Reads that must not lag behind a write made by another request (is this session still open after a
 * logout?): they go to the primary, on the same pool, yet leave the rest of the request's reads on the replica.
 */
export function primaryReads(): Database {
  return databases().primaryReader;
}

/**
 * Opens a connection to the primary, and to the replica when there is one, and runs `select 1` on each:
 * what a warm-up proves before a new version takes traffic. Nothing is written, nothing is retried.
 */
export async function checkConnections(): Promise<void> {
  const { primary, replica } = databases();
  await Promise.all([primary.check(), replica?.check()]);
}

/** Closes the pools (scripts, tests); the next statement opens new ones with the settings then in force. */
export async function closeDatabase(): Promise<void> {
  await Promise.all([...withPools].map((connections) => connections.close()));
}
