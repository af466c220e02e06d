import type { Context } from 'aws-lambda';
import { warmUpEvent } from '#lib/deploy/warm-up';
import { handler as listTags } from '../../functions/tags/list';
import { handler as notFound } from '../../functions/routes/not-found';
import { api } from '../support/api';
import { databaseThroughProxy, type DatabaseProxy } from '../support/database-proxy';

const context = { functionName: 'conduit-api-test-listTags', functionVersion: '7' } as Context;

let proxy: DatabaseProxy;

beforeAll(async () => {
  proxy = await databaseThroughProxy();
});

afterAll(() => proxy.restore());

test('a warm-up loads the secrets, opens the database connection and answers ready, holding its environment', async () => {
  // Arrange: no connection open yet
  expect(proxy.openConnections()).toBe(0);
  const started = Date.now();

  // Act
  const reply = await listTags(warmUpEvent(300), context);

  // Assert
  expect(reply).toEqual({ status: 'ready', function: 'conduit-api-test-listTags', version: '7' });
  expect(proxy.openConnections()).toBeGreaterThan(0);
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
});

test('a route that needs no database answers a warm-up too', async () => {
  const reply = await notFound(warmUpEvent(0), { ...context, functionName: 'conduit-api-test-notFound' });

  expect(reply).toMatchObject({ status: 'ready', function: 'conduit-api-test-notFound' });
});

test('a request cannot pass for a warm-up, whatever its body, query or headers say', async () => {
  // Arrange: everything a client controls, set to the warm-up's fields
  const forged = { source: 'conduit.pre-traffic-hook', holdMs: 1 };

  // Act
  const response = await api.post('/api/users/login', forged, {
    headers: { source: 'conduit.pre-traffic-hook' },
  });
  const tags = await api.get('/api/tags?source=conduit.pre-traffic-hook&holdMs=1');

  // Assert: handled as the requests they are
  expect(response.status).toBe(422);
  expect(response.body).toEqual({ errors: { user: ["can't be blank"] } });
  expect(tags.status).toBe(200);
  expect(tags.body).toEqual({ tags: expect.any(Array) });
});
