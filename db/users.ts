import { createConnection } from 'mysql2/promise';

/**
 * Least-privilege database users, created (or brought up to date) by the server's administrator:
 *  - the migrator: DDL and data on the service's database only; migrations run as this user;
 *  - the app user: SELECT, INSERT, UPDATE and DELETE on that database only; every function connects as it.
 * Re-running sets the passwords again (rotation) and replaces each user's grants with exactly these.
 *
 *   DB_ADMIN_URL=mysql://admin:…@host:3306 DB_NAME=conduit DB_APP_PASSWORD=… DB_MIGRATOR_PASSWORD=… npm run db:users
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

export const appPrivileges = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
export const migratorPrivileges = [...appPrivileges, 'CREATE', 'ALTER', 'DROP', 'INDEX', 'REFERENCES'];

const quoteName = (name: string) => `\`${name.replace(/`/g, '``')}\``;

export async function provisionUsers(
  adminUrl: string,
  { database, app, migrator, host = '%' }: ServiceUsers,
) {
  const admin = await createConnection({ uri: adminUrl, multipleStatements: false });
  try {
    await admin.query(
      `create database if not exists ${quoteName(database)} character set utf8mb4 collate utf8mb4_unicode_ci`,
    );
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
  const admin = await createConnection({ uri: adminUrl });
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

/** The URL `account` connects to `database` with, on the server `serverUrl` points at. */
export function urlFor(serverUrl: string, database: string, { user, password }: Account): string {
  const url = new URL(serverUrl);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** A variable scripts and deploy-time functions cannot do without. */
export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

if (require.main === module) {
  const database = process.env.DB_NAME || 'conduit';
  Promise.resolve()
    .then(async () => {
      const users = {
        database,
        app: { user: process.env.DB_USER || 'conduit_app', password: required('DB_APP_PASSWORD') },
        migrator: {
          user: process.env.DB_MIGRATOR_USER || 'conduit_migrator',
          password: required('DB_MIGRATOR_PASSWORD'),
        },
      };
      await provisionUsers(required('DB_ADMIN_URL'), users);
      console.log(
        `users ${users.migrator.user} (${migratorPrivileges.join(', ')}) and ${users.app.user} ` +
          `(${appPrivileges.join(', ')}) hold exactly these privileges on ${database}`,
      );
    })
    .catch((error: Error) => {
      console.error(error.message);
      process.exit(1);
    });
}
