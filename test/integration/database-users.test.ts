import { randomBytes } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';
import { dropUsers, provisionUsers } from '#db/accounts';
import { serverOf, urlFor } from '#db/urls';
import type { TestDatabase } from '../support/test-database';

// Every other integration test already runs its requests as the app user and was migrated by the migrator
// (test/support/global-setup.ts); this file shows what each of them cannot do.
const test_ = JSON.parse(process.env.CONDUIT_TEST_DATABASE!) as TestDatabase;
const server = serverOf(test_.adminUrl);
const database = new URL(test_.adminUrl).pathname.slice(1);
let app: Connection;
let migrator: Connection;

beforeAll(async () => {
  app = await createConnection({ uri: urlFor(server, database, test_.app) });
  migrator = await createConnection({ uri: urlFor(server, database, test_.migrator) });
});

afterAll(async () => {
  await app.end();
  await migrator.end();
});

const denied = expect.objectContaining({
  code: expect.stringMatching(/^ER_(TABLEACCESS|DBACCESS|SPECIFIC_ACCESS|ACCESS)_DENIED/),
});

describe('the app user', () => {
  test.each([
    ['CREATE TABLE', 'create table intruder (id int)'],
    ['ALTER TABLE', 'alter table users add column intruder int'],
    ['DROP TABLE', 'drop table tags'],
    ['TRUNCATE', 'truncate table tags'],
    ['CREATE INDEX', 'create index intruder on tags (name)'],
    ['CREATE DATABASE', 'create database conduit_intruder'],
    ['GRANT', `grant select on ${database}.* to '${test_.app.user}'@'%'`],
  ])('cannot %s', async (_statement, sql) => {
    await expect(app.query(sql)).rejects.toEqual(denied);
  });

  test('cannot read another database', async () => {
    await expect(app.query('select user from mysql.user')).rejects.toEqual(denied);
  });

  test('can SELECT, INSERT, UPDATE and DELETE rows of the service', async () => {
    const name = `grant-check-${randomBytes(4).toString('hex')}`;

    await app.query('insert into tags (name, created_at, updated_at) values (?, now(3), now(3))', [name]);
    await app.query('update tags set name = ? where name = ?', [`${name}-x`, name]);
    const [rows] = await app.query('select name from tags where name = ?', [`${name}-x`]);
    await app.query('delete from tags where name = ?', [`${name}-x`]);

    expect(rows).toEqual([{ name: `${name}-x` }]);
  });
});

describe('the migrator', () => {
  test('can change the schema of the service database', async () => {
    await migrator.query('create table migrator_check (id int)');
    await migrator.query('alter table migrator_check add column name varchar(10)');
    await migrator.query('drop table migrator_check');
  });

  test('cannot touch any other database', async () => {
    await expect(migrator.query('create database conduit_intruder')).rejects.toEqual(denied);
    await expect(migrator.query('select user from mysql.user')).rejects.toEqual(denied);
  });
});

describe('provisionUsers', () => {
  const suffix = randomBytes(4).toString('hex');
  const users = (password: string) => ({
    database,
    app: { user: `ct_rot_app_${suffix}`, password },
    migrator: { user: `ct_rot_mig_${suffix}`, password: `${password}-m` },
  });

  afterAll(() => dropUsers(server, [`ct_rot_app_${suffix}`, `ct_rot_mig_${suffix}`]));

  test('run again, rotates the passwords and takes back privileges granted by hand', async () => {
    // Arrange
    await provisionUsers(server, users('first-password'));
    const root = await createConnection({ uri: server });
    await root.query(`grant drop on \`${database}\`.* to ?@'%'`, [`ct_rot_app_${suffix}`]);
    await root.end();

    // Act
    await provisionUsers(server, users('second-password'));

    // Assert
    const connect = (password: string) =>
      createConnection({ uri: urlFor(server, database, { user: `ct_rot_app_${suffix}`, password }) });
    await expect(connect('first-password')).rejects.toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR' });
    const rotated = await connect('second-password');
    try {
      const [grants] = await rotated.query('show grants');
      const text = JSON.stringify(grants);
      expect(text).toMatch(/GRANT SELECT, INSERT, UPDATE, DELETE ON/);
      expect(text).not.toMatch(/DROP/);
    } finally {
      await rotated.end();
    }
  });
});
