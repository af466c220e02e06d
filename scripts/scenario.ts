import { parseArgs } from 'node:util';
import { runScenario, type ScenarioResult } from '#lib/scenario/scenario';

/**
 * `npm run scenario [-- --url <API base URL>]`: the scenario check the stages run every five minutes
 * (lib/scenario/scenario.ts), once, with a report per step. Without --url it walks the local API `npm run
 * dev` serves. Exits 0 when every step passed, 1 when one failed, 2 on bad usage.
 */
const defaultUrl = 'http://localhost:3000/api';
const usage = `usage: npm run scenario -- [--url <API base URL, ending in /api>]   (default ${defaultUrl})`;

function urlFrom(args: string[]): string | undefined {
  const { values } = parseArgs({ args, options: { url: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) return undefined;
  const url = values.url ?? defaultUrl;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    throw new Error(`--url must be an http(s) URL, not "${url}"`);
  return url;
}

/** One line per step as they ran, the skipped ones where the path stopped, then the verdict. */
function report(url: string, { ok, durationMs, steps, skipped }: ScenarioResult): string {
  const width = Math.max(...[...steps, ...skipped.map((name) => ({ name }))].map(({ name }) => name.length));
  const ran = steps.map(
    ({ name, ok, latencyMs, error }) =>
      `  ${(ok ? 'ok' : 'FAILED').padEnd(7)} ${name.padEnd(width)} ${String(latencyMs).padStart(6)} ms${error ? `  ${error}` : ''}`,
  );
  // The path ends at its first failure; the cleanup follows it.
  const stop = steps.findIndex((step) => !step.ok) + 1 || steps.length;
  return [
    `scenario check against ${url}`,
    ...ran.slice(0, stop),
    ...skipped.map((name) => `  skipped ${name}`),
    ...ran.slice(stop),
    `${ok ? 'passed' : 'FAILED'} in ${durationMs} ms`,
  ].join('\n');
}

async function main(): Promise<number> {
  let url: string | undefined;
  try {
    url = urlFrom(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (!url) {
    console.log(usage);
    return 0;
  }
  const result = await runScenario(url);
  (result.ok ? console.log : console.error)(report(url, result));
  return result.ok ? 0 : 1;
}

// runScenario never rejects: every failure is in its result.
if (require.main === module) void main().then((code) => (process.exitCode = code));
