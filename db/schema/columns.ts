import { bigint, datetime } from 'drizzle-orm/mysql-core';

/** `bigint unsigned auto_increment`: drizzle's `serial()` emits `serial AUTO_INCREMENT`, which MariaDB rejects. */
export const id = () => bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey();

/** A reference to another table's `id` column. */
export const ref = (name: string) => bigint(name, { mode: 'number', unsigned: true }).notNull();

/** Millisecond timestamps in UTC, set by the application so every server and session agrees on them. */
export const timestamp = (name: string) => datetime(name, { mode: 'date', fsp: 3 });

export const timestamps = {
  createdAt: timestamp('created_at')
    .notNull()
    .$defaultFn(() => new Date()),
  updatedAt: timestamp('updated_at')
    .notNull()
    .$defaultFn(() => new Date()),
};

/** Articles and comments are soft-deleted: every query filters on `deleted_at IS NULL`. */
export const softDelete = { deletedAt: timestamp('deleted_at') };
