import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import {
  canaries,
  deployedStages,
  packagedFolder,
  resourcesOfType,
  root,
  serverless,
  template,
} from '../support/packaging';

// What the packaged functions learn from their environment and may read: settings only, never a secret.
const declared = (load(readFileSync(path.join(root, 'serverless.yml'), 'utf8')) as { functions: object })
  .functions;
const allowedEnvironment = [
  'SSM_PREFIX',
  'SECRETS_TTL_SECONDS',
  'DB_HOST',
  'DB_PORT',
  'DB_NAME',
  'DB_USER',
  'DB_READ_HOST',
  'DB_PASSWORD_PARAMETER',
  'DB_TLS',
  'CORS_ORIGINS',
  'ACCESS_TOKEN_TTL',
  'JWT_ISSUER',
  'LOG_LEVEL',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_METRICS_DISABLED',
  'STAGE',
  // The Parameters and Secrets extension's settings (the layer every API function runs with).
  'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT',
  'PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED',
  'SSM_PARAMETER_STORE_TIMEOUT_MILLIS',
  'PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL',
  // Empty on deployed stages (see the source-map test below); only `local` sets it.
  'NODE_OPTIONS',
];
/**
 * Social sign-in alone also learns the providers' client ids (public, per stage); the hook, how many to
 * warm; the migrate function, the names of the database secrets it reads; the scenario check, the API's URL;
 * the health check, the version it reports; the tags, how long to keep them; the avatar form, the bucket
 * and the URLs; the user update, which image URLs may be http; the relay, its queue (offline: the worker it
 * invokes instead); the worker, the sender, the app's URL for links, and (offline) the local SES.
 */
const extraEnvironment: Record<string, string[]> = {
  'functions/users/social.handler': ['GOOGLE_CLIENT_IDS', 'APPLE_CLIENT_IDS', 'KAKAO_CLIENT_IDS'],
  'functions/deploy/pre-traffic.handler': ['WARM_ENVIRONMENTS'],
  'functions/deploy/migrate.handler': ['DB_MIGRATOR_SECRET', 'DB_APP_SECRET', 'DB_ADMIN_SECRET'],
  'functions/ops/scenario-check.handler': ['SCENARIO_URL'],
  'functions/health/get.handler': ['SERVICE_VERSION'],
  'functions/tags/list.handler': ['TAGS_CACHE_SECONDS'],
  'functions/user/image.handler': ['AVATAR_BUCKET', 'AVATAR_UPLOAD_URL', 'AVATAR_PUBLIC_URL'],
  'functions/user/update.handler': ['AVATAR_PUBLIC_URL'],
  'functions/notifications/relay.handler': [
    'NOTIFICATION_QUEUE_URL',
    'NOTIFICATION_WORKER_FUNCTION',
    'LAMBDA_ENDPOINT',
  ],
  'functions/notifications/worker.handler': ['MAIL_FROM', 'APP_URL', 'SES_ENDPOINT'],
};

const functionsOf = (stage: (typeof deployedStages)[number]) =>
  resourcesOfType(template(stage).template, 'AWS::Lambda::Function').map(([, resource]) => resource);

const functionWith = (stage: (typeof deployedStages)[number], handler: string) =>
  functionsOf(stage).find(({ Properties }) => Properties.Handler === handler)!;

test.each(Object.entries(canaries))('the templates hold no trace of %s', (_name, value) => {
  for (const stage of deployedStages) {
    const { raw } = template(stage);
    expect(raw).not.toContain(value);
    expect(raw).not.toContain(value.slice(0, 12));
  }
});

test("each function's environment carries only non-secret configuration", () => {
  for (const stage of deployedStages) {
    const functions = functionsOf(stage);
    expect(functions).toHaveLength(Object.keys(declared).length);
    for (const { Properties } of functions) {
      expect(Object.keys(Properties.Environment.Variables).sort()).toEqual(
        [...allowedEnvironment, ...(extraEnvironment[Properties.Handler] ?? [])].sort(),
      );
    }
  }
});

test('each deployed stage keeps the tags in use for 30 s per container', () => {
  for (const stage of deployedStages)
    expect(functionWith(stage, 'functions/tags/list.handler').Properties.Environment.Variables).toMatchObject(
      {
        TAGS_CACHE_SECONDS: '30',
      },
    );
});

test("the health check reports package.json's version on every stage", () => {
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  for (const stage of deployedStages)
    expect(
      functionWith(stage, 'functions/health/get.handler').Properties.Environment.Variables,
    ).toMatchObject({
      SERVICE_VERSION: version,
      STAGE: stage,
    });
});

test('each stage keeps its logs as long as it says, and writes its metrics under its own name', () => {
  const retention: Record<string, number> = { dev: 14, prod: 90 };
  for (const stage of deployedStages) {
    const logGroups = resourcesOfType(template(stage).template, 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThanOrEqual(Object.keys(declared).length);
    for (const [, { Properties }] of logGroups) expect(Properties.RetentionInDays).toBe(retention[stage]);
    expect(functionWith(stage, 'functions/tags/list.handler').Properties.Environment.Variables).toMatchObject(
      {
        POWERTOOLS_SERVICE_NAME: 'conduit-api',
        POWERTOOLS_METRICS_NAMESPACE: 'Conduit',
        POWERTOOLS_METRICS_DISABLED: 'false',
        STAGE: stage,
      },
    );
  }
});

test("each stage's functions reach its own data stack: endpoints, subnets and security group from its exports", () => {
  for (const stage of deployedStages) {
    const listTags = functionWith(stage, 'functions/tags/list.handler');
    expect(listTags.Properties.Environment.Variables).toMatchObject({
      SSM_PREFIX: `/conduit/${stage}`,
      DB_HOST: { 'Fn::ImportValue': `conduit-data-${stage}-ProxyEndpoint` },
      DB_READ_HOST: { 'Fn::ImportValue': `conduit-data-${stage}-ReplicaEndpoint` },
      DB_PASSWORD_PARAMETER: `/aws/reference/secretsmanager/conduit/${stage}/db/app`,
      DB_TLS: 'rds',
      JWT_ISSUER: `conduit-${stage}`,
    });
    expect(listTags.Properties.VpcConfig).toEqual({
      SecurityGroupIds: [{ 'Fn::ImportValue': `conduit-data-${stage}-FunctionSecurityGroupId` }],
      SubnetIds: { 'Fn::Split': [',', { 'Fn::ImportValue': `conduit-data-${stage}-PrivateSubnetIds` }] },
    });
  }
});

test('the migrate function ships the committed migrations and reaches the primary instance, not the proxy', () => {
  for (const stage of deployedStages) {
    const migrate = functionWith(stage, 'functions/deploy/migrate.handler');
    expect(migrate.Properties.Environment.Variables).toMatchObject({
      DB_HOST: { 'Fn::ImportValue': `conduit-data-${stage}-PrimaryEndpoint` },
      DB_MIGRATOR_SECRET: `conduit/${stage}/db/migrator`,
      DB_APP_SECRET: `conduit/${stage}/db/app`,
      DB_ADMIN_SECRET: { 'Fn::ImportValue': `conduit-data-${stage}-MasterSecretArn` },
    });
    expect(migrate.Properties.VpcConfig).toBeDefined();
    const entries = execFileSync('unzip', ['-Z1', path.join(packagedFolder(stage), 'migrate.zip')], {
      encoding: 'utf8',
    }).split('\n');
    const journal = JSON.parse(readFileSync(path.join(root, 'db/migrations/meta/_journal.json'), 'utf8'));
    expect(entries).toContain('db/migrations/meta/_journal.json');
    for (const { tag } of journal.entries) expect(entries).toContain(`db/migrations/${tag}.sql`);
  }
});

test('prod takes the short access-token lifetime and the web app as its only CORS origin', () => {
  const listTags = functionWith('prod', 'functions/tags/list.handler');
  expect(listTags.Properties.Environment.Variables).toMatchObject({
    ACCESS_TOKEN_TTL: '15m',
    CORS_ORIGINS: 'https://conduit.example.com',
  });
});

test('deployed bundles ship no source maps, and no function turns source maps on', () => {
  for (const stage of deployedStages) {
    const zips = readdirSync(packagedFolder(stage)).filter((file) => file.endsWith('.zip'));
    const entries = zips.flatMap((zip) =>
      execFileSync('unzip', ['-Z1', path.join(packagedFolder(stage), zip)], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((entry) => ({ zip, entry })),
    );
    const bundles = entries.filter(({ entry }) => entry.endsWith('.js'));
    // esbuild links a bundle to its map (or inlines it) in a last-line comment.
    const linked = bundles.filter(({ zip, entry }) =>
      /\/\/# sourceMappingURL=\S+\s*$/.test(
        execFileSync('unzip', ['-p', path.join(packagedFolder(stage), zip), entry], {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        }),
      ),
    );

    expect(zips.length).toBe(Object.keys(declared).length);
    expect(bundles.length).toBeGreaterThanOrEqual(zips.length);
    expect(entries.filter(({ entry }) => entry.endsWith('.map'))).toEqual([]);
    expect(linked).toEqual([]);
    for (const { Properties } of functionsOf(stage))
      expect(Properties.Environment.Variables.NODE_OPTIONS).toBe('');
  }
});

test('browser scripts may send If-None-Match and Idempotency-Key, and read what the API adds', () => {
  for (const stage of deployedStages) {
    const apis = resourcesOfType(template(stage).template, 'AWS::ApiGatewayV2::Api');

    expect(apis).toHaveLength(1);
    const cors = apis[0]![1].Properties.CorsConfiguration;
    expect(cors.ExposeHeaders).toEqual([
      'Retry-After',
      'Allow',
      'X-Request-Id',
      'ETag',
      'Idempotent-Replayed',
    ]);
    expect(cors.AllowHeaders).toEqual(['Authorization', 'Content-Type', 'If-None-Match', 'Idempotency-Key']);
  }
});

test('`serverless print --stage prod` resolves the whole configuration without credentials', async () => {
  const printed = await serverless(
    ['print', '--stage', 'prod'],
    path.join('.local', `esbuild-print-${process.pid}`),
  );

  expect(printed).toContain('SSM_PREFIX: /conduit/prod');
  for (const value of Object.values(canaries)) expect(printed).not.toContain(value);
}, 120_000);
