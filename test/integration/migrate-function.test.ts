import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { dropUsers } from '#db/accounts';
import { urlFor } from '#db/urls';
import { resolveServer } from '../../scripts/local-server';
import { handler } from '../../functions/deploy/migrate';

// The deploy-time migrate function against the real server: its secrets come from a mocked Secrets Manager
// (the shapes RDS and the data stack give them), everything else is real.
const secretsManager = mockClient(SecretsManagerClient);
const suffix = randomBytes(4).toString('hex');
const database = `conduit_test_migfn_${suffix}`;
const app = { username: `ct_mfa_${suffix}`, password: randomBytes(12).toString('hex') };
const migrator = { username: `ct_mfm_${suffix}`, password: randomBytes(12).toString('hex') };
const root = path.resolve(__dirname, '../..');
const journal = JSON.parse(readFileSync(path.join(root, 'db/migrations/meta/_journal.json'), 'utf8'));
let server: string;
const saved = { ...process.env };

function secrets(admin: { username: string; password: string }) {
  const values: Record<string, object> = {
    'test/db/migrator': migrator,
    'test/db/app': app,
    'test/db/admin': admin,
  };
  secretsManager
    .on(GetSecretValueCommand)
    .callsFake(({ SecretId }) => ({ SecretString: JSON.stringify(values[SecretId]) }));
}

beforeAll(async () => {
  server = await resolveServer();
  const { hostname, port, username, password } = new URL(server);
  secrets({ username: decodeURIComponent(username), password: decodeURIComponent(password) });
  Object.assign(process.env, {
    DB_HOST: hostname,
    DB_PORT: port || '3306',
    DB_NAME: database,
    DB_TLS: 'off',
    DB_MIGRATOR_SECRET: 'test/db/migrator',
    DB_APP_SECRET: 'test/db/app',
    DB_ADMIN_SECRET: 'test/db/admin',
    LAMBDA_TASK_ROOT: root,
  });
});

afterAll(async () => {
  process.env = saved;
  const admin = await createConnection({ uri: server });
  try {
    await admin.query(`drop database if exists \`${database}\``);
  } finally {
    await admin.end();
  }
  await dropUsers(server, [app.username, migrator.username]);
});

const as = async (account: { username: string; password: string }, sql: string) => {
  const connection = await createConnection({
    uri: urlFor(server, database, { user: account.username, password: account.password }),
  });
  try {
    return (await connection.query(sql))[0] as Record<string, unknown>[];
  } finally {
    await connection.end();
  }
};

test("a stage's first run creates the users from the stage's secrets, then migrates as the migrator", async () => {
  // Act
  const reply = await handler({ provisionUsers: true });

  // Assert
  expect(reply).toEqual({
    database,
    migrated: true,
    users: {
      [migrator.username]: expect.arrayContaining(['CREATE', 'ALTER']),
      [app.username]: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    },
  });
  const applied = await as(migrator, 'select count(*) as n from __drizzle_migrations');
  expect(Number(applied[0]!.n)).toBe(journal.entries.length);
  expect(await as(app, 'select count(*) as n from users')).toEqual([{ n: 0 }]);
  await expect(as(app, 'create table intruder (id int)')).rejects.toThrow(/denied/i);
});

test('later runs apply nothing twice and need no administrator', async () => {
  // Arrange: the admin secret is gone, as it is from an everyday deploy's point of view
  secrets({ username: 'admin', password: 'wrong' });

  // Act
  const reply = await handler({});

  // Assert
  expect(reply).toEqual({ database, migrated: true });
  const applied = await as(migrator, 'select count(*) as n from __drizzle_migrations');
  expect(Number(applied[0]!.n)).toBe(journal.entries.length);
});

test('a secret without a password stops the run before any statement, naming the secret', async () => {
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'x' }) });

  await expect(handler({})).rejects.toThrow('secret test/db/migrator lacks a username or a password');
});
