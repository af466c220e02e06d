import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { lazy } from './lazy';
import { currentLogFields } from './request-scope';

/**
 * One JSON line per event, as CloudWatch Logs Insights reads them, written by Powertools Logger: timestamp,
 * level, service, and once a handler has named its invocation (useLambdaContext) the function, request id and
 * cold-start flag; then the current request's fields (its route, its user: lib/request-scope.ts), then the
 * line's own. LOG_LEVEL filters them (per stage in serverless.yml: DEBUG, INFO, WARN or ERROR; default
 * INFO). Never pass secrets, hashes or SQL parameters: redact() is a safety net, not a licence.
 */
const logger = lazy(
  () =>
    new Logger({
      serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'conduit-api',
      jsonReplacerFn: redact,
    }),
);

type Fields = Record<string, unknown>;

function writer(level: 'debug' | 'info' | 'warn' | 'error') {
  return (message: string, fields: Fields = {}) =>
    logger()[level](message, { ...currentLogFields(), ...fields });
}

export const log = {
  debug: writer('debug'),
  info: writer('info'),
  warn: writer('warn'),
  error: writer('error'),
};

/** Every later line names this invocation: function, version, request id, and whether it started cold. */
export function useLambdaContext(context: Context): void {
  logger().addContext(context);
}

/** Keys whose values no log line shows: credentials, and anything that could be one. */
const secretKey = /pass(word)?|token|secret|authori[sz]ation|cookie|hash|signature|credential/i;
const emailKey = /e-?mail/i;
/** A JWT (access, refresh and ID tokens alike) or a password hash, wherever it appears in a value. */
const secretValue = /\beyJ[\w-]+\.[\w-]+\.[\w-]*|\bscrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+/g;
/** A full e-mail address: the local part is cut to its first character. */
const emailValue = /\b([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)/g;

/**
 * The replacer every line goes through before it is written. Values under a credential's key are replaced;
 * tokens and password hashes are cut out of any string; e-mail addresses keep their first character and
 * their domain (enough to tell users apart when debugging, not enough to mail them).
 */
export function redact(key: string, value: unknown): unknown {
  if (value === null || value === undefined || typeof value === 'boolean' || typeof value === 'number')
    return value;
  if (secretKey.test(key) && typeof value !== 'object') return '[redacted]';
  if (typeof value !== 'string') return value;
  const masked = value.replace(secretValue, '[redacted]').replace(emailValue, '$1***@$2');
  return emailKey.test(key) && masked === value && value !== '' ? '[redacted]' : masked;
}

const maxCauses = 4;

/**
 * What a log line may say about an error: its name, code, errno and message, its stack, and the same for each
 * cause in turn. A failed query's message and stack repeat its parameters (password hashes, tokens), so for an
 * error that carries `params` (drizzle's DrizzleQueryError) the statement text, with its placeholders, stands
 * in for both. A driver error's `sql` (the statement with its values inlined) is never read.
 */
export function describeError(error: unknown, depth = 0): Record<string, unknown> | undefined {
  if (error === undefined || error === null) return undefined;
  if (typeof error !== 'object') return { message: String(error) };
  const { name, code, errno, message, stack, cause } = error as Partial<
    Error & { code: string; errno: number }
  >;
  const failedQuery = 'params' in error;
  return {
    name,
    code,
    errno,
    message: failedQuery ? `Failed query: ${(error as { query?: unknown }).query}` : message,
    ...(depth === 0 && !failedQuery && { stack }),
    ...(depth < maxCauses && cause !== undefined && { cause: describeError(cause, depth + 1) }),
  };
}
