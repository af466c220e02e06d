/**
 * npm run bench [-- --requests 200]: the warm path at two scales. Seeds, in bulk SQL, a database of its own at
 * about 2,000 articles / 200 users and 100,000 articles / 10,000 users (tags, favorites, follows, comments;
 * ten articles per author at both scales), then calls the packaged handlers (`serverless package --stage
 * prod`) in this process, warm, one request at a time. For each endpoint: p50 and p99 latency, the database
 * round trips per request (the access line's `dbRoundTrips`), and the p50 of the best hand-written SQL for the
 * same reply (its floor; with a token, the session check's primary-key lookup first). Left out: the network to the database (it is on this machine) and API Gateway.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createConnection, type Connection } from 'mysql2/promise';
import { root } from '../support/packaging';
import {
  createTestDatabase,
  dropTestDatabase,
  functionEnvironmentOf,
  type TestDatabase,
} from '../support/test-database';
import { clientOf, packagedFunctions, type Client } from './support/packaged';
import { floors, seed, viewerId, type Scale } from './support/warm-data';

const { values: options } = parseArgs({
  options: { requests: { type: 'string', default: '200' }, scales: { type: 'string' } },
});
const requests = Number(options.requests);

const allScales: Scale[] = [
  { label: '2k', users: 200, articles: 2_000 },
  { label: '100k', users: 10_000, articles: 100_000 },
];
/** `--scales 2k`: one scale only, for a quick look (growth is then not reported). */
const scales = allScales.filter(({ label }) => options.scales?.split(',').includes(label) ?? true);

interface Endpoint {
  name: string;
  read: boolean;
  /** Sends the viewer's token: its floor includes the session check, one primary-key lookup. */
  signedIn?: boolean;
  call(api: Client, token: string, run: number): Promise<{ status: number; raw: string }>;
}

/** The requests measured; the floors (support/warm-data.ts) answer the same replies in SQL. */
const endpoints: Endpoint[] = [
  { name: 'list articles', read: true, call: (api) => api.get('/api/articles?limit=20') },
  {
    name: 'list articles, token',
    read: true,
    signedIn: true,
    call: (api, token) => api.get('/api/articles?limit=20', { token }),
  },
  { name: 'list by tag', read: true, call: (api) => api.get('/api/articles?tag=tag7&limit=20') },
  { name: 'list by author', read: true, call: (api) => api.get('/api/articles?author=user42&limit=20') },
  {
    name: 'list by favorited',
    read: true,
    call: (api) => api.get('/api/articles?favorited=user42&limit=20'),
  },
  {
    name: 'feed',
    read: true,
    signedIn: true,
    call: (api, token) => api.get('/api/articles/feed?limit=20', { token }),
  },
  {
    name: 'get article',
    read: true,
    signedIn: true,
    call: (api, token) => api.get('/api/articles/article-1000', { token }),
  },
  {
    name: 'comments',
    read: true,
    signedIn: true,
    call: (api, token) => api.get('/api/articles/article-1000/comments', { token }),
  },
  {
    name: 'profile',
    read: true,
    signedIn: true,
    call: (api, token) => api.get('/api/profiles/user42', { token }),
  },
  // Kept per container for TAGS_CACHE_SECONDS: after the first request, every one is a hit.
  { name: 'tags (cache hit)', read: true, call: (api) => api.get('/api/tags') },
  {
    name: 'create article',
    read: false,
    call: (api, token, run) =>
      api.post(
        '/api/articles',
        { article: { title: `Warm ${run}`, description: 'd', body: 'b', tagList: ['tag1', 'tag2'] } },
        { token },
      ),
  },
  {
    name: 'favorite',
    read: false,
    call: (api, token) => api.post('/api/articles/article-1001/favorite', undefined, { token }),
  },
];

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
};

/**
 * The access lines the handlers print (Powertools Logger, on stdout), kept here instead of printed: each
 * request's `dbRoundTrips`. Every other JSON line the handlers print is dropped.
 */
const accessLines: { dbRoundTrips: number }[] = [];
function keepAccessLines(): void {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'string' || !chunk.startsWith('{')) return write(chunk as string, ...(rest as []));
    for (const text of chunk.split('\n').filter(Boolean)) {
      const line = JSON.parse(text) as { message?: string; dbRoundTrips: number };
      if (line.message === 'request') accessLines.push(line);
    }
    return true;
  }) as typeof process.stdout.write;
}

interface Figures {
  p50: number;
  p99: number;
  roundTrips: number;
  floor?: number;
}

async function measure(api: Client, token: string, endpoint: Endpoint): Promise<Omit<Figures, 'floor'>> {
  const count = endpoint.read ? requests : Math.ceil(requests / 4);
  for (let i = 0; i < 10; i++) await endpoint.call(api, token, -i - 1);
  const first = accessLines.length;
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const reply = await endpoint.call(api, token, i);
    times.push(performance.now() - started);
    if (reply.status >= 300) throw new Error(`${endpoint.name} answered ${reply.status}: ${reply.raw}`);
  }
  const trips = accessLines.slice(first).map(({ dbRoundTrips }) => dbRoundTrips);
  // A read costs the same every time; a write may add a ping (a connection idle over 1 s, db/client.ts).
  if (endpoint.read && new Set(trips).size !== 1)
    throw new Error(`${endpoint.name}: round trips vary (${[...new Set(trips)].join(', ')})`);
  return { p50: percentile(times, 50), p99: percentile(times, 99), roundTrips: percentile(trips, 50) };
}

/** The p50 of `statements` run one after the other, as a request would. */
async function measureFloor(connection: Connection, statements: string[]): Promise<number> {
  const run = async () => {
    for (const sql of statements) await connection.query(sql);
  };
  for (let i = 0; i < 10; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return percentile(times, 50);
}

async function main(): Promise<void> {
  mkdirSync(path.join(root, '.local'), { recursive: true });
  const folder = mkdtempSync(path.join(root, '.local', 'bench-warm-'));
  const databases: TestDatabase[] = [];
  try {
    console.log('packaging (serverless package --stage prod) …');
    const functions = await packagedFunctions(folder);
    keepAccessLines();
    // Every API function's environment is the provider's; listTags adds how long it keeps the tags (its cache
    // is measured as deployed: `tags` is then a hit).
    const template = {
      ...functions[0]!.environment,
      ...functions.find(({ name }) => name === 'listTags')!.environment,
    };
    const results = new Map<string, Map<string, Figures>>();
    for (const scale of scales) {
      const database = await createTestDatabase(`bench${scale.label}`);
      databases.push(database);
      const started = performance.now();
      await seed(database.adminUrl, scale);
      console.log(
        `${scale.label}: seeded ${scale.articles} articles, ${scale.users} users in ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      // Each scale is a fresh set of containers: the bundles are loaded again, against this database.
      for (const key of Object.keys(require.cache)) if (key.startsWith(folder)) delete require.cache[key];
      Object.assign(process.env, template, functionEnvironmentOf(database), {
        SSM_PREFIX: '',
        DB_PASSWORD_PARAMETER: '',
        DB_TLS: 'off',
        JWT_SIGNING_KEYS: `k1=${'w'.repeat(40)}`,
        LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_DISABLED: 'true',
      });
      const api = clientOf(functions);
      const login = await api.post('/api/users/login', {
        user: { email: 'user1@example.com', password: 'password123' },
      });
      if (login.status !== 200) throw new Error(`login failed: ${login.raw}`);
      const token = login.body.user.token as string;

      const admin = await createConnection({ uri: database.adminUrl, timezone: 'Z' });
      const [[session]] = (await admin.query(
        'select id from sessions where user_id = ? order by id desc limit 1',
        [viewerId],
      )) as unknown as [{ id: number }[]];
      const sessionCheck = `select id from sessions where id = ${session!.id} and user_id = ${viewerId} limit 1`;
      const figures = new Map<string, Figures>();
      try {
        for (const endpoint of endpoints) {
          const measured = await measure(api, token, endpoint);
          const floor = floors[endpoint.name];
          const statements = endpoint.signedIn ? [sessionCheck, floor!] : [floor!];
          figures.set(endpoint.name, {
            ...measured,
            floor: floor ? await measureFloor(admin, statements) : undefined,
          });
        }
      } finally {
        await admin.end();
      }
      results.set(scale.label, figures);
    }
    report(results);
  } finally {
    for (const database of databases) await dropTestDatabase(database);
    rmSync(folder, { recursive: true, force: true });
  }
}

function report(results: Map<string, Map<string, Figures>>): void {
  const measured = scales.map(({ label }) => results.get(label)!);
  const [small, large] = [measured[0]!, measured.at(-1)!];
  const growthShown = measured.length > 1;
  const columns = [
    'endpoint',
    'round trips',
    ...scales.flatMap(({ label }) => [
      `${label} p50 ms`,
      `${label} p99 ms`,
      `${label} floor ms`,
      `${label} × floor`,
    ]),
    ...(growthShown ? ['100k/2k'] : []),
  ];
  console.log(`\n| ${columns.join(' | ')} |\n|${' --- |'.repeat(columns.length)}`);
  let worst = { name: '', p50: 0, ratio: 0 };
  let maxReadTrips = 0;
  let maxGrowth = 0;
  for (const endpoint of endpoints) {
    const row = [endpoint.name, String(large.get(endpoint.name)!.roundTrips)];
    for (const scale of measured) {
      const { p50, p99, floor } = scale.get(endpoint.name)!;
      const ratio = floor ? p50 / floor : undefined;
      if (ratio && ratio > worst.ratio) worst = { name: endpoint.name, p50, ratio };
      row.push(p50.toFixed(2), p99.toFixed(2), floor?.toFixed(2) ?? '', ratio?.toFixed(2) ?? '');
    }
    if (growthShown) {
      const growth = large.get(endpoint.name)!.p50 / small.get(endpoint.name)!.p50;
      maxGrowth = Math.max(maxGrowth, growth);
      row.push(growth.toFixed(2));
    }
    if (endpoint.read) maxReadTrips = Math.max(maxReadTrips, large.get(endpoint.name)!.roundTrips);
    console.log(`| ${row.join(' | ')} |`);
  }
  console.log(
    `warm path: worst ${worst.name} p50 ${worst.p50.toFixed(2)} ms = ${worst.ratio.toFixed(2)}x SQL floor; ` +
      `max read round trips ${maxReadTrips}; 100k/2k growth ${growthShown ? `${maxGrowth.toFixed(2)}x` : 'not measured'}`,
  );
}

// The bundles keep their database pools open in this process: exit once the report is out.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
