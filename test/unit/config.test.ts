import { connectionTargetOf, poolOptions } from '#db/client';
import { ConfigError, MissingSecret } from '#lib/config/errors';
import { loadCacheSettings, loadDatabaseSettings, loadTokenSettings } from '#lib/config/env';
import { environmentVariableOf, parseSigningKeys, useSecrets } from '#lib/config/secrets';
import { resetLazyValues } from '#lib/lazy';

describe('database settings', () => {
  const valid = { DB_HOST: 'db.internal', DB_NAME: 'conduit', DB_USER: 'conduit_app' };

  it('fills defaults for everything optional: port 3306, no replica, no TLS', () => {
    // Act
    const settings = loadDatabaseSettings({ ...valid });

    // Assert
    expect(settings).toEqual({
      primary: { host: 'db.internal', port: 3306, user: 'conduit_app' },
      replica: undefined,
      name: 'conduit',
      tls: false,
    });
  });

  it('reads a replica as host or host:port, with the primary user unless DB_READ_USER says otherwise', () => {
    // Act
    const plain = loadDatabaseSettings({ ...valid, DB_PORT: '3307', DB_READ_HOST: 'reader.internal' });
    const full = loadDatabaseSettings({ ...valid, DB_READ_HOST: 'reader.internal:4000', DB_READ_USER: 'ro' });

    // Assert
    expect(plain.replica).toEqual({ host: 'reader.internal', port: 3307, user: 'conduit_app' });
    expect(full.replica).toEqual({ host: 'reader.internal', port: 4000, user: 'ro' });
  });

  it('reads an empty variable as unset (serverless.yml passes "" for what a stage leaves out)', () => {
    // Act
    const settings = loadDatabaseSettings({ ...valid, DB_READ_HOST: '', DB_PORT: '', DB_TLS: '' });

    // Assert
    expect(settings.replica).toBeUndefined();
    expect(settings.primary.port).toBe(3306);
    expect(settings.tls).toBe(false);
    expect(() => loadDatabaseSettings({ ...valid, DB_HOST: '' })).toThrow(/^DB_HOST is not set$/);
  });

  it('names every variable at fault in one message, never a value', () => {
    const attempt = () => loadDatabaseSettings({ DB_PORT: 'secret-looking-70000', DB_TLS: 'yes' });

    expect(attempt).toThrow(
      'DB_HOST is not set; DB_PORT must hold a port number (1-65535); DB_USER is not set; DB_NAME is not set; ' +
        'DB_TLS must be "rds" or "off"',
    );
  });

  it('turns on TLS against the RDS authorities with DB_TLS=rds', () => {
    expect(loadDatabaseSettings({ ...valid, DB_TLS: 'rds' }).tls).toBe(true);
  });

  it.each([
    ['DB_HOST missing', { DB_NAME: 'conduit', DB_USER: 'app' }, /DB_HOST/],
    ['DB_NAME missing', { DB_HOST: 'h', DB_USER: 'app' }, /DB_NAME/],
    ['DB_USER missing', { DB_HOST: 'h', DB_NAME: 'conduit' }, /DB_USER/],
    ['DB_PORT not a port', { ...valid, DB_PORT: '70000' }, /DB_PORT/],
    ['DB_READ_HOST with a bad port', { ...valid, DB_READ_HOST: 'r:0' }, /DB_READ_HOST/],
    ['DB_TLS unknown', { ...valid, DB_TLS: 'yes' }, /DB_TLS/],
  ])('fails with a ConfigError naming the setting when %s', (_case, env, pattern) => {
    // Act
    const attempt = () => loadDatabaseSettings(env);

    // Assert
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(pattern);
  });
});

describe('token settings', () => {
  it('defaults issuer, audience and lifetime, and reads them when set', () => {
    expect(loadTokenSettings({})).toEqual({
      issuer: 'conduit',
      audience: 'conduit-api',
      accessTokenTtl: '1h',
    });
    expect(
      loadTokenSettings({ JWT_ISSUER: 'conduit-prod', JWT_AUDIENCE: 'aud', ACCESS_TOKEN_TTL: '15m' }),
    ).toEqual({ issuer: 'conduit-prod', audience: 'aud', accessTokenTtl: '15m' });
  });
});

describe('cache settings', () => {
  test.each([
    [undefined, undefined],
    ['', undefined],
    ['0', 0],
    ['30', 30],
    ['0.5', 0.5],
  ])('TAGS_CACHE_SECONDS=%s keeps the tags for %s seconds', (value, seconds) => {
    expect(loadCacheSettings({ TAGS_CACHE_SECONDS: value })).toEqual({ tagsTtlSeconds: seconds });
  });

  test.each(['-1', 'soon', '1e999'])('refuses TAGS_CACHE_SECONDS=%s, naming the variable', (value) => {
    expect(() => loadCacheSettings({ TAGS_CACHE_SECONDS: value })).toThrow(
      new ConfigError('TAGS_CACHE_SECONDS must be a number of seconds (0: none)'),
    );
  });
});

describe('signing keys', () => {
  const secretA = 'a'.repeat(32);
  const secretB = 'b'.repeat(40);

  it('reads kid=secret pairs in order, the first being the signing key', () => {
    // Act
    const keys = parseSigningKeys(` k2=${secretB} , k1=${secretA}`);

    // Assert
    expect(keys.map(({ kid }) => kid)).toEqual(['k2', 'k1']);
    expect(new TextDecoder().decode(keys[0].key)).toBe(secretB);
  });

  it('keeps "=" inside a secret (base64 padding)', () => {
    expect(new TextDecoder().decode(parseSigningKeys(`k1=${secretA}==`)[0].key)).toBe(`${secretA}==`);
  });

  it.each([
    ['no kid', secretA, /kid=secret/],
    ['an empty kid', `=${secretA}`, /kid=secret/],
    ['a kid with spaces', `my key=${secretA}`, /kid=secret/],
    ['a secret of 31 characters', `k1=${'x'.repeat(31)}`, /k1.*32/],
    ['a kid twice', `k1=${secretA},k1=${secretB}`, /twice/],
  ])('refuses %s with a MissingSecret that never shows the value', (_case, value, pattern) => {
    // Act
    const attempt = () => parseSigningKeys(value);

    // Assert
    expect(attempt).toThrow(MissingSecret);
    expect(attempt).toThrow(pattern);
    expect(attempt).toThrow(expect.objectContaining({ message: expect.not.stringContaining(secretA) }));
  });
});

describe('useSecrets', () => {
  afterEach(resetLazyValues);

  it.each([
    ['an empty password', { databasePassword: '', signingKeys: `k=${'s'.repeat(32)}` }],
    ['a password SSM parsed as JSON', { databasePassword: { a: 1 }, signingKeys: `k=${'s'.repeat(32)}` }],
    ['no signing keys', { databasePassword: 'pw', signingKeys: undefined }],
  ])('refuses %s', (_case, raw) => {
    expect(() => useSecrets(raw)).toThrow(MissingSecret);
  });
});

describe('environmentVariableOf', () => {
  it.each([
    ['db/app-password', 'DB_APP_PASSWORD'],
    ['jwt/signing-keys', 'JWT_SIGNING_KEYS'],
  ])('maps the parameter %s to %s', (parameter, variable) => {
    expect(environmentVariableOf(parameter)).toBe(variable);
  });
});

describe('poolOptions', () => {
  const target = { host: 'db', port: 3306, user: 'app', password: 'pw', database: 'conduit' };

  it('verifies RDS with the bundled Amazon RDS authorities when TLS is on, and not otherwise', () => {
    expect(poolOptions({ ...target, tls: true }).ssl).toBe('Amazon RDS');
    expect(poolOptions({ ...target, tls: false })).not.toHaveProperty('ssl');
  });

  it('keeps a container small and quick to give up: 2 connections, a 3 s connect timeout, one statement per call', () => {
    expect(poolOptions({ ...target, tls: false })).toMatchObject({
      connectionLimit: 2,
      connectTimeout: 3_000,
      multipleStatements: false,
    });
  });

  it('reads mysql2 URLs, TLS option included', () => {
    expect(connectionTargetOf('mysql://u%40x:p%2Fw@h:3307/db?ssl=Amazon%20RDS')).toEqual({
      host: 'h',
      port: 3307,
      user: 'u@x',
      password: 'p/w',
      database: 'db',
      tls: true,
    });
  });
});
