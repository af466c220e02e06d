import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of the test's MySQL server, to stage what a Lambda container meets:
 *  - `statements`: the SQL text of every COM_QUERY that passed through (a wire tap: which endpoint got what);
 *  - `sever()`: every open connection dies silently, as while a container is frozen: the server side is
 *    closed, the client side is left open and is reset the moment the client next writes;
 *  - `stop()` / `start()`: the server goes away (connections closed, new ones refused) and comes back.
 */
export interface TcpProxy {
  readonly port: number;
  readonly statements: string[];
  /** The local ports of the proxy's connections to the server, as the server's processlist shows them. */
  upstreamPorts(): number[];
  sever(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

const COM_QUERY = 0x03;

/** Collects the COM_QUERY texts of one client's stream (packets: 3-byte length, sequence id, payload). */
function tap(onStatement: (sql: string) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const length = pending.readUIntLE(0, 3);
      if (pending.length < 4 + length) return;
      const sequence = pending[3];
      const payload = pending.subarray(4, 4 + length);
      // A command starts a new sequence (0); the handshake and auth packets that share the stream do not.
      if (sequence === 0 && payload[0] === COM_QUERY) onStatement(payload.subarray(1).toString('utf8'));
      pending = pending.subarray(4 + length);
    }
  };
}

/** `onStatement` hears each statement as it passes, for a journal shared by several proxies. */
export async function startProxy(
  target: { host: string; port: number },
  onStatement: (sql: string) => void = () => {},
): Promise<TcpProxy & { close(): Promise<void> }> {
  const statements: string[] = [];
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let server: Server | undefined;
  let port = 0;

  const accept = (client: Socket) => {
    const upstream = connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const record = tap((sql) => {
      statements.push(sql);
      onStatement(sql);
    });
    client.on('data', (chunk) => {
      record(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const forget = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer(accept);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });

  await listen();
  const proxy = {
    get port() {
      return port;
    },
    statements,
    upstreamPorts: () => [...pairs].map(({ upstream }) => upstream.localPort!).filter(Boolean),
    sever() {
      for (const pair of pairs) {
        pairs.delete(pair);
        const { client, upstream } = pair;
        upstream.removeAllListeners('close').removeAllListeners('error');
        client.removeAllListeners('data').removeAllListeners('close').removeAllListeners('error');
        upstream.unpipe(client);
        upstream.destroy();
        // The client learns of it only when it next sends something: a reset, as after a thaw.
        client.once('data', () => client.resetAndDestroy());
        client.on('error', () => {});
      }
    },
    async stop() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    },
    start: listen,
    close: () => proxy.stop(),
  };
  return proxy;
}
