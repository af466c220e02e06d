import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';

// `serverless package` for the deployed stages, as CI or an operator runs it, on a machine with no AWS
// credentials at all, with secrets in the deployer's environment: none of them may reach the template.
const root = path.resolve(__dirname, '../..');
const run = promisify(execFile);
const canaries = {
  DB_APP_PASSWORD: 'canary-app-password-7f3a',
  DB_MIGRATOR_PASSWORD: 'canary-migrator-password-91c2',
  JWT_SIGNING_KEYS: 'k1=canary-signing-key-0123456789abcdef0123',
  DATABASE_URL: 'mysql://admin:canary-admin-password-5d4e@127.0.0.1:3306/conduit',
};
const declaredFunctions = Object.keys(
  (load(readFileSync(path.join(root, 'serverless.yml'), 'utf8')) as { functions: object }).functions,
).length;
const allowedEnvironment = [
  'SSM_PREFIX',
  'SECRETS_TTL_SECONDS',
  'DB_HOST',
  'DB_PORT',
  'DB_NAME',
  'DB_USER',
  'DB_READ_HOST',
  'DB_TLS',
  'CORS_ORIGINS',
  'ACCESS_TOKEN_TTL',
  'JWT_ISSUER',
  'LOG_LEVEL',
];
/** Social sign-in alone also learns the providers' client ids (public, per stage). */
const socialEnvironment = ['GOOGLE_CLIENT_IDS', 'APPLE_CLIENT_IDS', 'KAKAO_CLIENT_IDS'];

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
}

const folders: string[] = [];

/** Runs the project's serverless CLI with no credentials, no AWS config, and the canaries set. */
async function serverless(args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = {
    PATH: [path.dirname(process.execPath), path.join(root, 'node_modules', '.bin'), process.env.PATH].join(
      path.delimiter,
    ),
    HOME: mkdtempSync(path.join(tmpdir(), 'conduit-home-')),
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_EC2_METADATA_DISABLED: 'true',
    ESBUILD_WORK_FOLDER: path.join('.local', `esbuild-package-${process.pid}`),
    ...canaries,
  };
  folders.push(env.HOME!, path.join(root, env.ESBUILD_WORK_FOLDER!));
  const { stdout } = await run(path.join(root, 'node_modules', '.bin', 'serverless'), args, {
    cwd: root,
    env,
    timeout: 120_000,
  });
  return stdout;
}

async function packaged(stage: string): Promise<{ raw: string; template: Template }> {
  const out = mkdtempSync(path.join(tmpdir(), `conduit-package-${stage}-`));
  folders.push(out);
  await serverless(['package', '--stage', stage, '--package', out]);
  const raw = readFileSync(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8');
  return { raw, template: JSON.parse(raw) };
}

const functionsOf = (template: Template) =>
  Object.values(template.Resources).filter(({ Type }) => Type === 'AWS::Lambda::Function');

let dev: { raw: string; template: Template };
let prod: { raw: string; template: Template };

beforeAll(async () => {
  dev = await packaged('dev');
  prod = await packaged('prod');
}, 240_000);

afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

test.each(Object.entries(canaries))('the templates hold no trace of %s', (_name, value) => {
  for (const { raw } of [dev, prod]) {
    expect(raw).not.toContain(value);
    expect(raw).not.toContain(value.slice(0, 12));
  }
});

test("each function's environment carries only non-secret configuration", () => {
  for (const { template } of [dev, prod]) {
    const functions = functionsOf(template);
    expect(functions.length).toBe(declaredFunctions);
    for (const { Properties } of functions) {
      const social = Properties.Handler === 'functions/users/social.handler';
      expect(Object.keys(Properties.Environment.Variables).sort()).toEqual(
        [...allowedEnvironment, ...(social ? socialEnvironment : [])].sort(),
      );
    }
  }
});

test('each stage reads its own SSM parameters, over TLS to RDS, and may read nothing else', () => {
  for (const [stage, { template }] of [
    ['dev', dev],
    ['prod', prod],
  ] as const) {
    const [variables] = functionsOf(template).map(({ Properties }) => Properties.Environment.Variables);
    expect(variables).toMatchObject({
      SSM_PREFIX: `/conduit/${stage}`,
      DB_TLS: 'rds',
      JWT_ISSUER: `conduit-${stage}`,
    });
    const policies = Object.values(template.Resources)
      .filter(({ Type }) => Type === 'AWS::IAM::Role')
      .flatMap(({ Properties }) =>
        Properties.Policies.flatMap((policy: any) => policy.PolicyDocument.Statement),
      );
    const ssm = policies.filter((statement: any) => JSON.stringify(statement.Action).includes('ssm:'));
    expect(ssm).toEqual([
      {
        Effect: 'Allow',
        Action: ['ssm:GetParameters'],
        Resource: {
          'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/conduit/${stage}/*`,
        },
      },
    ]);
  }
});

test('prod takes the short access-token lifetime and the web app as its only CORS origin', () => {
  const [variables] = functionsOf(prod.template).map(({ Properties }) => Properties.Environment.Variables);
  expect(variables).toMatchObject({ ACCESS_TOKEN_TTL: '15m', CORS_ORIGINS: 'https://conduit.example.com' });
});

test('`serverless print --stage prod` resolves the whole configuration without credentials', async () => {
  const printed = await serverless(['print', '--stage', 'prod']);

  expect(printed).toContain('SSM_PREFIX: /conduit/prod');
  for (const value of Object.values(canaries)) expect(printed).not.toContain(value);
}, 120_000);
