import { startProxy, type TcpProxy } from './tcp-proxy';
import { startNewContainer } from './container';

/**
 * Points this test file's functions at `port` on this machine: its pools close and the next statement opens
 * new ones there. Jest gives each file its own module registry, so other files keep their own pools.
 */
export async function pointDatabaseAt(port: number): Promise<void> {
  process.env.DB_HOST = '127.0.0.1';
  process.env.DB_PORT = String(port);
  await startNewContainer();
}

export interface DatabaseProxy extends TcpProxy {
  /** Points the functions back at the proxy (after a test pointed them elsewhere). */
  reconnect(): Promise<void>;
  /** Closes the proxy and points the functions at the database directly again. */
  restore(): Promise<void>;
}

/** A TCP proxy (./tcp-proxy.ts) between this test file's functions and the test database. */
export async function databaseThroughProxy(): Promise<DatabaseProxy> {
  const saved = { host: process.env.DB_HOST!, port: process.env.DB_PORT! };
  const proxy = await startProxy({ host: saved.host, port: Number(saved.port) });
  await pointDatabaseAt(proxy.port);
  return Object.assign(proxy, {
    reconnect: () => pointDatabaseAt(proxy.port),
    async restore() {
      await proxy.close();
      Object.assign(process.env, { DB_HOST: saved.host, DB_PORT: saved.port });
      await startNewContainer();
    },
  });
}
