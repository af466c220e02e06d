import { char, index, int, mysqlTable, primaryKey, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { id, ref, timestamp, timestamps } from './columns';
import { users } from './users';

/**
 * A signed-in device. Access tokens name their session (`sid`); ending a session deletes its row, so the
 * per-request check is one primary-key lookup and its refresh tokens go with it (ON DELETE CASCADE).
 */
export const sessions = mysqlTable(
  'sessions',
  {
    id: id(),
    userId: ref('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** When the newest refresh token expires: the session cannot be renewed after it. */
    expiresAt: timestamp('expires_at').notNull(),
    ...timestamps,
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/**
 * Every refresh token a session was issued, kept (as a SHA-256 hash) until it expires, so that presenting
 * one that was already rotated is recognised as reuse and ends the session.
 */
export const refreshTokens = mysqlTable(
  'refresh_tokens',
  {
    id: id(),
    sessionId: ref('session_id').references(() => sessions.id, { onDelete: 'cascade' }),
    tokenHash: char('token_hash', { length: 64 }).notNull(),
    expiresAt: timestamp('expires_at').notNull(),
    /** Set when the token was exchanged for a new one; null while it is the session's current token. */
    rotatedAt: timestamp('rotated_at'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash_unique').on(t.tokenHash),
    index('refresh_tokens_session_idx').on(t.sessionId),
  ],
);

/**
 * Login attempts in the current window that have not succeeded, per account (the e-mail as typed, known or
 * not) and per source address. In the database, not in memory, so the limit holds across Lambda containers.
 */
export const loginAttempts = mysqlTable(
  'login_attempts',
  {
    scope: varchar('scope', { length: 8, enum: ['account', 'address'] }).notNull(),
    subject: varchar('subject', { length: 255 }).notNull(),
    attempts: int('attempts', { unsigned: true }).notNull(),
    windowStartedAt: timestamp('window_started_at').notNull(),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.scope, t.subject] })],
);

/** A sign-in identity at an OpenID provider, keyed by (provider, subject): never by e-mail alone. */
export const userIdentities = mysqlTable(
  'user_identities',
  {
    provider: varchar('provider', { length: 16, enum: ['google', 'apple', 'kakao'] }).notNull(),
    subject: varchar('subject', { length: 255 }).notNull(),
    userId: ref('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** The e-mail the provider asserted when the identity was linked, for support questions. */
    email: varchar('email', { length: 255 }),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.provider, t.subject] }), index('user_identities_user_idx').on(t.userId)],
);
