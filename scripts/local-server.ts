import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/mysql2';
import { createConnection, createPool } from 'mysql2/promise';
import { connectionTargetOf, poolOptions, type Database } from '#db/client';
import { databaseOf, serverOf, withDatabase } from '#db/urls';

/**
 * Finds a MySQL-family server for development and tests, in this order: DATABASE_URL; a server on
 * 127.0.0.1:3306 (root, no password); a private server started from the installed mariadbd/mysqld with its
 * data under .local/ in the project; else an error that says what to install. Returns the server's URL
 * with no database name in it.
 */
export async function resolveServer(env = process.env): Promise<string> {
  if (env.DATABASE_URL) return serverOf(env.DATABASE_URL);
  const standard = 'mysql://root@127.0.0.1:3306';
  if (await answers(standard)) return standard;
  return startPrivateServer();
}

export async function answers(serverUrl: string): Promise<boolean> {
  try {
    const connection = await createConnection({ uri: serverUrl, connectTimeout: 2_000 });
    await connection.end();
    return true;
  } catch {
    return false;
  }
}

const root = path.resolve(__dirname, '..');
const home = path.join(root, '.local', 'mysql');
const port = Number(process.env.LOCAL_DB_PORT || 3307);

function findBinary(names: string[]): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(path.delimiter),
    '/usr/sbin',
    '/usr/local/sbin',
    '/usr/libexec',
  ];
  for (const name of names)
    for (const dir of dirs) if (existsSync(path.join(dir, name))) return path.join(dir, name);
  return undefined;
}

async function startPrivateServer(): Promise<string> {
  const url = `mysql://root@127.0.0.1:${port}`;
  if (await answers(url)) return url;
  const server = findBinary(['mariadbd', 'mysqld']);
  if (!server) {
    throw new Error(
      'No MySQL server found. Set DATABASE_URL, start a server on 127.0.0.1:3306 (root, no password), or install ' +
        'one so a private server can start here: `sudo apt-get install mariadb-server` (Debian/Ubuntu), ' +
        '`brew install mariadb` (macOS), or `docker compose up -d db`.',
    );
  }
  const dataDir = path.join(home, 'data');
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  if (!existsSync(path.join(dataDir, 'mysql'))) {
    mkdirSync(dataDir, { recursive: true });
    const installer = findBinary(['mariadb-install-db', 'mysql_install_db']);
    const init =
      path.basename(server) === 'mariadbd' && installer
        ? spawnSync(
            installer,
            [
              '--no-defaults',
              `--datadir=${dataDir}`,
              '--auth-root-authentication-method=normal',
              '--skip-test-db',
              ...asRoot,
            ],
            { encoding: 'utf8' },
          )
        : spawnSync(server, ['--no-defaults', '--initialize-insecure', `--datadir=${dataDir}`, ...asRoot], {
            encoding: 'utf8',
          });
    if (init.status !== 0) throw new Error(`Could not initialise ${dataDir}:\n${init.stderr || init.stdout}`);
  }
  const log = openSync(path.join(home, 'server.log'), 'a');
  const child = spawn(
    server,
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--socket=${path.join(home, 'mysqld.sock')}`,
      `--pid-file=${path.join(home, 'mysqld.pid')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      ...asRoot,
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  for (let waited = 0; waited < 30_000; waited += 250) {
    if (await answers(url)) return url;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The private server did not start within 30 s; see ${path.join(home, 'server.log')}`);
}

/** Runs `work` on the database at `databaseUrl` over a pool of its own, closed afterwards (scripts). */
export async function usingDatabase<T>(databaseUrl: string, work: (db: Database) => Promise<T>): Promise<T> {
  const pool = createPool(poolOptions(connectionTargetOf(databaseUrl)));
  try {
    return await work(drizzle({ client: pool }));
  } finally {
    await pool.end();
  }
}

/**
 * The development database as its server's administrator sees it: DB_NAME (else DATABASE_URL's database, else
 * `conduit`) on DATABASE_URL's server, else on whatever server resolveServer finds.
 */
export async function developmentDatabaseUrl(env = process.env): Promise<string> {
  const named = env.DATABASE_URL && databaseOf(env.DATABASE_URL);
  return withDatabase(await resolveServer(env), env.DB_NAME || named || 'conduit');
}
