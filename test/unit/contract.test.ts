import { contractViolations, type CheckedReply } from '../support/contract';

// The contract check (test/support/contract.ts) that every integration and e2e reply goes through: it must
// pass what openapi.yml describes and catch each kind of drift.

const tags = (): CheckedReply => ({
  status: 200,
  headers: {
    'Content-Type': 'application/json; charset=utf-8',
    'X-Request-Id': 'b2f0c7de-0000-4000-8000-000000000000',
    'Cache-Control': 'no-cache',
    ETag: '"abc_-123"',
    Vary: 'Authorization',
  },
  body: { tags: ['dragons'] },
  raw: '{"tags":["dragons"]}',
});

test('passes a reply as the document describes it', () => {
  expect(contractViolations('GET', '/api/tags', tags())).toEqual([]);
});

test('catches a missing required header', () => {
  const reply = tags();
  delete reply.headers.ETag;

  expect(contractViolations('GET', '/api/tags', reply)).toEqual([
    'GET /api/tags 200: header ETag is missing',
  ]);
});

test("catches a header outside its schema (Cache-Control's values are listed)", () => {
  const reply = { ...tags(), headers: { ...tags().headers, 'Cache-Control': 'public, max-age=60' } };

  expect(contractViolations('GET', '/api/tags', reply)).toEqual([
    expect.stringContaining('header Cache-Control "public, max-age=60"'),
  ]);
});

test('catches a body of the wrong shape', () => {
  const reply = { ...tags(), body: { tags: [1, 2] } };

  expect(contractViolations('GET', '/api/tags', reply)).toEqual([
    expect.stringContaining('GET /api/tags 200: body body/tags/0 must be string'),
  ]);
});

test('catches a status the operation does not document', () => {
  expect(contractViolations('GET', '/api/tags', { ...tags(), status: 418 })).toEqual([
    'GET /api/tags: status 418 is not documented',
  ]);
});

test('catches another content type than the documented one', () => {
  const reply = { ...tags(), headers: { ...tags().headers, 'Content-Type': 'text/plain' } };

  expect(contractViolations('GET', '/api/tags', reply)).toEqual([
    'GET /api/tags 200: content type "text/plain", not one of application/json',
  ]);
});

test('catches a body where none is documented (a 304)', () => {
  const reply = { ...tags(), status: 304 };

  expect(contractViolations('GET', '/api/tags', reply)).toEqual([
    'GET /api/tags 304: a body, where the document declares none',
  ]);
});

test('picks the literal route over the template (`/articles/feed` is no slug)', () => {
  const reply = { ...tags(), status: 401, body: { errors: { token: ['is missing'] } } };
  reply.headers = { ...reply.headers, 'Cache-Control': 'no-store' };

  expect(contractViolations('GET', '/api/articles/feed', reply)).toEqual([]);
});

test("holds a request that reaches no operation to the catch-all route's 404 or 405", () => {
  const notFound = {
    status: 404,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': 'r',
      'cache-control': 'no-store',
    },
    body: { errors: { route: ['not found'] } },
    raw: '{"errors":{"route":["not found"]}}',
  };

  expect(contractViolations('GET', '/api/nowhere', notFound)).toEqual([]);
  expect(contractViolations('GET', '/api/nowhere', { ...notFound, status: 500 })).toEqual([
    "GET /api/nowhere: no operation, and 500 is not the catch-all's reply",
  ]);
});

test('catches a header sent twice under names that differ in case', () => {
  const reply = { ...tags(), headers: { ...tags().headers, 'cache-control': 'no-cache' } };

  expect(contractViolations('GET', '/api/tags', reply)).toEqual([
    'GET /api/tags 200: header cache-control is sent twice',
  ]);
});

test.each(['1e3', '0x10', 'Infinity', ' 7 '])(
  'takes only plain digits for a number: Retry-After "%s"',
  (value) => {
    const reply = {
      status: 503,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'x-request-id': 'r',
        'cache-control': 'no-store',
        'retry-after': value,
      },
      body: { errors: { service: ['is temporarily unavailable, retry later'] } },
      raw: '{"errors":{"service":["is temporarily unavailable, retry later"]}}',
    };

    expect(contractViolations('GET', '/api/tags', reply)).toEqual([
      expect.stringContaining(`header Retry-After "${value}"`),
    ]);
  },
);

test('catches a missing body where the document declares one', () => {
  expect(contractViolations('GET', '/api/tags', { ...tags(), body: undefined, raw: '' })).toEqual([
    'GET /api/tags 200: no body, where the document declares application/json',
  ]);
});

test('catches a reply to a request with a token that a shared cache could keep', () => {
  expect(contractViolations('GET', '/api/tags', tags(), { withToken: true })).toEqual([
    'GET /api/tags 200: asked with a token, yet Cache-Control "no-cache" lets a shared cache keep it',
  ]);
});
