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
