/**
 * Domain errors: what went wrong, in the API's own words, with no HTTP in them. lib/http/errors.ts maps
 * each kind to a status code; everything else is an unexpected failure and reaches the client as a 500.
 */
export type FieldErrors = Record<string, string[]>;

export abstract class DomainError extends Error {
  abstract readonly kind:
    'invalid' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'rate_limited';
  /** Set when the client may try again after this many seconds (sent as Retry-After). */
  readonly retryAfterSeconds?: number;
  constructor(readonly errors: FieldErrors) {
    super(
      Object.entries(errors)
        .map(([field, messages]) => `${field} ${messages.join(', ')}`)
        .join('; '),
    );
  }
}

export class Invalid extends DomainError {
  readonly kind = 'invalid';
}

export class Unauthorized extends DomainError {
  readonly kind = 'unauthorized';
  constructor(field: string, message: string) {
    super({ [field]: [message] });
  }
}

export class Forbidden extends DomainError {
  readonly kind = 'forbidden';
  constructor(resource: string) {
    super({ [resource]: ['forbidden'] });
  }
}

export class NotFound extends DomainError {
  readonly kind = 'not_found';
  constructor(resource: string) {
    super({ [resource]: ['not found'] });
  }
}

export class Conflict extends DomainError {
  readonly kind = 'conflict';
  constructor(...fields: string[]) {
    super(Object.fromEntries(fields.map((field) => [field, ['has already been taken']])));
  }
}

/** The same request is still being answered (an idempotency key in use): retry after `retryAfterSeconds`. */
export class StillRunning extends DomainError {
  readonly kind = 'conflict';
  constructor(
    field: string,
    override readonly retryAfterSeconds: number,
  ) {
    super({ [field]: ['is in use by a request still running, retry later'] });
  }
}

/** Too many attempts: the client may try again after `retryAfterSeconds`. */
export class TooManyAttempts extends DomainError {
  readonly kind = 'rate_limited';
  constructor(
    field: string,
    override readonly retryAfterSeconds: number,
  ) {
    super({ [field]: ['too many failed attempts, retry later'] });
  }
}

/**
 * Something the service depends on (the secret store, a sign-in provider's keys) could not answer: not the
 * client's fault, and a retry may well succeed (503 with Retry-After). Not a DomainError: its cause is logged.
 */
export class Unavailable extends Error {
  override name = 'Unavailable';
}

/** `error` or the first error it wraps (`cause`, as drizzle wraps a failed query's) that is a `kind`. */
export function foundIn<T>(error: unknown, kind: abstract new (...args: never[]) => T): T | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof kind) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when `error`, or an error it wraps, is Unavailable. */
export function isUnavailable(error: unknown): boolean {
  return foundIn(error, Unavailable) !== undefined;
}
