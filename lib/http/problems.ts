import type { FieldErrors } from '#lib/errors';

/** A request the HTTP layer itself rejects (wrong media type, too large, not JSON) before any domain code runs. */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly statusCode: number,
    readonly errors: FieldErrors,
  ) {
    super(`${statusCode}: ${JSON.stringify(errors)}`);
  }
}
