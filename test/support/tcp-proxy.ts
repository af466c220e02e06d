import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of the test's MySQL server, to stage what a Lambda container meets:
 *  - `statements`: the SQL text of every COM_QUERY that passed through (a wire tap: which endpoint got what);
 *  - `sever()`: every open connection dies silently, as while a container is frozen: the server side is
 *    closed, the client side is left open and is reset the moment the client next writes;
 *  - `stall()` / `resume()`: a network partition: nothing passes either way, on open connections and on new
 *    ones (whose handshake never arrives), until it heals and what was held back is delivered;
 *  - `cut(statement, moment)`: the connection that next sends a matching statement dies, either before the
 *    statement reaches the server (`unsent`) or after the server executed it, taking its reply (`executed`);
 *  - `stop()` / `start()`: the server goes away (connections closed, new ones refused) and comes back.
 */
export interface TcpProxy {
  readonly port: number;
  readonly statements: string[];
  /** The local ports of the proxy's connections to the server, as the server's processlist shows them. */
  upstreamPorts(): number[];
  /** Client connections the proxy holds open. */
  openConnections(): number;
  sever(): void;
  stall(): void;
  resume(): void;
  cut(statement: RegExp, moment: 'unsent' | 'executed'): void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

const COM_QUERY = 0x03;

/** Collects the COM_QUERY texts of one client's stream (packets: 3-byte length, sequence id, payload). */
function tap(): (chunk: Buffer) => string[] {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    const found: string[] = [];
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const length = pending.readUIntLE(0, 3);
      if (pending.length < 4 + length) break;
      const sequence = pending[3];
      const payload = pending.subarray(4, 4 + length);
      // A command starts a new sequence (0); the handshake and auth packets that share the stream do not.
      if (sequence === 0 && payload[0] === COM_QUERY) found.push(payload.subarray(1).toString('utf8'));
      pending = pending.subarray(4 + length);
    }
    return found;
  };
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Set once a statement went through that must lose its reply. */
  dropReply: boolean;
}

/** `onStatement` hears each statement as it passes, for a journal shared by several proxies. */
export async function startProxy(
  target: { host: string; port: number },
  onStatement: (sql: string) => void = () => {},
): Promise<TcpProxy & { close(): Promise<void> }> {
  const statements: string[] = [];
  const pairs = new Set<Pair>();
  let server: Server | undefined;
  let port = 0;
  let stalled = false;
  /** What a partition holds back, delivered in order when it heals. */
  let held: (() => void)[] = [];
  let cutRule: { statement: RegExp; moment: 'unsent' | 'executed' } | undefined;

  const pass = (deliver: () => void) => (stalled ? held.push(deliver) : deliver());

  const kill = (pair: Pair) => {
    pairs.delete(pair);
    pair.upstream.destroy();
    // A reset, as a NAT or a failed-over host answers a connection it no longer knows.
    pair.client.resetAndDestroy();
  };

  const accept = (client: Socket) => {
    const upstream = connect(target.port, target.host);
    const pair: Pair = { client, upstream, dropReply: false };
    pairs.add(pair);
    const record = tap();
    client.on('data', (chunk) =>
      pass(() => {
        if (!pairs.has(pair)) return;
        const sent = record(chunk);
        statements.push(...sent);
        sent.forEach((sql) => onStatement(sql));
        const matched = cutRule && sent.some((sql) => cutRule!.statement.test(sql));
        if (matched && cutRule!.moment === 'unsent') {
          cutRule = undefined;
          return kill(pair);
        }
        if (matched) {
          cutRule = undefined;
          pair.dropReply = true;
        }
        upstream.write(chunk);
      }),
    );
    upstream.on('data', (chunk) =>
      pass(() => {
        if (!pairs.has(pair)) return;
        if (pair.dropReply) return kill(pair);
        client.write(chunk);
      }),
    );
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
    openConnections: () => pairs.size,
    sever() {
      for (const pair of pairs) {
        pairs.delete(pair);
        const { client, upstream } = pair;
        upstream.removeAllListeners('close').removeAllListeners('error');
        client.removeAllListeners('data').removeAllListeners('close').removeAllListeners('error');
        upstream.destroy();
        // The client learns of it only when it next sends something: a reset, as after a thaw.
        client.once('data', () => client.resetAndDestroy());
        client.on('error', () => {});
      }
    },
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      const delivering = held;
      held = [];
      delivering.forEach((deliver) => deliver());
    },
    cut(statement: RegExp, moment: 'unsent' | 'executed') {
      cutRule = { statement, moment };
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
