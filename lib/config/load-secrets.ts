import middy, { type MiddlewareObj, type Request } from '@middy/core';
import ssm from '@middy/ssm';
import { getInternal } from '@middy/util';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { loadSecretSettings } from './env';
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
 * Fetches the secrets through @middy/ssm with decryption, cached per container for SECRETS_TTL_SECONDS
 * (default 300), so a rotated value arrives without a deploy and SSM is not called on every request.
 * Without SSM_PREFIX (serverless offline, tests, scripts) the same names are answered from environment
 * variables (`.env`) instead: only the client differs; the middleware, cache and checks are the same.
 */
interface GetParameters {
  input: { Names?: string[] };
}

/** A stand-in for SSMClient that answers GetParameters from process.env, for runs without AWS. */
class EnvironmentParameterStore {
  async send({ input }: GetParameters) {
    const names = input.Names ?? [];
    const value = (name: string) => process.env[environmentVariableOf(name.replace(/^\//, ''))];
    return {
      Parameters: names
        .filter((name) => value(name))
        .map((name) => ({ Name: name, Type: 'SecureString', Value: value(name) })),
      InvalidParameters: names.filter((name) => !value(name)),
    };
  }
}

const names = Object.keys(secretParameters) as SecretName[];

/**
 * The middleware every route that touches the database or tokens runs first. Built when the handler module
 * loads, so on AWS the fetch starts during the init phase (@middy/ssm prefetches) and overlaps it.
 */
export function loadSecrets(env = process.env): MiddlewareObj<unknown, unknown, Error, Context> {
  const { ssmPrefix: prefix, ttlSeconds, databasePasswordParameter } = loadSecretSettings(env);
  const fetch = ssm({
    AwsClient: prefix ? SSMClient : (EnvironmentParameterStore as unknown as typeof SSMClient),
    fetchData: {
      ...Object.fromEntries(names.map((name) => [name, `${prefix}/${secretParameters[name]}`])),
      // On AWS the app user's password is the Secrets Manager secret RDS Proxy authenticates with, read
      // through SSM's /aws/reference/secretsmanager/… path (deploy/data-stack.yml).
      ...(databasePasswordParameter && { databasePassword: databasePasswordParameter }),
    },
    cacheKey: 'conduit-secrets',
    // Whole milliseconds: @middy/util refuses any other cache expiry.
    cacheExpiry: Math.ceil(ttlSeconds * 1000),
  });
  return {
    before: async (request) => {
      try {
        await fetch.before!(request as Request);
        useSecrets((await getInternal(names, request as Request)) as Record<SecretName, unknown>);
      } catch (error) {
        throw explained(error, prefix);
      }
    },
  };
}

/** Turns @middy/ssm's failures into errors that say which parameter failed and why (no values in them). */
function explained(error: unknown, prefix: string): Error {
  if (error instanceof ConfigError) return error;
  const causes = ((error as { cause?: { data?: unknown[] } }).cause?.data ?? [error]) as Error[];
  const missing = causes.flatMap((cause) => /^InvalidParameter (.+)$/.exec(cause?.message ?? '')?.[1] ?? []);
  if (missing.length)
    return new MissingSecret(
      `secret ${missing.join(', ')} is not defined ${prefix ? 'in SSM Parameter Store' : `(set ${missing.map((name) => environmentVariableOf(name.slice(1))).join(', ')})`}`,
    );
  const reasons = causes.map((cause) => `${cause?.name ?? 'Error'}: ${cause?.message ?? cause}`);
  return new SecretsUnavailable(
    `could not read secrets under ${prefix || 'the environment'}: ${[...new Set(reasons)].join('; ')}`,
    { cause: error },
  );
}

/** For scripts and tests outside a Lambda request: runs the same middleware once and returns what it loaded. */
export async function loadSecretsNow(env = process.env): Promise<Secrets> {
  await middy()
    .use(loadSecrets(env))
    .handler(async () => undefined)({}, {} as Context);
  return secrets();
}
