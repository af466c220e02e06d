import { api } from '../support/api';
import { databaseThroughProxy, type DatabaseProxy } from '../support/database-proxy';

let wire: DatabaseProxy;
const saved = { SERVICE_VERSION: process.env.SERVICE_VERSION, STAGE: process.env.STAGE };

beforeAll(async () => {
  wire = await databaseThroughProxy();
  // What serverless.yml sets on AWS (package.json's version, the stage).
  Object.assign(process.env, { SERVICE_VERSION: '9.8.7-test', STAGE: 'test' });
});

afterAll(async () => {
  await wire.restore();
  for (const [name, value] of Object.entries(saved))
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
});

test('answers 200 with the version and stage while the database answers, with no token', async () => {
  const response = await api.get('/api/health');

  expect(response.status).toBe(200);
  expect(response.body).toEqual({ status: 'ok', version: '9.8.7-test', stage: 'test' });
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
});

test('costs the database one `select 1` per call, nothing else', async () => {
  await api.get('/api/health');
  const before = wire.statements.length;

  const response = await api.get('/api/health');

  expect(response.status).toBe(200);
  expect(wire.statements.slice(before)).toEqual([expect.stringMatching(/^select 1$/i)]);
});

test('answers 200 when the idle connection it finds is dead (a thawed container), as reads do', async () => {
  expect((await api.get('/api/health')).status).toBe(200);
  // The server or a NAT closed the connection while the container was frozen.
  wire.sever();

  const response = await api.get('/api/health');

  expect(response.status).toBe(200);
});

test('ignores a token, even an invalid one', async () => {
  const response = await api.get('/api/health', { headers: { authorization: 'Token not.a.jwt' } });

  expect(response.status).toBe(200);
});
