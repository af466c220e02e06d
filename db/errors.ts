export interface DriverError {
  code: string;
  errno?: number;
  sqlMessage?: string;
  message?: string;
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

const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  // InnoDB picked this transaction as a deadlock victim: nothing was written, and a retry succeeds.
  'ER_LOCK_DEADLOCK',
]);

/** True when the database could not be reached or refused to work: the client should retry later. */
export function isUnavailable(error: unknown): boolean {
  const code = driverError(error)?.code;
  return code !== undefined && unavailableCodes.has(code);
}
