import { api, type ApiResponse } from '../support/api';
import { startNewContainer } from '../support/container';
import { clearCapturedLines, logLines } from '../support/log-capture';

// Jest gives each test file its own module registry, so pointing this file's pool at a dead port leaves
// every other file's database alone.
const realPort = process.env.DB_PORT;
const realName = process.env.DB_NAME;

beforeAll(async () => {
  // Port 1 on this machine: nothing listens, so every connection is refused at once.
  process.env.DB_PORT = '1';
  process.env.DB_NAME = 'conduit_unreachable';
  await startNewContainer();
});

afterAll(async () => {
  process.env.DB_PORT = realPort;
  process.env.DB_NAME = realName;
  await startNewContainer();
});

const header = (response: ApiResponse, name: string): string | undefined =>
  Object.entries(response.headers).find(([key]) => key.toLowerCase() === name)?.[1];

function expectUnavailable(response: ApiResponse): void {
  expect(response.status).toBe(503);
  expect(Number(header(response, 'retry-after'))).toBeGreaterThan(0);
  expect(Object.keys(response.body)).toEqual(['errors']);
  expect(Object.keys(response.body.errors)).toHaveLength(1);
  expect(Object.values(response.body.errors)[0]).toEqual([expect.any(String)]);
  expect(header(response, 'content-type')).toBe('application/json; charset=utf-8');
  expect(header(response, 'access-control-allow-origin')).toBeTruthy();
  expect(response.raw).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|conduit_unreachable|stack|mysql/i);
}

test('a read while the database is down is 503 with Retry-After', async () => {
  const response = await api.get('/api/profiles/anyone');

  expectUnavailable(response);
});

test('a login while the database is down is 503, not 401', async () => {
  const response = await api.post('/api/users/login', {
    user: { email: 'someone@example.com', password: 'password123' },
  });

  expectUnavailable(response);
});

test('a write while the database is down is 503', async () => {
  const response = await api.post('/api/users', {
    user: { username: 'downtime', email: 'downtime@example.com', password: 'password123' },
  });

  expectUnavailable(response);
});

test('the health check is 503 with Retry-After, so a load balancer takes the stage out', async () => {
  const response = await api.get('/api/health');

  expectUnavailable(response);
});

test('the outage is logged for operators', async () => {
  clearCapturedLines();

  await api.get('/api/profiles/anyone');

  const logged = JSON.stringify(logLines().filter(({ level }) => level === 'ERROR'));
  expect(logged).toContain('ECONNREFUSED');
});

test('requests that need no database still work during the outage', async () => {
  const response = await api.get('/api/nope');

  expect(response.status).toBe(404);
  expect(response.body).toEqual({ errors: { route: ['not found'] } });
});
