import type { FieldErrors } from '#lib/errors';

/** A request the HTTP layer itself rejects (wrong media type, too large, not JSON) before any domain code runs. */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly statusCode: number,
    readonly errors: FieldErrors,
    readonly headers?: Record<string, string>,
  ) {
    super(`${statusCode}: ${JSON.stringify(errors)}`);
  }
}

/** A known path asked with a method it has no route for: 405, with `Allow` naming the methods it has. */
export class MethodNotAllowed extends HttpProblem {
  override name = 'MethodNotAllowed';
  constructor(allowed: readonly string[]) {
    const list = allowed.join(', ');
    super(405, { method: [`is not allowed (allowed: ${list})`] }, { allow: list });
  }
}
