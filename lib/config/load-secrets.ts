import middy, { type MiddlewareObj } from '@middy/core';
import { clearCache, processCache } from '@middy/util';
import type { Context } from 'aws-lambda';
import { getText } from '#lib/http-get';
import { loadSecretSettings, type SecretSettings } from './env';
import { ConfigError, MissingSecret, SecretsUnavailable } from './errors';
import {
  environmentVariableOf,
  secretParameters,
  secrets,
  useSecrets,
  type SecretName,
  type Secrets,
} from './secrets';

/**
 * Fetches the secrets and keeps them per container for SECRETS_TTL_SECONDS (default 300), so a rotated value
 * arrives without a deploy and SSM is not called on every request. @middy/util's cache does the keeping (the
 * one official Middy middlewares use: an expiry, a refresh in the background, a failure never cached).
 *
 * Where they come from (lib/config/env.ts decides, from the environment):
 *  - on AWS, SSM Parameter Store through the AWS Parameters and Secrets Lambda Extension over HTTP on
 *    localhost, so no AWS SDK is loaded at all on the cold path;
 *  - with SSM_PREFIX but no extension (an operator's machine), SSM through @aws-sdk/client-ssm, imported
 *    only then (by the prefetch, as the handler module loads);
 *  - without SSM_PREFIX (serverless offline, tests, scripts), the same names from environment variables.
 */
interface ParameterSource {
  /** Whether the fetch may start while the handler module loads (the extension answers only once invoked). */
  prefetch: boolean;
  /** Each parameter's value, or a MissingSecret naming those the store lacks, or a SecretsUnavailable. */
  read(names: string[]): Promise<Record<string, string>>;
}

/** How long one read of the extension may take before it counts as unavailable (a 503, not a hung request). */
export const extensionTimeoutMs = 3_000;

/** Secrets Manager secrets read through SSM's reference path: their value is the secret's JSON. */
const secretsManagerReference = /^\/aws\/reference\/secretsmanager\//;

function environmentSource(): ParameterSource {
  return {
    prefetch: true,
    async read(names) {
      const variable = (name: string) => environmentVariableOf(name.replace(/^\//, ''));
      const missing = names.filter((name) => !process.env[variable(name)]);
      if (missing.length)
        throw new MissingSecret(
          `secret ${missing.join(', ')} is not defined (set ${missing.map(variable).join(', ')})`,
        );
      return Object.fromEntries(names.map((name) => [name, process.env[variable(name)]!]));
    },
  };
}

/** GetParameter's `Parameter.Value` from the extension's reply; a malformed reply is never quoted (it holds the secret). */
function valueOf(body: string, name: string, prefix: string): string {
  let value: unknown;
  try {
    value = (JSON.parse(body) as { Parameter?: { Value?: unknown } }).Parameter?.Value;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string')
    throw new SecretsUnavailable(
      `could not read secrets under ${prefix}: no value for ${name} in the extension's reply`,
    );
  return value;
}

/**
 * The extension's GetParameter API: one request per parameter, with the container's session token. It answers
 * 400 both for a parameter that does not exist and for one the role may not read (its own log says which).
 */
function extensionSource(port: number, prefix: string): ParameterSource {
  const readOne = async (name: string): Promise<string> => {
    const url = `http://localhost:${port}/systemsmanager/parameters/get?name=${encodeURIComponent(name)}&withDecryption=true`;
    // node:http (lib/http-get.ts), not fetch: fetch's first call would cost every cold start ~30 ms.
    const { status, body } = await getText(url, {
      headers: { 'X-Aws-Parameters-Secrets-Token': process.env.AWS_SESSION_TOKEN ?? '' },
      timeout: extensionTimeoutMs,
    }).catch((error: unknown) => {
      throw new SecretsUnavailable(`could not read secrets under ${prefix}: ${reasonOf(error)}`, {
        cause: error,
      });
    });
    // 400 is the extension's answer for a parameter that is missing or that the role may not read: an operator
    // has to act (500), unlike a store that fails for a while (503, retry).
    if (status === 400)
      throw new MissingSecret(
        `secret ${name} could not be read through the Parameters and Secrets extension ` +
          "(400: it is missing, or the function's role may not read it; the extension's log says which)",
      );
    if (status !== 200)
      throw new SecretsUnavailable(
        `could not read secrets under ${prefix}: the Parameters and Secrets extension answered ${status} for ${name}`,
      );
    return valueOf(body, name, prefix);
  };
  return {
    prefetch: false,
    async read(names) {
      const values = await Promise.all(names.map(readOne));
      return Object.fromEntries(names.map((name, index) => [name, values[index]!]));
    },
  };
}

/** SSM's GetParameters through the SDK, loaded only here: one decrypted call for every parameter. */
function sdkSource(prefix: string): ParameterSource {
  let client: Promise<{ send(names: string[]): Promise<Record<string, string>> }> | undefined;
  const connect = async () => {
    const { SSMClient, GetParametersCommand } = await import('@aws-sdk/client-ssm');
    const ssm = new SSMClient({});
    return {
      async send(names: string[]) {
        const command = new GetParametersCommand({ Names: names, WithDecryption: true });
        // A container thawed after a long freeze may sign with a stale clock: the SDK corrects it, once.
        const reply = await ssm.send(command).catch((error: { name?: string }) => {
          if (error.name === 'InvalidSignatureException') return ssm.send(command);
          throw error;
        });
        if (reply.InvalidParameters?.length)
          throw new MissingSecret(
            `secret ${reply.InvalidParameters.join(', ')} is not defined in SSM Parameter Store`,
          );
        return Object.fromEntries((reply.Parameters ?? []).map(({ Name, Value }) => [Name!, Value!]));
      },
    };
  };
  return {
    prefetch: true,
    async read(names) {
      try {
        return await (client ??= connect()).then((ssm) => ssm.send(names));
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        throw new SecretsUnavailable(`could not read secrets under ${prefix}: ${reasonOf(error)}`, {
          cause: error,
        });
      }
    },
  };
}

function sourceFor({ ssmPrefix, extensionPort }: SecretSettings): ParameterSource {
  if (!ssmPrefix) return environmentSource();
  return extensionPort ? extensionSource(extensionPort, ssmPrefix) : sdkSource(ssmPrefix);
}

/** `Name: message` of an error and its causes, never a value. */
function reasonOf(error: unknown): string {
  const reasons: string[] = [];
  for (let current = error as Error | undefined; current; current = current.cause as Error | undefined)
    reasons.push(`${current.name ?? 'Error'}: ${current.message ?? String(current)}`);
  return reasons.join(' ← ');
}

const names = Object.keys(secretParameters) as SecretName[];

/**
 * The middleware every route that touches the database or tokens runs first; `wanted` narrows what it reads
 * for a function that needs less (the notification functions: the database password, not the signing keys,
 * which their roles may not read either). Built when the handler module
 * loads: where the source allows it, the fetch starts then, during Lambda's init phase, and overlaps it.
 */
export function loadSecrets(
  env = process.env,
  wanted: readonly SecretName[] = names,
): MiddlewareObj<unknown, unknown, Error, Context> {
  const settings = loadSecretSettings(env);
  const source = sourceFor(settings);
  const parameters: Partial<Record<SecretName, string>> = Object.fromEntries(
    wanted.map((name) => [
      name,
      // On AWS the app user's password is the Secrets Manager secret RDS Proxy authenticates with, read
      // through SSM's /aws/reference/secretsmanager/… path (deploy/data-stack.yml).
      name === 'databasePassword' && settings.databasePasswordParameter
        ? settings.databasePasswordParameter
        : `${settings.ssmPrefix}/${secretParameters[name]}`,
    ]),
  );
  const cache = {
    // Per set of names: one process (the tests) may run functions that read different sets.
    cacheKey: `conduit-secrets:${wanted.join(',')}`,
    // Whole milliseconds: @middy/util refuses any other cache expiry.
    cacheExpiry: Math.ceil(settings.ttlSeconds * 1000),
  };
  const fetchSecrets = (): Promise<Partial<Record<SecretName, string>>> =>
    source.read(Object.values(parameters)).then(
      (values) =>
        Object.fromEntries(
          wanted.map((name) => [name, unpacked(parameters[name]!, values[parameters[name]!])]),
        ) as Partial<Record<SecretName, string>>,
      (error: unknown) => {
        // Never keep a failure: the next request asks again.
        clearCache([cache.cacheKey]);
        throw error;
      },
    );
  if (source.prefetch) processCache(cache, fetchSecrets);
  return {
    before: async () => {
      useSecrets(await (processCache(cache, fetchSecrets).value as ReturnType<typeof fetchSecrets>));
    },
  };
}

/** A Secrets Manager secret for RDS is `{"username": …, "password": …}`: the password is what is used. */
function unpacked(parameter: string, value: string | undefined): string | undefined {
  if (value === undefined || !secretsManagerReference.test(parameter)) return value;
  try {
    const { password } = JSON.parse(value) as { password?: unknown };
    return typeof password === 'string' ? password : undefined;
  } catch {
    return undefined;
  }
}

/** For scripts and tests outside a Lambda request: runs the same middleware once and returns what it loaded. */
export async function loadSecretsNow(
  env = process.env,
  wanted: readonly SecretName[] = names,
): Promise<Secrets> {
  await middy()
    .use(loadSecrets(env, wanted))
    .handler(async () => undefined)({}, {} as Context);
  return secrets();
}
