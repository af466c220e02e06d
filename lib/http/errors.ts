import { DomainError, foundIn, isUnavailable, type FieldErrors } from '#lib/errors';
import { HttpProblem } from './problems';

export interface ErrorReply {
  statusCode: number;
  errors: FieldErrors;
  headers?: Record<string, string>;
  /** True when the cause is unexpected and belongs in the log. */
  unexpected?: boolean;
}

const statusOf: Record<DomainError['kind'], number> = {
  invalid: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
};

/**
 * The one place errors become HTTP. Anything not recognised is a 500 with a generic message and the
 * request id; its cause is logged, never sent (no stack, SQL, driver codes or hashes reach a client).
 */
export function toErrorReply(error: unknown, requestId: string): ErrorReply {
  // Thrown by a domain, or by db/ under a failed query (a row deleted meanwhile: asDomainError).
  const domain = foundIn(error, DomainError);
  if (domain)
    return {
      statusCode: statusOf[domain.kind],
      errors: domain.errors,
      ...(domain.retryAfterSeconds !== undefined && {
        headers: { 'retry-after': String(domain.retryAfterSeconds) },
      }),
    };
  if (error instanceof HttpProblem)
    return {
      statusCode: error.statusCode,
      errors: error.errors,
      ...(error.headers && { headers: error.headers }),
    };
  const parserError = fromJsonBodyParser(error);
  if (parserError) return parserError;
  if (isUnavailable(error))
    return {
      statusCode: 503,
      errors: { service: ['is temporarily unavailable, retry later'] },
      headers: { 'retry-after': '5' },
      unexpected: true,
    };
  return {
    statusCode: 500,
    errors: { server: [`unexpected error (request id ${requestId})`] },
    unexpected: true,
  };
}

/** @middy/http-json-body-parser throws 415 for a non-JSON content type and 422 for unparsable JSON. */
function fromJsonBodyParser(error: unknown): ErrorReply | undefined {
  // `throw null` and `throw undefined` are possible too; they must reach the generic 500, not crash here.
  const { cause, statusCode } = (error ?? {}) as { cause?: { package?: string }; statusCode?: number };
  if (cause?.package !== '@middy/http-json-body-parser') return undefined;
  if (statusCode === 415)
    return { statusCode: 415, errors: { body: ['must be JSON, sent with Content-Type: application/json'] } };
  return { statusCode: 400, errors: { body: ['is not valid JSON'] } };
}
