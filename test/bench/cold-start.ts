/**
 * Cold-start budget check: bundles every function with the esbuild options of serverless.yml, then loads
 * each bundle in fresh Node processes and prints its size and the median time `require()` takes, beside a
 * bare `node -e 0` for scale. Run: npm run bench:cold-start [-- --runs 15]
 */
import { build } from 'esbuild';
import { load } from 'js-yaml';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 9;

interface EsbuildConfig {
  minify?: boolean;
  keepNames?: boolean;
  target?: string;
  platform?: 'node';
  format?: 'cjs';
  mainFields?: string[];
  exclude?: string[];
  alias?: Record<string, string>;
}

const config = load(readFileSync(path.join(root, 'serverless.yml'), 'utf8')) as {
  custom: { esbuild: EsbuildConfig };
  functions: Record<string, { handler: string }>;
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Milliseconds from process start until `require(file)` and what it starts at once have run (the secrets
 * module a handler imports as it loads, with the SSM client), measured inside the child.
 */
function loadTime(file: string): number {
  const done = 'setImmediate(()=>process.stdout.write(String(performance.now())))';
  const script = file ? `require(${JSON.stringify(file)});${done}` : done;
  const samples = Array.from({ length: runs }, () => {
    const child = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      // Externals (the AWS SDK, which Lambda's runtime provides) resolve from the project, as they would there.
      env: { PATH: process.env.PATH, NODE_PATH: path.join(root, 'node_modules') },
    });
    if (child.status !== 0) throw new Error(`loading ${file} failed:\n${child.stderr}`);
    return Number(child.stdout);
  });
  return median(samples);
}

async function main(): Promise<void> {
  const out = mkdtempSync(path.join(tmpdir(), 'conduit-bench-'));
  // Only esbuild's own options: the block also holds serverless-esbuild settings.
  const {
    exclude = [],
    alias = {},
    minify,
    keepNames,
    target,
    platform,
    format,
    mainFields,
  } = config.custom.esbuild;
  const options = { minify, keepNames, target, platform, format, mainFields };
  try {
    const entries = Object.entries(config.functions).map(([name, { handler }]) => ({
      name,
      in: path.join(root, handler.replace(/\.handler$/, '.ts')),
    }));
    await build({
      ...options,
      entryPoints: entries.map((entry) => ({ in: entry.in, out: entry.name })),
      bundle: true,
      outdir: out,
      external: exclude,
      alias: Object.fromEntries(Object.entries(alias).map(([from, to]) => [from, path.resolve(root, to)])),
      logLevel: 'warning',
    });
    const bare = loadTime('');
    console.log(`node ${process.version}, ${runs} runs each; bare process: ${bare.toFixed(1)} ms`);
    console.log(
      'function'.padEnd(20),
      'bundle KB'.padStart(10),
      'load ms'.padStart(9),
      'over bare'.padStart(10),
    );
    for (const { name } of entries) {
      const file = path.join(out, `${name}.js`);
      const ms = loadTime(file);
      const kb = statSync(file).size / 1024;
      console.log(
        name.padEnd(20),
        kb.toFixed(0).padStart(10),
        ms.toFixed(1).padStart(9),
        (ms - bare).toFixed(1).padStart(10),
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
