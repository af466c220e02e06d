import { createConnection, type Connection } from 'mysql2/promise';
import { migrateDatabase } from '#db/migrate';
import { databaseOf, serverOf, urlFor } from '#db/urls';
import { createTestDatabase, dropTestDatabase, type TestDatabase } from '../support/test-database';

// Migration 0003 creates triggers, which a migrator provisioned before it lacks the privilege for. It must
// fail before it changes anything, so that it simply runs again once the privilege is granted.
let owner: TestDatabase;
let admin: Connection;
let name: string;

beforeAll(async () => {
  owner = await createTestDatabase('trg');
  admin = await createConnection({ uri: owner.adminUrl });
  name = `${databaseOf(owner.adminUrl)}_older`;
  await admin.query(`create database \`${name}\` character set utf8mb4 collate utf8mb4_unicode_ci`);
  // What db/accounts.ts granted before migration 0003: everything but TRIGGER.
  await admin.query(
    `grant select, insert, update, delete, create, alter, drop, index, references on \`${name}\`.* to ?@'%'`,
    [owner.migrator.user],
  );
});

afterAll(async () => {
  await admin.query(`drop database if exists \`${name}\``);
  await admin.end();
  await dropTestDatabase(owner);
});

const tablesOf = async () =>
  (
    (await admin.query('select table_name as name from information_schema.tables where table_schema = ?', [
      name,
    ])) as unknown as [{ name: string }[]]
  )[0].map((row) => row.name);

test('without TRIGGER migration 0003 fails having changed nothing, and runs once the privilege is granted', async () => {
  const url = urlFor(serverOf(owner.adminUrl), name, owner.migrator);

  await expect(migrateDatabase(url)).rejects.toThrow();
  expect(await tablesOf()).toContain('articles');
  expect(await tablesOf()).not.toContain('counters');

  await admin.query(`grant trigger on \`${name}\`.* to ?@'%'`, [owner.migrator.user]);
  await migrateDatabase(url);

  const [rows] = (await admin.query(`select name, value from \`${name}\`.counters`)) as unknown as [
    unknown[],
  ];
  expect(rows).toEqual([{ name: 'live_articles', value: 0 }]);
  const [triggers] = (await admin.query(`show triggers from \`${name}\``)) as unknown as [
    { Trigger: string }[],
  ];
  expect(triggers.map(({ Trigger }) => Trigger).sort()).toEqual([
    'article_tags_counted_on_delete',
    'article_tags_counted_on_insert',
    'articles_counted_on_delete',
    'articles_counted_on_insert',
    'articles_counted_on_update',
  ]);
});
