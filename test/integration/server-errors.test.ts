import type { Context } from 'aws-lambda';
import { warmUpEvent } from '#lib/deploy/warm-up';
import { handler as listTags } from '../../functions/tags/list';
import { api } from '../support/api';
import { startNewContainer } from '../support/container';

// What the deployment alarms see while the database is down: this file's pool points at a dead port (Jest
// gives each file its own module registry), and Powertools Metrics is on, writing to a captured stdout.
const realPort = process.env.DB_PORT;
let stdout: string[];
let silenced: jest.SpyInstance[];

beforeAll(async () => {
  process.env.DB_PORT = '1';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  await startNewContainer();
});

beforeEach(() => {
  stdout = [];
  silenced = [
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true)),
    jest.spyOn(console, 'error').mockImplementation(() => {}),
  ];
});

afterEach(() => silenced.forEach((spy) => spy.mockRestore()));

afterAll(async () => {
  process.env.DB_PORT = realPort;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  await startNewContainer();
});

const metricLines = () =>
  stdout
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line));

test('a 5xx reply writes one Http5xx count, in embedded metric format, for the version that answered', async () => {
  // Act
  const response = await api.get('/api/tags');

  // Assert
  expect(response.status).toBe(503);
  expect(metricLines()).toEqual([
    {
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: 'Conduit',
            Dimensions: [['service', 'FunctionName', 'ExecutedVersion']],
            Metrics: [{ Name: 'Http5xx', Unit: 'Count' }],
          },
        ],
      },
      service: 'conduit-api',
      FunctionName: 'conduit-api-test-list',
      ExecutedVersion: '$LATEST',
      Http5xx: 1,
    },
  ]);
});

test('a 4xx reply counts nothing', async () => {
  const response = await api.get('/api/user');

  expect(response.status).toBe(401);
  expect(metricLines()).toEqual([]);
});

test('a warm-up fails while the database is unreachable, so the hook fails the deployment', async () => {
  const context = { functionName: 'conduit-api-test-listTags', functionVersion: '8' } as Context;

  await expect(listTags(warmUpEvent(0), context)).rejects.toThrow(/ECONNREFUSED|connect/);
});
