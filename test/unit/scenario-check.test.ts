import type { Context, ScheduledEvent } from 'aws-lambda';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { handler } from '../../functions/ops/scenario-check';
import { startFakeConduit, type FakeConduit, type Tamper } from '../support/fake-conduit';
import { clearCapturedLines, logLines, metricLines } from '../support/log-capture';

// The scenario check as it runs: scheduled (functions/ops/scenario-check.ts: its log line and the metrics the
// alarm and the dashboard read) and on demand (scripts/scenario.ts: its report and exit code), against an
// in-memory stand-in for the API.
const event = { source: 'aws.events', 'detail-type': 'Scheduled Event' } as ScheduledEvent;
const context = {
  functionName: 'conduit-api-test-scenarioCheck',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:conduit-api-test-scenarioCheck',
  memoryLimitInMB: '256',
  awsRequestId: 'request-1',
} as Context;

const failComments: Tamper = (request, reply) =>
  request.method === 'POST' && request.path.endsWith('/comments') ? { status: 500, body: {} } : reply;

let fake: FakeConduit | undefined;
const environment = { ...process.env };

beforeEach(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.STAGE = 'test';
  clearCapturedLines();
});

afterEach(async () => {
  process.env = { ...environment };
  await fake?.close();
  fake = undefined;
});

async function runHandler(tamper?: Tamper) {
  fake = await startFakeConduit(tamper);
  process.env.SCENARIO_URL = fake.url;
  return handler(event, context);
}

/** What the dashboard and the alarm read: exactly these names, units and dimensions. */
const scenarioLine = (succeeded: number) => ({
  _aws: {
    Timestamp: expect.any(Number),
    CloudWatchMetrics: [
      {
        Namespace: 'Conduit',
        Dimensions: [['service', 'Stage']],
        Metrics: [
          { Name: 'ScenarioSucceeded', Unit: 'Count' },
          { Name: 'ScenarioDuration', Unit: 'Milliseconds' },
        ],
      },
    ],
  },
  service: 'conduit-api',
  Stage: 'test',
  ScenarioSucceeded: succeeded,
  ScenarioDuration: expect.any(Number),
});

const stepLine = (step: string, succeeded: number) => ({
  _aws: {
    Timestamp: expect.any(Number),
    CloudWatchMetrics: [
      {
        Namespace: 'Conduit',
        Dimensions: [['service', 'Stage', 'Step']],
        Metrics: [
          { Name: 'StepSucceeded', Unit: 'Count' },
          { Name: 'StepLatency', Unit: 'Milliseconds' },
        ],
      },
    ],
  },
  service: 'conduit-api',
  Stage: 'test',
  Step: step,
  StepSucceeded: succeeded,
  StepLatency: expect.any(Number),
});

describe('the scheduled handler', () => {
  it('publishes a passed scenario and each step, and logs one INFO line', async () => {
    // Act
    const result = await runHandler();

    // Assert
    expect(result.ok).toBe(true);
    expect(metricLines()).toEqual([scenarioLine(1), ...result.steps.map(({ name }) => stepLine(name, 1))]);
    expect(result.steps).toHaveLength(14);
    expect(logLines()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'scenario passed',
        function_request_id: 'request-1',
        url: fake!.url,
        steps: result.steps,
      }),
    ]);
  });

  it('publishes a failed scenario and resolves with it, never showing a password or a token', async () => {
    // Act
    const result = await runHandler(failComments);

    // Assert
    expect(result).toMatchObject({ ok: false, skipped: expect.arrayContaining(['favorite']) });
    expect(metricLines()).toEqual([
      scenarioLine(0),
      stepLine('register', 1),
      stepLine('createArticle', 1),
      stepLine('addComment', 0),
      stepLine('deleteArticle', 1),
      stepLine('deleteAccount', 1),
    ]);
    const [line, ...others] = logLines();
    expect(others).toEqual([]);
    expect(line).toMatchObject({
      level: 'ERROR',
      message: 'scenario failed',
      skipped: result.skipped,
      steps: expect.arrayContaining([
        {
          name: 'addComment',
          ok: false,
          latencyMs: expect.any(Number),
          error: expect.stringMatching(/got 500/),
        },
      ]),
    });
    const written = JSON.stringify([...logLines(), ...metricLines()]);
    for (const secret of fake!.secrets) expect(written).not.toContain(secret);
  });

  it.each([
    ['without a', undefined, 'SCENARIO_URL must be the API\'s base URL, not ""'],
    // What serverless offline makes of the stage's URL, which only CloudFormation can resolve.
    [
      'with an unresolved',
      'https://[object Object].execute-api.[object Object]/api',
      /not "https:\/\/\[object/,
    ],
  ])('crashes, publishing nothing, %s URL to check', async (_, url, message) => {
    // Arrange
    if (url === undefined) delete process.env.SCENARIO_URL;
    else process.env.SCENARIO_URL = url;

    // Act
    const run = handler(event, context);

    // Assert
    await expect(run).rejects.toThrow(message);
    expect(metricLines()).toEqual([]);
  });
});

describe('npm run scenario', () => {
  const root = path.resolve(__dirname, '../..');
  const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');

  /** `tsx scripts/scenario.ts <args>`, as `npm run scenario -- <args>` runs it. */
  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const run = promisify(execFile);
      const { stdout, stderr } = await run(process.execPath, [tsx, 'scripts/scenario.ts', ...args], {
        cwd: root,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
      return { code, stdout, stderr };
    }
  }

  it('exits 1 with a report naming the failed step, the skipped ones and the cleanup', async () => {
    // Arrange
    fake = await startFakeConduit(failComments);

    // Act
    const result = await cli('--url', fake.url);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')).toEqual([
      `scenario check against ${fake.url}`,
      expect.stringMatching(/^ {2}ok {6}register {6}\s+\d+ ms$/),
      expect.stringMatching(/^ {2}ok {6}createArticle \s+\d+ ms$/),
      expect.stringMatching(
        /^ {2}FAILED {2}addComment {4}\s+\d+ ms {2}POST \/articles\/.+\/comments: expected 201, got 500: \{\}$/,
      ),
      '  skipped favorite',
      '  skipped registerFollower',
      '  skipped follow',
      '  skipped readFeed',
      '  skipped readArticle',
      '  skipped readComments',
      expect.stringMatching(/^ {2}ok {6}deleteArticle \s+\d+ ms$/),
      expect.stringMatching(/^ {2}ok {6}deleteAccount \s+\d+ ms$/),
      expect.stringMatching(/^FAILED in \d+ ms$/),
      '',
    ]);
    expect(fake.stored()).toEqual({ users: 0, articles: 0 });
  });

  it.each([
    ['an unknown option', ['--urll', 'http://localhost:3000/api'], /Unknown option '--urll'/],
    ['a URL that is not http(s)', ['--url', 'localhost:3000/api'], /--url must be an http\(s\) URL/],
  ])('exits 2 with its usage on %s', async (_, args, message) => {
    // Act
    const result = await cli(...args);

    // Assert
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/^usage: npm run scenario -- \[--url <API base URL, ending in \/api>\]/m);
  });
});
