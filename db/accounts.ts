import { createHash } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';

/**
 * Least-privilege database users, created (or brought up to date) by the server's administrator:
 *  - the migrator: DDL and data on the service's database only; migrations run as this user;
 *  - the app user: SELECT, INSERT, UPDATE and DELETE on that database only; every function connects as it.
 * Re-running sets the passwords again (rotation) and replaces each user's grants with exactly these.
 * `npm run db:users` (scripts/database-users.ts) and the migrate function (functions/deploy/migrate.ts) run it.
 */
export interface Account {
  user: string;
  password: string;
}

export interface ServiceUsers {
  database: string;
  app: Account;
  migrator: Account;
  /** Where the users may connect from (MySQL's host part): `%` by default; RDS is reached through a VPC. */
  host?: string;
}

/**
 * The service users' names for `database` unless DB_USER / DB_MIGRATOR_USER say otherwise: named after the
 * database (`conduit_app`, `conduit_migrator` for `conduit`), so two databases on one server (two checkouts,
 * a test run) never share, and so never re-key or revoke, each other's users. MySQL allows 32 characters: a
 * longer database name keeps its start and a hash of the whole.
 */
export function accountNamesFor(database: string, env = process.env): { app: string; migrator: string } {
  const name = (role: string) => {
    const plain = `${database}_${role}`;
    if (plain.length <= 32) return plain;
    const hash = createHash('sha256').update(database).digest('hex').slice(0, 8);
    return `${database.slice(0, 32 - role.length - 10)}_${hash}_${role}`;
  };
  return { app: env.DB_USER || name('app'), migrator: env.DB_MIGRATOR_USER || name('migrator') };
}

export const appPrivileges = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
// TRIGGER: the list counts are kept by triggers (db/migrations/0003_counters.sql).
export const migratorPrivileges = [
  ...appPrivileges,
  'CREATE',
  'ALTER',
  'DROP',
  'INDEX',
  'REFERENCES',
  'TRIGGER',
];

const quoteName = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** Creates `database` unless it exists, in utf8mb4 (MariaDB's default is latin1), as the server's administrator. */
export async function createDatabase(admin: Connection, database: string): Promise<void> {
  await admin.query(
    `create database if not exists ${quoteName(database)} character set utf8mb4 collate utf8mb4_unicode_ci`,
  );
}

export async function provisionUsers(
  adminUrl: string,
  { database, app, migrator, host = '%' }: ServiceUsers,
) {
  const admin = await createConnection({ uri: adminUrl, multipleStatements: false, disableEval: true });
  try {
    await createDatabase(admin, database);
    for (const [account, privileges] of [
      [migrator, migratorPrivileges],
      [app, appPrivileges],
    ] as const) {
      // mysql2 escapes the values client-side (text protocol): user names and passwords are quoted literals.
      await admin.query('create user if not exists ?@? identified by ?', [
        account.user,
        host,
        account.password,
      ]);
      await admin.query('alter user ?@? identified by ?', [account.user, host, account.password]);
      await admin.query('revoke all privileges, grant option from ?@?', [account.user, host]);
      await admin.query(`grant ${privileges.join(', ')} on ${quoteName(database)}.* to ?@?`, [
        account.user,
        host,
      ]);
    }
  } finally {
    await admin.end();
  }
}

export async function dropUsers(adminUrl: string, users: string[], host = '%'): Promise<void> {
  const admin = await createConnection({ uri: adminUrl, disableEval: true });
  try {
    for (const user of users) await admin.query('drop user if exists ?@?', [user, host]);
  } finally {
    await admin.end();
  }
}

/**
 * The settings a function needs to connect to `database` on the server `serverUrl` points at as `app`
 * (`npm run dev` hands them to serverless offline; the tests to their handlers). The password is the
 * local stand-in for the SSM parameter db/app-password.
 */
export function functionEnvironment(
  serverUrl: string,
  database: string,
  app: Account,
): Record<string, string> {
  const { hostname, port } = new URL(serverUrl);
  return {
    DB_HOST: hostname,
    DB_PORT: port || '3306',
    DB_NAME: database,
    DB_USER: app.user,
    DB_APP_PASSWORD: app.password,
  };
}
