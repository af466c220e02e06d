/**
 * One JSON line per event, as CloudWatch Logs Insights reads them, filtered by LOG_LEVEL (per stage in
 * serverless.yml: DEBUG, INFO, WARN or ERROR; default INFO). Never pass secrets, hashes or SQL parameters.
 */
const levels = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 } as const;
type Level = keyof typeof levels;

function threshold(): number {
  return levels[(process.env.LOG_LEVEL ?? '').toUpperCase() as Level] ?? levels.INFO;
}

function write(level: Level, message: string, fields: Record<string, unknown>): void {
  if (levels[level] < threshold()) return;
  const line = JSON.stringify({ level, message, ...fields });
  if (level === 'ERROR') console.error(line);
  else if (level === 'WARN') console.warn(line);
  else console.log(line);
}

export const log = {
  debug: (message: string, fields: Record<string, unknown> = {}) => write('DEBUG', message, fields),
  info: (message: string, fields: Record<string, unknown> = {}) => write('INFO', message, fields),
  warn: (message: string, fields: Record<string, unknown> = {}) => write('WARN', message, fields),
  error: (message: string, fields: Record<string, unknown> = {}) => write('ERROR', message, fields),
};

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
