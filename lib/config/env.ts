import * as z from 'zod/mini';
import { lazy } from '#lib/lazy';
import { ConfigError } from './errors';

/**
 * The non-secret configuration: environment variables (serverless.yml sets them per stage), each group parsed
 * by a zod schema once per container on first use. Parsing happens then, not at import, so a missing or
 * malformed value is reported by the error handler as one log line naming every variable at fault (and a
 * generic 500), not as an init crash loop. Secrets live in ./secrets.ts.
 */
export interface Endpoint {
  host: string;
  port: number;
  user: string;
}

export interface DatabaseSettings {
  primary: Endpoint;
  /** Reads go here when set (DB_READ_HOST); its user has the primary user's password. */
  replica?: Endpoint;
  name: string;
  /** TLS verified against the RDS certificate authorities (DB_TLS=rds), or plain TCP (local servers). */
  tls: boolean;
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTokenTtl: string;
}

export interface SecretSettings {
  /** Where the stage's parameters live in SSM (`/conduit/<stage>`); unset, secrets come from the environment. */
  ssmPrefix: string;
  /** How long a container keeps the secrets before fetching them again (rotation reaches it within that). */
  ttlSeconds: number;
  /** The database password's own parameter (on AWS: the Secrets Manager reference path), if not the default. */
  databasePasswordParameter?: string;
  /**
   * The port of the AWS Parameters and Secrets Lambda Extension (its own PARAMETERS_SECRETS_EXTENSION_HTTP_PORT),
   * when the function runs with it: SSM is then read through it over HTTP, and the SDK is never loaded.
   */
  extensionPort?: number;
}

export interface CacheSettings {
  /** How long a container keeps the tags in use (GET /api/tags); unset or 0, every request reads them. */
  tagsTtlSeconds?: number;
}

export interface AvatarSettings {
  bucket: string;
  region: string;
  /** Where upload forms are sent: the bucket's endpoint (offline, the local S3 server's bucket URL). */
  uploadUrl: string;
  /** The stage's avatar CDN (CloudFront) URL, ending in `/`: stored pictures are read through it. */
  publicUrl: string;
}

const required = z.string().check(z.minLength(1, { error: 'is not set' }));
const optional = z.optional(z.string());
const withDefault = (fallback: string) => z._default(z.optional(z.string()), fallback);

/** A TCP port, 1-65535, or an issue saying so. */
function portOf(value: string, context: z.core.ParsePayload): number {
  const number = Number(value);
  if (/^\d+$/.test(value) && number >= 1 && number <= 65535) return number;
  context.issues.push({ code: 'custom', input: value, message: 'must hold a port number (1-65535)' });
  return z.NEVER;
}

const port = z.pipe(z.string(), z.transform(portOf));
const tls = z._default(z.optional(z.enum(['rds', 'off'])), 'off');

/** The schemas a variable needs, for parseSettings() shapes outside this file (scripts, deploy functions). */
export const setting = { required, optional, withDefault, port: z._default(z.optional(port), 3306), tls };

/** A positive number of seconds (fractions allowed: tests use milliseconds' worth). */
const seconds = z.pipe(
  z.string(),
  z.transform((value, context) => {
    const number = Number(value);
    if (value.trim() !== '' && Number.isFinite(number) && number > 0) return number;
    context.issues.push({ code: 'custom', input: value, message: 'must be a positive number of seconds' });
    return z.NEVER;
  }),
);

/** A number of seconds, 0 meaning none (a cache turned off). */
const secondsOrNone = z.pipe(
  z.string(),
  z.transform((value, context) => {
    const number = Number(value);
    if (value.trim() !== '' && Number.isFinite(number) && number >= 0) return number;
    context.issues.push({ code: 'custom', input: value, message: 'must be a number of seconds (0: none)' });
    return z.NEVER;
  }),
);

/** `host` or `host:port` (a replica endpoint may listen elsewhere than the primary). */
const hostAndPort = z.pipe(
  z.string(),
  z.transform((value, context) => {
    const [, host = value, portText] = /^(.+):(\d+)$/.exec(value) ?? [];
    return { host, port: portText === undefined ? undefined : portOf(portText, context) };
  }),
);

/**
 * Parses `env` with `shape` (one schema per variable); on failure a ConfigError that names each variable and
 * what is wrong with it, never its value.
 */
export function parseSettings<S extends z.core.$ZodShape>(env: NodeJS.ProcessEnv, shape: S) {
  // An empty variable counts as unset: serverless.yml passes `${env:X, ''}` for settings a stage leaves out.
  const given = Object.fromEntries(Object.keys(shape).map((name) => [name, env[name] || undefined]));
  const result = z.object(shape).safeParse(given);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    if (issue.code === 'invalid_type') return `${name} is not set`;
    if (issue.code === 'invalid_value')
      return `${name} must be ${issue.values.map((v) => `"${String(v)}"`).join(' or ')}`;
    return `${name} ${issue.message}`;
  });
  throw new ConfigError(problems.join('; '));
}

export function loadDatabaseSettings(env: NodeJS.ProcessEnv): DatabaseSettings {
  const settings = parseSettings(env, {
    DB_HOST: required,
    DB_PORT: setting.port,
    DB_USER: required,
    DB_NAME: required,
    DB_READ_HOST: z.optional(hostAndPort),
    DB_READ_USER: optional,
    DB_TLS: tls,
  });
  const user = settings.DB_USER;
  const replica = settings.DB_READ_HOST;
  return {
    primary: { host: settings.DB_HOST, port: settings.DB_PORT, user },
    replica: replica && {
      host: replica.host,
      port: replica.port ?? settings.DB_PORT,
      user: settings.DB_READ_USER || user,
    },
    name: settings.DB_NAME,
    tls: settings.DB_TLS === 'rds',
  };
}

export function loadTokenSettings(env: NodeJS.ProcessEnv): TokenSettings {
  const settings = parseSettings(env, {
    JWT_ISSUER: withDefault('conduit'),
    JWT_AUDIENCE: withDefault('conduit-api'),
    ACCESS_TOKEN_TTL: withDefault('1h'),
  });
  return {
    issuer: settings.JWT_ISSUER,
    audience: settings.JWT_AUDIENCE,
    accessTokenTtl: settings.ACCESS_TOKEN_TTL,
  };
}

export function loadSecretSettings(env: NodeJS.ProcessEnv): SecretSettings {
  const settings = parseSettings(env, {
    SSM_PREFIX: withDefault(''),
    SECRETS_TTL_SECONDS: z._default(z.optional(seconds), 300),
    DB_PASSWORD_PARAMETER: optional,
    PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: z.optional(port),
  });
  return {
    ssmPrefix: settings.SSM_PREFIX.replace(/\/+$/, ''),
    ttlSeconds: settings.SECRETS_TTL_SECONDS,
    databasePasswordParameter: settings.DB_PASSWORD_PARAMETER,
    extensionPort: settings.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT,
  };
}

export function loadCacheSettings(env: NodeJS.ProcessEnv): CacheSettings {
  const settings = parseSettings(env, { TAGS_CACHE_SECONDS: z.optional(secondsOrNone) });
  return { tagsTtlSeconds: settings.TAGS_CACHE_SECONDS };
}

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** A URL ending in `/`, so a key can be appended to it. */
const baseUrl = z.pipe(
  httpUrl,
  z.transform((value) => (value.endsWith('/') ? value : `${value}/`)),
);

export function loadAvatarSettings(env: NodeJS.ProcessEnv): AvatarSettings {
  const settings = parseSettings(env, {
    AVATAR_BUCKET: required,
    AVATAR_UPLOAD_URL: baseUrl,
    AVATAR_PUBLIC_URL: baseUrl,
    AWS_REGION: required,
  });
  return {
    bucket: settings.AVATAR_BUCKET,
    region: settings.AWS_REGION,
    uploadUrl: settings.AVATAR_UPLOAD_URL,
    publicUrl: settings.AVATAR_PUBLIC_URL,
  };
}

/** The stage's avatar CDN URL for functions that only check image URLs (PUT /api/user); unset, none. */
export function loadAvatarPublicUrl(env: NodeJS.ProcessEnv): string | undefined {
  return parseSettings(env, { AVATAR_PUBLIC_URL: z.optional(baseUrl) }).AVATAR_PUBLIC_URL;
}

/**
 * The function's own AWS credentials, as Lambda hands them to it (its role's, temporary), read on each
 * call: what signs an upload form must be the role's current credentials.
 */
export function awsCredentials(env: NodeJS.ProcessEnv = process.env) {
  const settings = parseSettings(env, {
    AWS_ACCESS_KEY_ID: required,
    AWS_SECRET_ACCESS_KEY: required,
    AWS_SESSION_TOKEN: optional,
  });
  return {
    accessKeyId: settings.AWS_ACCESS_KEY_ID,
    secretAccessKey: settings.AWS_SECRET_ACCESS_KEY,
    sessionToken: settings.AWS_SESSION_TOKEN,
  };
}

export interface NotificationSettings {
  /** The sender: an address (or `Name <address>`) of an identity verified in SES. */
  from: string;
  /** The client app, for the links in e-mails (no trailing slash). */
  appUrl: string;
  /** Offline only: aws-ses-v2-local's URL, which the SES client is pointed at. */
  sesEndpoint?: string;
}

/** Where the relay sends events: the SQS queue on AWS; offline, the worker function through a Lambda API. */
export type RelayTarget = { queueUrl: string } | { workerFunction: string; lambdaEndpoint: string };

export function loadNotificationSettings(env: NodeJS.ProcessEnv): NotificationSettings {
  const settings = parseSettings(env, {
    MAIL_FROM: required,
    APP_URL: httpUrl,
    SES_ENDPOINT: z.optional(httpUrl),
  });
  return {
    from: settings.MAIL_FROM,
    appUrl: settings.APP_URL.replace(/\/+$/, ''),
    sesEndpoint: settings.SES_ENDPOINT,
  };
}

export function loadRelayTarget(env: NodeJS.ProcessEnv): RelayTarget {
  const settings = parseSettings(env, {
    NOTIFICATION_QUEUE_URL: optional,
    NOTIFICATION_WORKER_FUNCTION: optional,
    LAMBDA_ENDPOINT: optional,
  });
  if (settings.NOTIFICATION_QUEUE_URL) return { queueUrl: settings.NOTIFICATION_QUEUE_URL };
  if (settings.NOTIFICATION_WORKER_FUNCTION && settings.LAMBDA_ENDPOINT)
    return {
      workerFunction: settings.NOTIFICATION_WORKER_FUNCTION,
      lambdaEndpoint: settings.LAMBDA_ENDPOINT,
    };
  throw new ConfigError(
    'NOTIFICATION_QUEUE_URL is not set (offline: NOTIFICATION_WORKER_FUNCTION and LAMBDA_ENDPOINT instead)',
  );
}

export const notificationSettings = lazy(() => loadNotificationSettings(process.env));

export const relayTarget = lazy(() => loadRelayTarget(process.env));

export const avatarSettings = lazy(() => loadAvatarSettings(process.env));

export const avatarPublicUrl = lazy(() => loadAvatarPublicUrl(process.env));

export const databaseSettings = lazy(() => loadDatabaseSettings(process.env));

export const cacheSettings = lazy(() => loadCacheSettings(process.env));

export const tokenSettings = lazy(() => loadTokenSettings(process.env));
