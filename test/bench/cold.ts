/**
 * npm run bench:cold [-- --runs 15]: what a new Lambda container of each function costs before its first
 * reply, beside a hello-world handler and the usual Express stack, in the configuration deployed on AWS.
 *
 * - Every function is built by `serverless package --stage prod`, and run from its zip's bundle with the
 *   environment the packaged template gives it. Only the database endpoint is replaced (this machine's
 *   server, no TLS), and what the functions fetch their secrets from is a stand-in on 127.0.0.1
 *   (test/support/parameter-store.ts).
 * - The hello-world handler, the Express peer and the required stack (candidates/) are built with
 *   serverless.yml's esbuild settings.
 * - Each sample is a fresh Node 24 process that loads one bundle and answers one API Gateway v2 event against a
 *   database of the bench's own; all candidates take turns, run after run; the median of `--runs` is reported.
 * - login and register hash a password on their first request: their hash alone is measured too.
 * Left out: Lambda's own init (runtime, extensions), TLS to the database proxy, the network to SSM.
 */
import { build, type BuildOptions } from 'esbuild';
import { load } from 'js-yaml';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { invocationFor, type Invocation } from '../support/api';
import { startIdentityProvider } from '../support/identity-provider';
import { root } from '../support/packaging';
import {
  createTestDatabase,
  dropTestDatabase,
  functionEnvironmentOf,
  type TestDatabase,
} from '../support/test-database';
import { hashTimes, prepare, type FirstRequest } from './support/cold-fixtures';
import { clientOf, packagedFunctions, stage } from './support/packaged';
import { bundleTargetKb, coldStartRatio, servingFiles } from '../support/budgets';
import { startParameterStore } from '../support/parameter-store';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JavaScript, outside tsconfig's program
const { mysql2Trimmed } = require('../../deploy/esbuild-plugins.js') as {
  mysql2Trimmed(region: string): NonNullable<BuildOptions['plugins']>[number];
};

const { values: options } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    only: { type: 'string' },
    profile: { type: 'string' },
    'compile-cache': { type: 'boolean', default: false },
  },
});
const runs = Number(options.runs);
/** `--only getArticle,login`: those functions alone (beside hello world and the peer), for a quick look. */
const only = options.only?.split(',');
/** `--profile getArticle`: one more cold start of it under --cpu-prof, summed up by where the time went. */
const profiled = options.profile;
/**
 * `--compile-cache`: what a V8 code cache shipped with each bundle would save. Every function's cold starts
 * then read a cache an untimed first cold start wrote (NODE_COMPILE_CACHE), as a package built with it would.
 */
const compileCache = options['compile-cache'];
const node = path.join(root, 'node_modules', '.bin', 'node');

interface Candidate {
  name: string;
  bundle: string;
  environment: Record<string, string>;
  /** The first request of run `run`; none for functions no HTTP route reaches. */
  request?: (run: number) => FirstRequest;
  hashesPassword?: boolean;
  samples: { loadedMs: number; repliedMs?: number }[];
}

/** The region `serverless package` builds for (serverless.yml's default), whose RDS authorities mysql2 keeps. */
const region = 'eu-west-1';

/** What the functions are measured beside (candidates/): not functions of the service. */
const yardsticks = ['hello-world', 'express-peer', 'required-stack'];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * serverless.yml's esbuild options, for the candidates `serverless package` does not build. Its plugins (our
 * trimming of mysql2, which needs the pool built to match) are the caller's choice: the peer is mysql2 as
 * people use it, the required stack is trimmed as the functions are.
 */
function esbuildOptions(): BuildOptions {
  const { custom } = load(readFileSync(path.join(root, 'serverless.yml'), 'utf8')) as {
    custom: { esbuild: Record<string, any> };
  };
  // Only esbuild's own options: the block also holds serverless-esbuild's.
  const esbuildKeys = ['minify', 'keepNames', 'target', 'platform', 'format', 'mainFields', 'supported'];
  const { exclude = [], alias = {} } = custom.esbuild;
  return {
    ...Object.fromEntries(esbuildKeys.map((key) => [key, custom.esbuild[key]])),
    bundle: true,
    external: exclude,
    alias: Object.fromEntries(
      Object.entries(alias).map(([from, to]) => [from, path.resolve(root, to as string)]),
    ),
    logLevel: 'warning',
  };
}

type Expected = Invocation & { status: number };

/** The event and context of `candidate`'s first request in run `run`, and the status it must answer. */
function invocationOf(candidate: Candidate, run: number): Expected | undefined {
  const request = candidate.request?.(run);
  if (!request) return undefined;
  const invocation = {
    ...invocationFor(request.method, request.url, request.options),
    status: request.status ?? 200,
  };
  realistic(invocation, candidate.name);
  return invocation;
}

/** Runs one cold start of `candidate` in a fresh process. */
function coldStart(candidate: Candidate, invocation?: Expected, nodeArgs: string[] = []) {
  const args = [...nodeArgs, path.join(__dirname, 'support', 'first-request.cjs'), candidate.bundle];
  if (invocation) args.push(JSON.stringify(invocation.event), JSON.stringify(invocation.context));
  return new Promise<{ loadedMs: number; repliedMs?: number }>((resolve, reject) => {
    // Only the function's environment, as on Lambda; PATH for nothing but good manners.
    const child = spawn(node, args, { env: { PATH: process.env.PATH, ...candidate.environment } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      const line = stdout.split('\n').find((candidateLine) => candidateLine.startsWith('BENCH '));
      if (code !== 0 || !line)
        return reject(new Error(`${candidate.name} failed (exit ${code}):\n${stderr}\n${stdout}`));
      const result = JSON.parse(line.slice(6)) as {
        loadedMs: number;
        repliedMs?: number;
        status?: number;
        body?: string;
      };
      if (invocation && result.status !== invocation.status)
        return reject(
          new Error(`${candidate.name} answered ${result.status}, not ${invocation.status}: ${result.body}`),
        );
      resolve(result);
    });
  });
}

async function main(): Promise<void> {
  // Inside the project, so the bundles' one external, the AWS SDK (which Lambda's runtime provides), resolves.
  mkdirSync(path.join(root, '.local'), { recursive: true });
  const folder = mkdtempSync(path.join(root, '.local', 'bench-cold-'));
  let database: TestDatabase | undefined;
  const closers: (() => Promise<void>)[] = [];
  try {
    console.log(`packaging (serverless package --stage ${stage}) …`);
    const functions = await packagedFunctions(folder);
    for (const name of yardsticks)
      await build({
        ...esbuildOptions(),
        // The required stack is bundled as the functions are, mysql2 trimmed.
        plugins: name === 'required-stack' ? [mysql2Trimmed(region)] : [],
        entryPoints: [path.join(__dirname, 'candidates', `${name}.ts`)],
        outfile: path.join(folder, name, 'index.js'),
      });

    database = await createTestDatabase('bench');
    const local = functionEnvironmentOf(database);
    const signingKeys = `k1=${randomBytes(32).toString('base64url')}`;
    const sessionToken = randomBytes(16).toString('hex');
    const template = functions[0]!.environment;
    const databasePasswordParameter = template.DB_PASSWORD_PARAMETER!;
    const parameters = await startParameterStore(
      {
        [databasePasswordParameter]: JSON.stringify({
          username: local.DB_USER,
          password: local.DB_APP_PASSWORD,
        }),
        [`${template.SSM_PREFIX}/jwt/signing-keys`]: signingKeys,
      },
      sessionToken,
    );
    closers.push(parameters.close);
    const idp = await startIdentityProvider();
    closers.push(idp.stop);

    /** What Lambda sets in every function's environment, with credentials only the stand-in accepts. */
    const lambda = (name: string, memory: number) => ({
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_LAMBDA_FUNCTION_NAME: `conduit-api-${stage}-${name}`,
      AWS_LAMBDA_FUNCTION_VERSION: '1',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memory),
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_ACCESS_KEY_ID: 'ASIABENCHSTANDIN0000',
      AWS_SECRET_ACCESS_KEY: 'bench-stand-in-secret',
      AWS_SESSION_TOKEN: sessionToken,
      AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${parameters.port}`,
      LAMBDA_TASK_ROOT: '/var/task',
      TZ: ':UTC',
    });
    /** This machine's database in place of the stage's (no TLS: the proxy's is left out), and its stand-ins. */
    const here = {
      DB_HOST: local.DB_HOST!,
      DB_PORT: local.DB_PORT!,
      DB_NAME: local.DB_NAME!,
      DB_USER: local.DB_USER!,
      DB_TLS: 'off',
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(parameters.port),
      ...idp.environment(),
    };

    // The fixtures, through the API itself (the source handlers, in this process).
    Object.assign(process.env, template, local, here, {
      SSM_PREFIX: '',
      DB_PASSWORD_PARAMETER: '',
      JWT_SIGNING_KEYS: signingKeys,
      LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    const requests = await prepare(runs, idp, clientOf(functions));

    const candidates: Candidate[] = [
      {
        name: 'hello-world',
        bundle: path.join(folder, 'hello-world', 'index.js'),
        environment: lambda('hello-world', 1024),
        request: () => ({ method: 'GET', url: '/hello' }),
        samples: [],
      },
      {
        name: 'express-peer',
        bundle: path.join(folder, 'express-peer', 'index.js'),
        environment: {
          ...lambda('express-peer', 1024),
          ...here,
          DB_PASSWORD: local.DB_APP_PASSWORD!,
          JWT_SECRET: signingKeys.slice(3),
        },
        request: requests.getCurrentUser,
        samples: [],
      },
      {
        name: 'required-stack',
        bundle: path.join(folder, 'required-stack', 'index.js'),
        environment: { ...lambda('required-stack', 1024), ...template, ...here },
        request: requests.getCurrentUser,
        samples: [],
      },
      ...functions
        .filter(({ name }) => !only || only.includes(name))
        .map(({ name, bundle, environment, memory }) => ({
          name,
          bundle,
          environment: { ...lambda(name, memory), ...environment, ...here },
          request: requests[name as keyof typeof requests],
          hashesPassword: name === 'login' || name === 'register',
          samples: [],
        })),
    ];

    const hashMs = median(await hashTimes(runs));
    console.log(`${candidates.length} candidates × ${runs} runs, round-robin, each a fresh ${node} process`);
    if (compileCache)
      for (const candidate of candidates) {
        candidate.environment.NODE_COMPILE_CACHE = path.join(folder, 'compile-cache', candidate.name);
        await coldStart(candidate, invocationOf(candidate, runs + 1));
      }
    for (let run = 0; run < runs; run++) {
      for (const candidate of candidates) {
        candidate.samples.push(await coldStart(candidate, invocationOf(candidate, run)));
      }
      process.stdout.write(`run ${run + 1}/${runs}\r`);
    }
    report(candidates, hashMs, parameters.served);
    if (profiled) {
      const candidate = candidates.find(({ name }) => name === profiled)!;
      const profiles = path.join(folder, 'profiles');
      await coldStart(candidate, invocationOf(candidate, runs), ['--cpu-prof', `--cpu-prof-dir=${profiles}`]);
      summarizeProfile(profiles, folder);
    }
  } finally {
    for (const close of closers) await close();
    if (database) await dropTestDatabase(database);
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Self time of a --cpu-prof profile by package (or our own source, or Node's internals), largest first. */
function summarizeProfile(profiles: string, folder: string): void {
  const file = path.join(profiles, readdirSync(profiles)[0]!);
  const { nodes, samples, timeDeltas } = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: { id: number; callFrame: { url: string; functionName: string } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const where = new Map(nodes.map(({ id, callFrame }) => [id, callFrame]));
  const totals = new Map<string, number>();
  samples.forEach((id, index) => {
    const { url, functionName } = where.get(id)!;
    const place = !url
      ? `(${functionName || 'program'})`
      : url.startsWith('node:')
        ? url
        : url.includes(folder)
          ? 'the bundle'
          : url;
    totals.set(place, (totals.get(place) ?? 0) + (timeDeltas[index] ?? 0) / 1000);
  });
  console.log(`\nprofile of one cold start of ${profiled} (${file}), self time:`);
  for (const [place, ms] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`${ms.toFixed(1).padStart(8)} ms  ${place}`);
}

/** What API Gateway adds to every event and Lambda to every context, so nothing is cheaper than on AWS. */
function realistic(invocation: Invocation, name: string): void {
  const event = invocation.event as any;
  const now = new Date();
  Object.assign(event.headers, {
    accept: 'application/json',
    'accept-encoding': 'gzip, deflate, br',
    host: 'api.conduit.example.com',
    'user-agent':
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    'x-amzn-trace-id': `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
    'x-forwarded-for': event.requestContext.http.sourceIp,
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
    ...(event.body && { 'content-length': String(Buffer.byteLength(event.body)) }),
  });
  event.cookies = undefined;
  Object.assign(event.requestContext, {
    accountId: '123456789012',
    apiId: 'a1b2c3d4e5',
    domainName: 'api.conduit.example.com',
    domainPrefix: 'api',
    routeKey: event.routeKey,
    stage: '$default',
    time: now.toUTCString(),
    timeEpoch: now.getTime(),
    http: { ...event.requestContext.http, protocol: 'HTTP/1.1', userAgent: event.headers['user-agent'] },
  });
  Object.assign(invocation.context, {
    functionName: `conduit-api-${stage}-${name}`,
    functionVersion: '1',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:conduit-api-${stage}-${name}:live`,
    memoryLimitInMB: '1024',
    logGroupName: `/aws/lambda/conduit-api-${stage}-${name}`,
    logStreamName: `2026/12/01/[1]${randomBytes(16).toString('hex')}`,
  });
}

function report(candidates: Candidate[], hashMs: number, served: { extension: number; ssm: number }) {
  const figures = candidates.map((candidate) => ({
    candidate,
    kb: statSync(candidate.bundle).size / 1024,
    loaded: median(candidate.samples.map(({ loadedMs }) => loadedMs)),
    replied: candidate.request ? median(candidate.samples.map(({ repliedMs }) => repliedMs!)) : undefined,
  }));
  const hello = figures.find(({ candidate }) => candidate.name === 'hello-world')!.replied!;
  const peer = figures.find(({ candidate }) => candidate.name === 'express-peer')!.replied!;
  console.log(
    `\nnode ${process.version}; password hash alone ${hashMs.toFixed(1)} ms; secrets read through ` +
      `${served.extension ? 'the extension' : ''}${served.extension && served.ssm ? ' and ' : ''}${served.ssm ? 'the SSM API' : ''}`,
  );
  console.log(
    `| ${['candidate', 'bundle KB', 'load ms', 'first reply ms', '× hello', 'budget ×', 'within'].join(' | ')} |`,
  );
  console.log(`|${' --- |'.repeat(7)}`);
  const over: string[] = [];
  for (const { candidate, kb, loaded, replied } of figures) {
    const ratio = replied === undefined ? undefined : replied / hello;
    const isFunction = !yardsticks.includes(candidate.name);
    const budget = candidate.hashesPassword ? coldStartRatio + hashMs / hello : coldStartRatio;
    const sizeWithin = kb <= bundleTargetKb || servingFiles.includes(candidate.name);
    const within = isFunction && sizeWithin && (ratio === undefined || ratio <= budget);
    if (isFunction && !within) over.push(candidate.name);
    console.log(
      `| ${[
        candidate.name,
        kb.toFixed(0),
        loaded.toFixed(1),
        replied === undefined ? '(no HTTP route)' : replied.toFixed(1),
        ratio === undefined ? '' : ratio.toFixed(2),
        isFunction ? budget.toFixed(2) : '',
        isFunction ? (within ? 'yes' : 'NO') : '',
      ].join(' | ')} |`,
    );
  }
  const functions = figures.filter(({ candidate }) => !yardsticks.includes(candidate.name));
  const required = figures.find(({ candidate }) => candidate.name === 'required-stack')!.replied!;
  // The worst first reply once login's and register's own password hash is taken off theirs (their budget).
  const worst = functions
    .filter(({ replied }) => replied !== undefined)
    .map((figure) => ({ ...figure, net: figure.replied! - (figure.candidate.hashesPassword ? hashMs : 0) }))
    .sort((a, b) => b.net - a.net)[0]!;
  const largest = functions
    .filter(({ candidate }) => !servingFiles.includes(candidate.name))
    .sort((a, b) => b.kb - a.kb)[0]!;
  if (over.length) console.log(`over budget: ${over.join(', ')}`);
  console.log(
    `the required stack alone (Middy, Drizzle on mysql2, jose, secrets over HTTP): ${required.toFixed(1)} ms = ` +
      `${(required / hello).toFixed(2)}x hello`,
  );
  console.log(
    `cold start: worst ${worst.candidate.name} ${worst.net.toFixed(1)} ms = ${(worst.net / hello).toFixed(2)}x hello (${hello.toFixed(1)} ms); ` +
      `express peer ${(peer / hello).toFixed(2)}x; ` +
      `largest bundle ${largest.candidate.name} ${largest.kb.toFixed(0)} KB`,
  );
}

// The fixtures' bundles keep their database pools open in this process: exit once the report is out.
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
