/**
 * Configuration from the environment, read once per container on first use (not at import, so a missing
 * value is reported by the error handler as a clear log line and a generic 500 instead of an init crash).
 */
export interface Config {
  databaseUrl: string;
  jwt: { secret: Uint8Array; kid: string; issuer: string; audience: string; accessTokenTtl: string };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

let cached: Config | undefined;

export function config(): Config {
  cached ??= load(process.env);
  return cached;
}

/** Tests change the environment between cases; production never calls this. */
export function resetConfig(): void {
  cached = undefined;
}

export function load(env: NodeJS.ProcessEnv): Config {
  const secret = required(env, 'JWT_SECRET');
  if (secret.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters');
  return {
    databaseUrl: required(env, 'DATABASE_URL'),
    jwt: {
      secret: new TextEncoder().encode(secret),
      kid: env.JWT_KID || 'k1',
      issuer: env.JWT_ISSUER || 'conduit',
      audience: env.JWT_AUDIENCE || 'conduit-api',
      accessTokenTtl: env.ACCESS_TOKEN_TTL || '1h',
    },
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} is not set`);
  return value;
}
