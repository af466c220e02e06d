import { NotFound, Unauthorized, Unavailable } from '#lib/errors';

export interface DriverError {
  code: string;
  errno?: number;
  sqlMessage?: string;
  message?: string;
  /** mysql2 marks the errors after which a connection cannot be used again (some carry no code). */
  fatal?: boolean;
}

/** mysql2's own code for a query that timed out. */
const timeoutCode = 'PROTOCOL_SEQUENCE_TIMEOUT';

/** A statement or ping that got no reply within the deadline (db/client.ts); its connection is dropped. */
export class DatabaseTimeout extends Error {
  override readonly name = 'DatabaseTimeout';
  readonly code = timeoutCode;
}

/** The MySQL driver error behind a failure, if any (drizzle wraps driver errors in its own, as `cause`). */
export function driverError(error: unknown): DriverError | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current === 'object' && 'code' in current && typeof current.code === 'string')
      return current as DriverError;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The unique index a duplicate-key error hit, e.g. `users_email_unique`, else undefined. */
export function duplicateKey(error: unknown): string | undefined {
  const cause = driverError(error);
  if (cause?.code !== 'ER_DUP_ENTRY') return undefined;
  // "Duplicate entry 'x' for key 'users_email_unique'" (MySQL 8 prefixes the table: 'users.users_email_unique').
  // Anchored at the end: the duplicate value comes first, unescaped, and may itself contain "for key '…'".
  return /for key '(?:[^'.]+\.)?([^'.]+)'$/.exec(cause.sqlMessage ?? '')?.[1];
}

/** The connection closed or reset under a statement: whether the server ran it is unknown. */
const connectionLostCodes = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE']);

export function isConnectionLost(error: unknown): boolean {
  return connectionLostCodes.has(driverError(error)?.code ?? '');
}

/** True when the connection a statement ran on cannot be used again: lost, stalled, or broken. */
export function isConnectionFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code = '', fatal } = current as Partial<DriverError>;
    if (fatal === true || connectionLostCodes.has(code) || code === timeoutCode) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  timeoutCode,
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  // InnoDB picked this transaction as a deadlock victim: nothing was written, and a retry succeeds.
  'ER_LOCK_DEADLOCK',
]);

/** True when the database could not be reached or refused to work: the client should retry later. */
export function meansRetryLater(error: unknown): boolean {
  return unavailableCodes.has(driverError(error)?.code ?? '') || isConnectionFailure(error);
}

/** The database could not answer; its driver error is the cause (logged, never shown to clients). */
export class DatabaseUnavailable extends Unavailable {
  override name = 'DatabaseUnavailable';
}

/**
 * A write whose foreign key found its row gone: the row was hard-deleted (an account, with its articles)
 * between the request's own check and its insert. Answered as the request would have been a moment later:
 * the article or profile not found, or, when the row gone is the requester's own account, an invalid token.
 * Keyed by the child table and column in MySQL's message.
 */
const goneMeanwhile: Record<string, () => Error> = {
  'comments.article_id': () => new NotFound('article'),
  'favorites.article_id': () => new NotFound('article'),
  'article_tags.article_id': () => new NotFound('article'),
  'follows.followee_id': () => new NotFound('profile'),
  'comments.author_id': () => new Unauthorized('token', 'is invalid'),
  'favorites.user_id': () => new Unauthorized('token', 'is invalid'),
  'follows.follower_id': () => new Unauthorized('token', 'is invalid'),
  'articles.author_id': () => new Unauthorized('token', 'is invalid'),
};

/** `comments.article_id` for "… a foreign key constraint fails (`db`.`comments`, … FOREIGN KEY (`article_id`) …". */
function missingReference(error: unknown): string | undefined {
  const cause = driverError(error);
  if (cause?.code !== 'ER_NO_REFERENCED_ROW_2') return undefined;
  const match = /fails \(`[^`]+`\.`([^`]+)`, CONSTRAINT `[^`]+` FOREIGN KEY \(`([^`]+)`\)/.exec(
    cause.sqlMessage ?? '',
  );
  return match ? `${match[1]}.${match[2]}` : undefined;
}

/**
 * A driver error that means "retry later" as the domain's Unavailable, and one that found a referenced row
 * deleted meanwhile as the domain's answer for it (so nothing above db/ needs to know MySQL's codes); any
 * other error as it is. db/client.ts applies it to every statement.
 */
export function asDomainError(error: unknown): unknown {
  const gone = goneMeanwhile[missingReference(error) ?? ''];
  if (gone) return Object.assign(gone(), { cause: error });
  if (!meansRetryLater(error)) return error;
  const code = driverError(error)?.code;
  return new DatabaseUnavailable(`the database did not answer${code ? ` (${code})` : ''}`, { cause: error });
}
