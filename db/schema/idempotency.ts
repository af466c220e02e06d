import {
  bigint,
  char,
  index,
  mediumtext,
  mysqlTable,
  smallint,
  uniqueIndex,
  varbinary,
  varchar,
} from 'drizzle-orm/mysql-core';
import { id, timestamp, timestamps } from './columns';

/**
 * Idempotency keys (lib/idempotency/service.ts): the first request with a key claims it by inserting its row,
 * which the unique key lets only one request do; its reply is stored there for the retries. No foreign key
 * to users: owner 0 is a request without a user (registration), and a claim outlives nothing it refers to.
 * `request_hash` and `response_body` are an HMAC and a sealed reply (lib/wiring/idempotency.ts).
 */
export const idempotencyKeys = mysqlTable(
  'idempotency_keys',
  {
    id: id(),
    ownerId: bigint('owner_id', { mode: 'number', unsigned: true }).notNull(),
    route: varchar('route', { length: 64 }).notNull(),
    /** Binary: keys are compared byte for byte (`abc` is not `ABC`), unlike the database's text collation. */
    key: varbinary('idempotency_key', { length: 255 }).notNull(),
    requestHash: char('request_hash', { length: 64 }).notNull(),
    /** Null while the first request runs. */
    statusCode: smallint('status_code', { unsigned: true }),
    responseBody: mediumtext('response_body'),
    expiresAt: timestamp('expires_at').notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('idempotency_keys_unique').on(t.ownerId, t.route, t.key),
    index('idempotency_keys_expiry_idx').on(t.expiresAt),
  ],
);
