import { Unavailable } from '#lib/errors';

/** A setting or secret is missing or malformed: an operator has to act. The client sees a generic 500. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A secret the stage does not define, or defines badly (its value never appears in the message). */
export class MissingSecret extends ConfigError {
  override name = 'MissingSecret';
}

/** The secret store could not be read (throttling, network, permissions): the client should retry (503). */
export class SecretsUnavailable extends Unavailable {
  override name = 'SecretsUnavailable';
}
