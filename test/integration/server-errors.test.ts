import type { Context } from 'aws-lambda';
import { warmUpEvent } from '#lib/deploy/warm-up';
import { handler as listTags } from '../../functions/tags/list';
import { api } from '../support/api';
import { startNewContainer } from '../support/container';
import { clearCapturedLines, metricLines } from '../support/log-capture';

// What the deployment alarms and the dashboard see while the database is down: this file's pool points at a
// dead port (Jest gives each file its own module registry), and Powertools Metrics is on; its lines are kept by
// test/support/log-capture.ts.
const realPort = process.env.DB_PORT;

beforeAll(async () => {
  process.env.DB_PORT = '1';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  await startNewContainer();
});

beforeEach(() => clearCapturedLines());

afterAll(async () => {
  process.env.DB_PORT = realPort;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  await startNewContainer();
});

test('a 5xx reply counts as a request and a 5xx by route, and as a 5xx of the version that answered', async () => {
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
            Dimensions: [['service', 'Stage', 'Route']],
            Metrics: [
              { Name: 'Requests', Unit: 'Count' },
              { Name: 'Http4xx', Unit: 'Count' },
              { Name: 'Http5xx', Unit: 'Count' },
              { Name: 'Latency', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      service: 'conduit-api',
      Stage: 'local',
      Route: 'GET /api/tags',
      Requests: 1,
      Http4xx: 0,
      Http5xx: 1,
      Latency: expect.any(Number),
    },
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

test('a 4xx reply counts as a 4xx, not a 5xx, and names no version', async () => {
  const response = await api.get('/api/user');

  expect(response.status).toBe(401);
  expect(metricLines()).toEqual([
    expect.objectContaining({ Route: 'GET /api/user', Requests: 1, Http4xx: 1, Http5xx: 0 }),
  ]);
});

test('a warm-up fails while the database is unreachable, so the hook fails the deployment', async () => {
  const context = { functionName: 'conduit-api-test-listTags', functionVersion: '8' } as Context;

  await expect(listTags(warmUpEvent(0), context)).rejects.toThrow(/ECONNREFUSED|connect/);
});
