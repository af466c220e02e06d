import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { clearCache } from '@middy/util';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigError, MissingSecret, SecretsUnavailable } from '#lib/config/errors';
import { loadSecretsNow } from '#lib/config/load-secrets';
import { secrets } from '#lib/config/secrets';
import { resetLazyValues } from '#lib/lazy';
import { clearCapturedLines, logLines } from '../support/log-capture';
import { startParameterStore, type ParameterStoreStandIn } from '../support/parameter-store';

const ssm = mockClient(SSMClient);
const prefix = '/conduit/test';
const env = { SSM_PREFIX: prefix, SECRETS_TTL_SECONDS: '300' };
const keyA = `k1=${'a'.repeat(32)}`;
const keyB = `k2=${'b'.repeat(32)},${keyA}`;

/** SSM's answer to GetParameters, as the real service gives it for SecureStrings it decrypted. */
function answer(values: Record<string, string>) {
  ssm.on(GetParametersCommand).resolves({
    Parameters: Object.entries(values).map(([name, value]) => ({
      Name: `${prefix}/${name}`,
      Type: 'SecureString',
      Value: value,
    })),
    InvalidParameters: [],
  });
}

beforeEach(() => {
  ssm.reset();
  clearCache();
  resetLazyValues();
  jest.useFakeTimers({ now: new Date('2026-11-25T12:00:00Z') });
});

afterEach(() => {
  jest.useRealTimers();
  clearCache();
});

describe('secrets from SSM Parameter Store', () => {
  it('asks for every secret of the stage in one decrypted GetParameters call', async () => {
    // Arrange
    answer({ 'db/app-password': 'pw-1', 'jwt/signing-keys': keyA });

    // Act
    const loaded = await loadSecretsNow(env);

    // Assert
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1);
    expect(ssm.commandCalls(GetParametersCommand)[0]!.args[0].input).toEqual({
      Names: [`${prefix}/db/app-password`, `${prefix}/jwt/signing-keys`],
      WithDecryption: true,
    });
    expect(loaded.databasePassword).toBe('pw-1');
    expect(loaded.signingKeys.map(({ kid }) => kid)).toEqual(['k1']);
  });

  it('reads only the secrets a function asks for, and refuses to hand out the others', async () => {
    // Arrange
    answer({ 'db/app-password': 'pw-1' });

    // Act
    const loaded = await loadSecretsNow(env, ['databasePassword']);

    // Assert
    expect(ssm.commandCalls(GetParametersCommand)[0]!.args[0].input.Names).toEqual([
      `${prefix}/db/app-password`,
    ]);
    expect(loaded.databasePassword).toBe('pw-1');
    expect(() => loaded.signingKeys).toThrow(
      new ConfigError('secret jwt/signing-keys is not loaded: this function does not read it'),
    );
  });

  it("reads the database password from the Secrets Manager secret RDS Proxy uses, through SSM's reference path", async () => {
    // Arrange: SSM answers a reference with the secret's JSON, under the name it was asked for
    const reference = '/aws/reference/secretsmanager/conduit/test/db/app';
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        {
          Name: reference,
          Type: 'SecureString',
          Value: '{"username":"conduit_app","password":"pw-from-sm"}',
        },
        { Name: `${prefix}/jwt/signing-keys`, Type: 'SecureString', Value: keyA },
      ],
      InvalidParameters: [],
    });

    // Act
    const loaded = await loadSecretsNow({ ...env, DB_PASSWORD_PARAMETER: reference });

    // Assert
    expect(ssm.commandCalls(GetParametersCommand)[0]!.args[0].input.Names).toEqual([
      reference,
      `${prefix}/jwt/signing-keys`,
    ]);
    expect(loaded.databasePassword).toBe('pw-from-sm');
  });

  it('calls SSM once per container within the TTL, however many requests', async () => {
    // Arrange
    answer({ 'db/app-password': 'pw-1', 'jwt/signing-keys': keyA });
    const { loadSecrets } = await import('#lib/config/load-secrets');
    const middleware = loadSecrets(env);
    const request = () => ({ event: {}, context: {}, response: undefined, error: undefined, internal: {} });

    // Act: the prefetch at creation, then ten requests over four minutes
    for (let i = 0; i < 10; i++) {
      await middleware.before!(request() as never);
      jest.advanceTimersByTime(24_000);
    }

    // Assert
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1);
    expect(secrets().databasePassword).toBe('pw-1');
  });

  it('picks up a rotated value after the TTL, without a deploy', async () => {
    // Arrange
    answer({ 'db/app-password': 'pw-1', 'jwt/signing-keys': keyA });
    const { loadSecrets } = await import('#lib/config/load-secrets');
    const middleware = loadSecrets(env);
    const request = () => ({ event: {}, context: {}, internal: {} }) as never;
    await middleware.before!(request());
    answer({ 'db/app-password': 'pw-2', 'jwt/signing-keys': keyB });

    // Act
    jest.advanceTimersByTime(299_000);
    await middleware.before!(request());
    const beforeExpiry = secrets();
    jest.advanceTimersByTime(2_000);
    await middleware.before!(request());

    // Assert
    expect(beforeExpiry.databasePassword).toBe('pw-1');
    expect(secrets().databasePassword).toBe('pw-2');
    expect(secrets().signingKeys.map(({ kid }) => kid)).toEqual(['k2', 'k1']);
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(2);
  });

  it('accepts a TTL in fractions of a second', async () => {
    // Arrange
    answer({ 'db/app-password': 'pw-1', 'jwt/signing-keys': keyA });

    // Act
    const loaded = await loadSecretsNow({ ...env, SECRETS_TTL_SECONDS: '0.0015' });

    // Assert
    expect(loaded.databasePassword).toBe('pw-1');
  });

  it('reports an unreadable store as SecretsUnavailable naming the cause, never a value', async () => {
    // Arrange
    ssm
      .on(GetParametersCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    const attempt = loadSecretsNow(env);

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(SecretsUnavailable);
    await expect(attempt).rejects.toThrow(/\/conduit\/test.*ThrottlingException: Rate exceeded/);
  });

  it('reports a parameter the stage lacks as MissingSecret naming it', async () => {
    // Arrange
    ssm.on(GetParametersCommand).resolves({
      Parameters: [{ Name: `${prefix}/db/app-password`, Type: 'SecureString', Value: 'pw-1' }],
      InvalidParameters: [`${prefix}/jwt/signing-keys`],
    });

    // Act
    const attempt = loadSecretsNow(env);

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(MissingSecret);
    await expect(attempt).rejects.toThrow(
      `secret ${prefix}/jwt/signing-keys is not defined in SSM Parameter Store`,
    );
  });

  it('tries again on the next request after a failure instead of caching it', async () => {
    // Arrange
    ssm
      .on(GetParametersCommand)
      .rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }))
      .resolves({
        Parameters: [
          { Name: `${prefix}/db/app-password`, Type: 'SecureString', Value: 'pw-1' },
          { Name: `${prefix}/jwt/signing-keys`, Type: 'SecureString', Value: keyA },
        ],
      });
    const { loadSecrets } = await import('#lib/config/load-secrets');
    const middleware = loadSecrets(env);
    const request = () => ({ event: {}, context: {}, internal: {} }) as never;

    // Act
    const first = middleware.before!(request());
    await expect(first).rejects.toBeInstanceOf(SecretsUnavailable);
    await middleware.before!(request());

    // Assert
    expect(secrets().databasePassword).toBe('pw-1');
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(2);
  });
});

describe('secrets through the Parameters and Secrets Lambda Extension (how deployed functions read them)', () => {
  const reference = '/aws/reference/secretsmanager/conduit/test/db/app';
  const sessionToken = 'the-containers-session-token';
  const saved = { ...process.env };
  let extension: ParameterStoreStandIn;
  let settings: Record<string, string>;

  beforeEach(async () => {
    jest.useRealTimers();
    extension = await startParameterStore(
      {
        [reference]: '{"username":"conduit_app","password":"pw-from-sm"}',
        [`${prefix}/jwt/signing-keys`]: keyA,
      },
      sessionToken,
    );
    process.env.AWS_SESSION_TOKEN = sessionToken;
    settings = {
      ...env,
      DB_PASSWORD_PARAMETER: reference,
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
    };
  });

  afterEach(async () => {
    process.env = { ...saved };
    await extension.close();
  });

  const request = () => ({ event: {}, context: {}, internal: {} }) as never;

  it('reads each parameter over HTTP with the session token, decrypted, and never calls the SDK', async () => {
    // Act
    const loaded = await loadSecretsNow(settings);

    // Assert
    // Both are asked at once, so they may arrive in either order.
    expect(extension.requests).toHaveLength(2);
    expect(extension.requests).toEqual(
      expect.arrayContaining([
        { name: reference, withDecryption: 'true', token: sessionToken },
        { name: `${prefix}/jwt/signing-keys`, withDecryption: 'true', token: sessionToken },
      ]),
    );
    expect(loaded.databasePassword).toBe('pw-from-sm');
    expect(loaded.signingKeys.map(({ kid }) => kid)).toEqual(['k1']);
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(0);
  });

  it('asks nothing while the handler module loads (the extension answers only once invoked)', async () => {
    // Arrange
    const { loadSecrets } = await import('#lib/config/load-secrets');

    // Act
    const middleware = loadSecrets(settings);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const beforeFirstRequest = extension.requests.length;
    await middleware.before!(request());

    // Assert
    expect(beforeFirstRequest).toBe(0);
    expect(extension.requests).toHaveLength(2);
  });

  it('keeps the values for the TTL, then reads them again', async () => {
    // Arrange
    const { loadSecrets } = await import('#lib/config/load-secrets');
    const middleware = loadSecrets({ ...settings, SECRETS_TTL_SECONDS: '0.3' });

    // Act
    for (let i = 0; i < 5; i++) await middleware.before!(request());
    const withinTtl = extension.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    await middleware.before!(request());

    // Assert
    expect(withinTtl).toBe(2);
    expect(extension.requests.length).toBeGreaterThanOrEqual(4);
  });

  it('reports a parameter the extension refuses as MissingSecret (an operator must act) naming it, never a value', async () => {
    // Arrange: a stage whose signing keys were never created (the extension answers 400)
    const attempt = loadSecretsNow({ ...settings, SSM_PREFIX: '/conduit/elsewhere' });

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(MissingSecret);
    await expect(attempt).rejects.toThrow(
      'secret /conduit/elsewhere/jwt/signing-keys could not be read through the Parameters and Secrets extension (400',
    );
    await expect(attempt).rejects.not.toThrow(/pw-from-sm/);
  });

  it('reports an extension that does not answer as SecretsUnavailable', async () => {
    // Arrange
    await extension.close();

    // Act
    const attempt = loadSecretsNow(settings);

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(SecretsUnavailable);
    await expect(attempt).rejects.toThrow(
      /could not read secrets under \/conduit\/test: Error: connect ECONNREFUSED/,
    );
  });

  it('keeps no failure: the next request asks again', async () => {
    // Arrange: the signing keys are missing for a moment
    const { loadSecrets } = await import('#lib/config/load-secrets');
    const middleware = loadSecrets(settings);
    const keys = extension.values[`${prefix}/jwt/signing-keys`]!;
    delete extension.values[`${prefix}/jwt/signing-keys`];

    // Act
    const first = middleware.before!(request());
    await expect(first).rejects.toBeInstanceOf(MissingSecret);
    extension.values[`${prefix}/jwt/signing-keys`] = keys;
    await middleware.before!(request());

    // Assert
    expect(secrets().signingKeys.map(({ kid }) => kid)).toEqual(['k1']);
    expect(extension.requests).toHaveLength(4);
  });
});

describe('secrets from the environment (no SSM_PREFIX: serverless offline, tests)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads the same names from environment variables and never calls SSM', async () => {
    // Arrange
    process.env.DB_APP_PASSWORD = 'local-pw';
    process.env.JWT_SIGNING_KEYS = keyB;

    // Act
    const loaded = await loadSecretsNow({});

    // Assert
    expect(loaded.databasePassword).toBe('local-pw');
    expect(loaded.signingKeys.map(({ kid }) => kid)).toEqual(['k2', 'k1']);
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(0);
  });

  it('names the variable to set when one is missing', async () => {
    // Arrange
    process.env.DB_APP_PASSWORD = 'local-pw';
    delete process.env.JWT_SIGNING_KEYS;

    // Act
    const attempt = loadSecretsNow({});

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(MissingSecret);
    await expect(attempt).rejects.toThrow('(set JWT_SIGNING_KEYS)');
  });
});

describe('a route whose secrets cannot be read', () => {
  const saved = { ...process.env };

  beforeEach(() => {
    jest.useRealTimers();
    Object.assign(process.env, {
      SSM_PREFIX: prefix,
      DB_HOST: '127.0.0.1',
      DB_NAME: 'never',
      DB_USER: 'never',
    });
    clearCapturedLines();
  });

  afterEach(() => {
    process.env = { ...saved };
  });

  it('answers 503 with Retry-After and logs which parameters failed and why', async () => {
    // Arrange
    ssm
      .on(GetParametersCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const { api } = await import('../support/api');

    // Act
    const response = await api.get('/api/tags');

    // Assert
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(response.raw).not.toMatch(/AccessDenied|conduit\/test|ssm/i);
    const line = logLines().findLast(({ level }) => level === 'ERROR') as Record<string, any>;
    expect(line).toMatchObject({ level: 'ERROR', error: { name: 'SecretsUnavailable' } });
    expect(line.error.message).toContain('could not read secrets under /conduit/test: AccessDeniedException');
  });

  it('answers a generic 500 for a parameter the stage lacks, and says which in the log', async () => {
    // Arrange
    ssm.on(GetParametersCommand).resolves({
      Parameters: [{ Name: `${prefix}/jwt/signing-keys`, Type: 'SecureString', Value: keyA }],
      InvalidParameters: [`${prefix}/db/app-password`],
    });
    const { api } = await import('../support/api');

    // Act
    const response = await api.get('/api/tags');

    // Assert
    expect(response.status).toBe(500);
    expect(response.body.errors.server[0]).toMatch(/^unexpected error \(request id /);
    const line = logLines().findLast(({ level }) => level === 'ERROR') as Record<string, any>;
    expect(line.error.message).toBe(`secret ${prefix}/db/app-password is not defined in SSM Parameter Store`);
  });
});
