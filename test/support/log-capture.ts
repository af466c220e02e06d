/**
 * Powertools Logger and Metrics write their JSON lines straight to stdout and stderr, past Jest's console
 * capture. Every test file starts with this in place (a Jest setup file): those lines are kept here instead of
 * printed, for tests to read; everything else passes through. `SHOW_LOGS=1` prints them as well.
 */
type Line = Record<string, unknown>;

interface Capture {
  lines: Line[];
}

const key = Symbol.for('conduit.test.log-capture');
const state = ((globalThis as Record<symbol, Capture>)[key] ??= { lines: [] });

function parse(text: string): Line | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const line = JSON.parse(text) as unknown;
    return line !== null && typeof line === 'object' && ('level' in line || '_aws' in line)
      ? (line as Line)
      : undefined;
  } catch {
    return undefined;
  }
}

function capture(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'string' || process.env.SHOW_LOGS) return write(chunk, ...rest);
    const others = chunk.split('\n').filter((text) => {
      const line = parse(text);
      if (line) state.lines.push(line);
      return !line && text !== '';
    });
    if (others.length === 0) {
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

capture(process.stdout);
capture(process.stderr);

/** The log lines (Powertools Logger) written since the last clearCapturedLines(). */
export function logLines(): Line[] {
  return state.lines.filter((line) => 'level' in line);
}

/** The embedded-metric-format lines (Powertools Metrics) written since the last clearCapturedLines(). */
export function metricLines(): Line[] {
  return state.lines.filter((line) => '_aws' in line);
}

export function clearCapturedLines(): void {
  state.lines = [];
}
