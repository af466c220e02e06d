import JSZip from 'jszip';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { invocationFor, type RequestOptions } from '../../support/api';
import { root, serverless, type Template } from '../../support/packaging';

/** The stage the benchmarks package: production's configuration. */
export const stage = 'prod';

export interface PackagedFunction {
  /** serverless.yml's name for the function. */
  name: string;
  bundle: string;
  /** What the packaged template sets, less the values CloudFormation fills in at deploy time. */
  environment: Record<string, string>;
  memory: number;
}

/**
 * Every function as `serverless package --stage prod` builds it, unzipped into `folder`. Keep `folder` inside
 * the project: the bundles' one external, the AWS SDK (which Lambda's runtime provides), resolves from there.
 */
export async function packagedFunctions(folder: string): Promise<PackagedFunction[]> {
  const packaged = path.join(folder, 'package');
  await serverless(
    ['package', '--stage', stage, '--package', packaged],
    path.join('.local', `esbuild-bench-${process.pid}`),
  );
  const template = JSON.parse(
    readFileSync(path.join(packaged, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
  const functions = Object.values(template.Resources).filter(({ Type }) => Type === 'AWS::Lambda::Function');
  return Promise.all(
    functions.map(async ({ Properties }) => {
      // serverless.yml's name for the function, which its zip carries.
      const name = path.basename(Properties.Code.S3Key as string, '.zip');
      const file = `${(Properties.Handler as string).replace(/\.handler$/, '')}.js`;
      const zip = await JSZip.loadAsync(readFileSync(path.join(packaged, `${name}.zip`)));
      const bundle = path.join(folder, name, file);
      mkdirSync(path.dirname(bundle), { recursive: true });
      writeFileSync(bundle, await zip.file(file)!.async('nodebuffer'));
      const variables = Properties.Environment.Variables as Record<string, unknown>;
      const environment = Object.fromEntries(
        Object.entries(variables).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      );
      return { name, bundle, environment, memory: Properties.MemorySize as number };
    }),
  );
}

export interface Reply {
  status: number;
  body: any;
  raw: string;
}

export interface Client {
  get(url: string, options?: RequestOptions): Promise<Reply>;
  post(url: string, body?: unknown, options?: RequestOptions): Promise<Reply>;
  put(url: string, body?: unknown, options?: RequestOptions): Promise<Reply>;
  delete(url: string, options?: RequestOptions): Promise<Reply>;
}

/**
 * The API, served by the packaged bundles in this process, with this process's environment: each bundle keeps
 * its own modules (pools, caches) as its own container would. One request at a time, as on Lambda.
 */
export function clientOf(functions: PackagedFunction[]): Client {
  const call = async (method: string, url: string, options: RequestOptions = {}) => {
    const { event, context, handlerPath } = invocationFor(method, url, options);
    const file = `${path.relative(root, handlerPath)}.js`;
    const { bundle } = functions.find((candidate) => candidate.bundle.endsWith(file))!;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a built bundle, loaded as Lambda does
    const { handler } = require(bundle) as { handler: (...args: unknown[]) => Promise<any> };
    const reply = await handler(event, context);
    return {
      status: reply.statusCode,
      body: reply.body ? JSON.parse(reply.body) : undefined,
      raw: reply.body ?? '',
    };
  };
  return {
    get: (url, options) => call('GET', url, options),
    post: (url, body, options) => call('POST', url, { ...options, body }),
    put: (url, body, options) => call('PUT', url, { ...options, body }),
    delete: (url, options) => call('DELETE', url, options),
  };
}
