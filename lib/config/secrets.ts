import { lazy } from '#lib/lazy';
import { ConfigError, MissingSecret } from './errors';

/**
 * Secrets: SecureString parameters under the stage's SSM prefix (`/conduit/<stage>/…`), which
 * ./load-secrets.ts fetches; this module holds what was loaded, checked and parsed. It imports no SDK, so
 * code that only uses a secret (tokens, the database client) loads no SDK.
 */
export const secretParameters = {
  databasePassword: 'db/app-password',
  signingKeys: 'jwt/signing-keys',
} as const;

export type SecretName = keyof typeof secretParameters;

export interface SigningKey {
  kid: string;
  key: Uint8Array;
}

export interface Secrets {
  databasePassword: string;
  /** The first key signs; every key verifies the tokens that name it by `kid` (rotation). */
  signingKeys: [SigningKey, ...SigningKey[]];
}

/** `db/app-password` → `DB_APP_PASSWORD`: where offline runs and tests keep each parameter. */
export function environmentVariableOf(parameter: string): string {
  return parameter.replace(/[/-]/g, '_').toUpperCase();
}

/** What the last load installed, kept for the container's life (a new box, empty, after resetLazyValues()). */
const loaded = lazy(
  (): { current?: { raw: Partial<Record<SecretName, unknown>>; secrets: Secrets } } => ({}),
);

/** The secrets the last request loaded. Throws when none has: code outside route() calls loadSecretsNow(). */
export function secrets(): Secrets {
  const { current } = loaded();
  if (!current) throw new ConfigError('secrets are not loaded yet');
  return current.secrets;
}

const parsers: { [N in SecretName]: (value: unknown) => Secrets[N] } = {
  databasePassword: (value) => text(value, 'databasePassword'),
  signingKeys: (value) => parseSigningKeys(text(value, 'signingKeys')),
};

/**
 * Checks and installs freshly fetched values; parsing is skipped while they are unchanged (every warm request).
 * A secret the function does not read (left out of `raw`) throws when something asks for it.
 */
export function useSecrets(raw: Partial<Record<SecretName, unknown>>): Secrets {
  const box = loaded();
  const { current } = box;
  const names = Object.keys(secretParameters) as SecretName[];
  if (current && names.every((name) => current.raw[name] === raw[name])) return current.secrets;
  const parsed = {} as Secrets;
  for (const name of names) {
    if (name in raw)
      Object.defineProperty(parsed, name, { value: parsers[name](raw[name]), enumerable: true });
    else
      Object.defineProperty(parsed, name, {
        get() {
          throw new ConfigError(
            `secret ${secretParameters[name]} is not loaded: this function does not read it`,
          );
        },
      });
  }
  box.current = { raw, secrets: parsed };
  return parsed;
}

function text(value: unknown, name: SecretName): string {
  if (typeof value !== 'string' || value === '')
    throw new MissingSecret(`secret ${secretParameters[name]} must be a non-empty string`);
  return value;
}

/** `kid=secret[,kid=secret…]`, newest first; each secret at least 32 characters (HS256 wants 256 bits). */
export function parseSigningKeys(value: string): Secrets['signingKeys'] {
  const keys = value.split(',').map((entry) => {
    const separator = entry.indexOf('=');
    const kid = entry.slice(0, separator).trim();
    const secret = entry.slice(separator + 1).trim();
    if (separator < 1 || !/^[\w.-]+$/.test(kid))
      throw new MissingSecret(`secret ${secretParameters.signingKeys} must list kid=secret pairs`);
    if (secret.length < 32)
      throw new MissingSecret(
        `signing key ${kid} in ${secretParameters.signingKeys} is shorter than 32 characters`,
      );
    return { kid, key: new TextEncoder().encode(secret) };
  });
  if (new Set(keys.map(({ kid }) => kid)).size !== keys.length)
    throw new MissingSecret(`secret ${secretParameters.signingKeys} names a kid twice`);
  return keys as Secrets['signingKeys'];
}
