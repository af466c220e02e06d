import { StillRunning } from '#lib/errors';
import {
  defaultIdempotencyOptions,
  idempotencyService,
  type Claim,
  type IdempotencyStore,
  type KeyedRequest,
} from '#lib/idempotency/service';

/** A store in memory: one claim per (owner, route, key), as the table's unique key allows. */
function memoryStore() {
  const claims = new Map<string, Claim>();
  let nextId = 1;
  const keyOf = ({ ownerId, route, key }: Omit<KeyedRequest, 'requestHashes'>) =>
    `${ownerId} ${route} ${key}`;
  const store: IdempotencyStore = {
    claim: async (request, requestHash, expiresAt) => {
      if (claims.has(keyOf(request))) return undefined;
      const id = nextId++;
      claims.set(keyOf(request), { id, requestHash, createdAt: new Date(), expiresAt });
      return id;
    },
    find: async (request) => claims.get(keyOf(request)),
    complete: async (id, reply) => {
      for (const claim of claims.values()) if (claim.id === id) claim.reply = reply;
    },
    release: async (id) => {
      for (const [key, claim] of claims) if (claim.id === id) claims.delete(key);
    },
    purgeExpired: async () => {},
  };
  return { store, claims };
}

const request: KeyedRequest = { ownerId: 7, route: 'POST /api/articles', key: 'k-1', requestHashes: ['h1'] };
const options = { ...defaultIdempotencyOptions, waitMs: 100, pollMs: 10, sweepEvery: Infinity };

test('the first request runs; a retry after its reply gets that reply', async () => {
  const { store } = memoryStore();
  const service = idempotencyService(store, options);

  const first = await service.begin(request);
  if (!first.run) throw new Error('the first request must run');
  await service.complete(first.claimId, { statusCode: 201, body: '{"article":{}}' });

  expect(await service.begin(request)).toEqual({
    run: false,
    reply: { statusCode: 201, body: '{"article":{}}' },
  });
});

test('a retry waits for a first request still running, then gets its reply', async () => {
  const { store } = memoryStore();
  const service = idempotencyService(store, options);
  const first = (await service.begin(request)) as { claimId: number };

  const retry = service.begin(request);
  setTimeout(() => void service.complete(first.claimId, { statusCode: 201, body: '{}' }), 30);

  await expect(retry).resolves.toEqual({ run: false, reply: { statusCode: 201, body: '{}' } });
});

test('a retry that waited longer than waitMs gets a 409 with Retry-After', async () => {
  const { store } = memoryStore();
  const service = idempotencyService(store, options);
  await service.begin(request);

  await expect(service.begin(request)).rejects.toBeInstanceOf(StillRunning);
});

test('a claim left without a reply past abandonedAfterMs is given up: the retry runs', async () => {
  const { store, claims } = memoryStore();
  const service = idempotencyService(store, options);
  await service.begin(request);
  claims.get('7 POST /api/articles k-1')!.createdAt = new Date(Date.now() - options.abandonedAfterMs - 1);

  const retry = await service.begin(request);

  expect(retry.run).toBe(true);
});

test('a released claim (the first request failed) lets the retry run', async () => {
  const { store } = memoryStore();
  const service = idempotencyService(store, options);
  const first = (await service.begin(request)) as { claimId: number };
  await service.release(first.claimId);

  expect((await service.begin(request)).run).toBe(true);
});

test('the same key with other content is refused, even while the first runs', async () => {
  const { store } = memoryStore();
  const service = idempotencyService(store, options);
  await service.begin(request);

  await expect(service.begin({ ...request, requestHashes: ['h2'] })).rejects.toMatchObject({
    errors: { idempotencyKey: ['was used with a different request'] },
  });
});

test('after a rotation, a digest under any current secret matches; the first is the one stored', async () => {
  const { store, claims } = memoryStore();
  const service = idempotencyService(store, options);
  const first = (await service.begin({ ...request, requestHashes: ['old'] })) as { claimId: number };
  await service.complete(first.claimId, { statusCode: 201, body: '{}' });

  const retry = await service.begin({ ...request, requestHashes: ['new', 'old'] });

  expect(retry).toEqual({ run: false, reply: { statusCode: 201, body: '{}' } });
  expect(claims.get('7 POST /api/articles k-1')!.requestHash).toBe('old');
});

test('a reply no current secret can open is run again, as an abandoned claim is', async () => {
  const { store, claims } = memoryStore();
  const service = idempotencyService(store, options);
  await service.begin(request);
  claims.get('7 POST /api/articles k-1')!.unreadable = true;

  expect((await service.begin(request)).run).toBe(true);
});
