import { ConfigError } from './errors';

/**
 * The non-secret configuration, from the function's environment (serverless.yml sets it per stage), read
 * once per container on first use: not at import, so a missing value is reported by the error handler as a
 * clear log line and a generic 500 instead of an init crash. Secrets live in ./secrets.ts.
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

let database: DatabaseSettings | undefined;
let tokens: TokenSettings | undefined;

export function databaseSettings(): DatabaseSettings {
  database ??= loadDatabaseSettings(process.env);
  return database;
}

export function tokenSettings(): TokenSettings {
  tokens ??= loadTokenSettings(process.env);
  return tokens;
}

/** Tests change the environment between cases; production never calls this. */
export function resetSettings(): void {
  database = tokens = undefined;
}

export function loadDatabaseSettings(env: NodeJS.ProcessEnv): DatabaseSettings {
  const port = portOf(env.DB_PORT || '3306', 'DB_PORT');
  const user = required(env, 'DB_USER');
  return {
    primary: { host: required(env, 'DB_HOST'), port, user },
    replica: env.DB_READ_HOST ? replicaOf(env.DB_READ_HOST, port, env.DB_READ_USER || user) : undefined,
    name: required(env, 'DB_NAME'),
    tls: tlsMode(env.DB_TLS),
  };
}

export function loadTokenSettings(env: NodeJS.ProcessEnv): TokenSettings {
  return {
    issuer: env.JWT_ISSUER || 'conduit',
    audience: env.JWT_AUDIENCE || 'conduit-api',
    accessTokenTtl: env.ACCESS_TOKEN_TTL || '1h',
  };
}

/** `host` or `host:port` (a replica endpoint may listen elsewhere than the primary). */
function replicaOf(value: string, defaultPort: number, user: string): Endpoint {
  const [, host = value, port] = /^(.+):(\d+)$/.exec(value) ?? [];
  return { host, port: port ? portOf(port, 'DB_READ_HOST') : defaultPort, user };
}

function portOf(value: string, name: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ConfigError(`${name} must hold a port number (1-65535)`);
  return port;
}

function tlsMode(value = 'off'): boolean {
  if (value !== 'rds' && value !== 'off') throw new ConfigError('DB_TLS must be "rds" or "off"');
  return value === 'rds';
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} is not set`);
  return value;
}
