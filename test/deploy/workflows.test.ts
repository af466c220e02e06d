import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';

// The workflows, checked offline: actionlint (the Go linter, compiled to WebAssembly) for what GitHub would
// reject or misread, then the deploy pipeline's own rules, which no linter knows.
const root = path.resolve(__dirname, '../..');
const folder = path.join(root, '.github', 'workflows');
const files = readdirSync(folder).filter((name) => /\.ya?ml$/.test(name));
const text = (name: string) => readFileSync(path.join(folder, name), 'utf8');

// Its bin, not its module: the module's index loads chalk, which is ESM only, and Jest's CommonJS
// runtime cannot require it; the bin runs in plain Node, exactly as a developer would run it.
const bin = path.join(root, 'node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js');
const run = promisify(execFile);

/** Lints one file; exit code 1 and the findings on stdout when it has any. */
async function actionlint(file: string): Promise<{ code: number; output: string }> {
  const options = { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } };
  try {
    const { stdout } = await run(process.execPath, [bin, file], options);
    return { code: 0, output: stdout };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: number; stdout?: string; stderr?: string };
    return { code: code ?? -1, output: `${stdout}${stderr}` };
  }
}

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  name?: string;
  if?: string;
  needs?: string | string[];
  'runs-on'?: string;
  'timeout-minutes'?: number;
  environment?: string | { name: string; url?: string };
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  env?: Record<string, string>;
  steps?: Step[];
  // A job that calls a reusable workflow: no runner, no steps of its own.
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: Record<string, string> | 'inherit';
}
interface Input {
  description?: string;
  required?: boolean;
  type: string;
}
interface Workflow {
  name: string;
  on: Record<string, any>;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const parse = (name: string) => load(text(name)) as Workflow;
const deploy = parse('deploy.yml');
const stage = parse('deploy-stage.yml');
const stages = ['dev', 'prod'] as const;
const called = './.github/workflows/deploy-stage.yml';
// The OIDC token, to assume the stage's role, and a read-only checkout: nothing else, in the caller or called.
const grant = { 'id-token': 'write', contents: 'read' };

describe('actionlint', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'conduit-actionlint-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('finds the workflows', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'deploy.yml', 'deploy-stage.yml']));
  });

  it.each(files)('reports nothing for %s', async (name) => {
    const result = await actionlint(path.join('.github', 'workflows', name));

    expect(result.output).toContain('Checking 1 workflow file(s)');
    expect(result).toEqual({ code: 0, output: expect.stringContaining('passed lint checks') });
  });

  it('reports a broken workflow', async () => {
    // Arrange: a job that needs one that does not exist, and an unknown context
    const broken = path.join(scratch, 'broken.yml');
    writeFileSync(
      broken,
      [
        'on: push',
        'jobs:',
        '  build:',
        '    runs-on: ubuntu-24.04',
        '    needs: missing',
        '    steps:',
        '      - run: echo "${{ secret.TOKEN }}"',
        '',
      ].join('\n'),
    );

    // Act
    const result = await actionlint(broken);

    // Assert
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/job "missing" which does not exist/);
    expect(result.output).toMatch(/undefined variable "secret"/);
  });
});

describe('deploy workflow (the caller)', () => {
  it('runs after ci passed on a push to main, or by hand', () => {
    expect(deploy.on.workflow_run).toEqual({ workflows: ['ci'], types: ['completed'], branches: ['main'] });
    // workflow_run matches on the other workflow's name: renaming ci would silently stop deploys.
    expect(parse('ci.yml').name).toBe('ci');
    expect(deploy.on).toHaveProperty('workflow_dispatch');
    const condition = deploy.jobs.dev!.if!.replace(/\s+/g, ' ');
    expect(condition).toContain("github.event.workflow_run.conclusion == 'success'");
    expect(condition).toContain("github.event.workflow_run.event == 'push'");
    expect(condition).toContain(
      "github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/main'",
    );
  });

  it.each(stages)('deploys %s by calling deploy-stage.yml with its name and the commit ci tested', (name) => {
    const job = deploy.jobs[name]!;
    expect(job.uses).toBe(called);
    expect(job.with).toEqual({ stage: name, ref: '${{ github.event.workflow_run.head_sha || github.sha }}' });
    // A job that calls a workflow has no steps of its own: the deploy lives only in deploy-stage.yml.
    expect(job).not.toHaveProperty('steps');
  });

  it('has exactly the dev and prod jobs, prod only after dev and with no condition that could outlive it', () => {
    expect(Object.keys(deploy.jobs).sort()).toEqual(['dev', 'prod']);
    const prod = deploy.jobs.prod!;
    expect([prod.needs].flat()).toEqual(['dev']);
    // An `if` of its own (always(), failure() ...) would let prod run after a failed or skipped dev.
    expect(prod).not.toHaveProperty('if');
  });

  it('passes exactly the inputs deploy-stage.yml declares, all its required ones included', () => {
    // actionlint lints one file at a time and does not open the called workflow, so nothing else checks this.
    const inputs = stage.on.workflow_call.inputs as Record<string, Input>;
    const required = Object.keys(inputs).filter((input) => inputs[input]!.required);
    for (const job of Object.values(deploy.jobs)) {
      const passed = Object.keys(job.with ?? {});
      expect(passed.filter((input) => !(input in inputs))).toEqual([]);
      expect(required.filter((input) => !passed.includes(input))).toEqual([]);
    }
  });

  it('grants nothing by default, each call only an OIDC token and read access, and no secrets', () => {
    expect(deploy.permissions).toEqual({});
    // Workflow-level env does not reach a called workflow: the commit goes through an input instead.
    expect(deploy).not.toHaveProperty('env');
    for (const job of Object.values(deploy.jobs)) {
      expect(job.permissions).toEqual(grant);
      expect(job).not.toHaveProperty('secrets');
    }
  });
});

describe('deploy-stage workflow (the called one)', () => {
  const jobs = Object.values(stage.jobs);
  const job = jobs[0]!;
  const steps = job.steps ?? [];

  it('is only ever called, with a required stage and commit', () => {
    expect(Object.keys(stage.on)).toEqual(['workflow_call']);
    expect(stage.on.workflow_call.inputs).toEqual({
      stage: expect.objectContaining({ required: true, type: 'string' }),
      ref: expect.objectContaining({ required: true, type: 'string' }),
    });
    expect(jobs).toHaveLength(1);
  });

  it('runs in the GitHub environment named by the stage, whose protection rules gate it', () => {
    // Required reviewers hold the job that references the environment: it has to be this one.
    expect(job.environment).toEqual({ name: '${{ inputs.stage }}', url: '${{ steps.stack.outputs.url }}' });
    expect(job.env?.STAGE).toBe('${{ inputs.stage }}');
  });

  it('runs one deploy per stage at a time and never cancels one midway', () => {
    expect(job.concurrency).toEqual({ group: 'deploy-${{ inputs.stage }}', 'cancel-in-progress': false });
  });

  it('asks for an OIDC token and read access only, and ends a hung deploy', () => {
    expect(stage.permissions).toEqual({});
    expect(job.permissions).toEqual(grant);
    expect(job['timeout-minutes']).toBe(45);
  });

  it('deploys exactly the commit it was given, without keeping a git token', () => {
    const checkout = steps.find((step) => step.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with).toEqual({ ref: '${{ inputs.ref }}', 'persist-credentials': false });
  });

  it('assumes the stage role by OIDC, then migrates, deploys and smoke checks in that order', () => {
    const credentials = steps.find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(credentials?.with).toMatchObject({ 'role-to-assume': '${{ vars.AWS_DEPLOY_ROLE_ARN }}' });
    expect(credentials?.with).not.toHaveProperty('aws-access-key-id');

    const commands = steps.map((step) => step.uses ?? step.run ?? '');
    const at = (pattern: RegExp) => commands.findIndex((command) => pattern.test(command));
    const order = [
      at(/^aws-actions\/configure-aws-credentials@/),
      at(/^npm run deploy:migrate -- --stage "\$STAGE" --region "\$AWS_REGION"$/),
      at(/^npm run deploy -- --stage "\$STAGE" --region "\$AWS_REGION"$/),
      at(/--stack-name "conduit-api-\$STAGE"/),
      at(/^npm run smoke -- "\$API_URL"$/),
    ];
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});

describe.each(files)('%s', (name) => {
  it('pins every action to a full commit SHA, with its version in a comment', () => {
    const uses = [...text(name).matchAll(/^\s*(?:-\s+)?uses:\s*(.+)$/gm)].map((match) => match[1]!.trim());
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) {
      // A workflow of this repository (`./...`) is read from the caller's own commit: nothing to pin.
      expect(use).toMatch(
        /^(?:[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}|\.\/\.github\/workflows\/[\w.-]+\.ya?ml)$/,
      );
    }
  });

  it('passes no event payload into a shell script as an expression (script injection)', () => {
    const workflow = parse(name);
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps ?? []);
    const scripts = steps.map((step) => step.run).filter((run): run is string => run !== undefined);
    // Every job either runs scripts or calls a workflow, whose scripts this same test checks in its own file.
    expect(
      Object.values(workflow.jobs).every((job) => job.steps !== undefined || job.uses !== undefined),
    ).toBe(true);
    for (const script of scripts) {
      // Nor a called workflow's inputs: the caller fills them, the commit from the event payload.
      expect(script).not.toMatch(/\$\{\{[^}]*(github\.(event|head_ref)|inputs\.)/);
    }
  });
});
