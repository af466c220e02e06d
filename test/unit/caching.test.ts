import { conditionalReply, entityTagOf, matchesNoneOf } from '#lib/http/caching';

describe('entityTagOf', () => {
  it('is a quoted digest that follows the exact bytes of the body', () => {
    expect(entityTagOf('{"a":1}')).toMatch(/^"[\w-]{27}"$/);
    expect(entityTagOf('{"a":1}')).toBe(entityTagOf('{"a":1}'));
    expect(entityTagOf('{"a":1}')).not.toBe(entityTagOf('{"a": 1}'));
  });
});

describe('matchesNoneOf (If-None-Match, weak comparison)', () => {
  const tag = '"abc"';

  it.each([
    ['the tag itself', '"abc"'],
    ['a list holding it, spaced as clients send it', '"x" ,  "abc","y"'],
    ['its weak form', 'W/"abc"'],
    ['*', ' * '],
  ])('matches %s', (_case, header) => {
    expect(matchesNoneOf(header, tag)).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another tag', '"abd"'],
    ['the tag unquoted', 'abc'],
    ['a tag that only contains it', '"abcd", "xabc"'],
  ])('does not match %s', (_case, header) => {
    expect(matchesNoneOf(header, tag)).toBe(false);
  });
});

describe('conditionalReply', () => {
  const reply = {
    statusCode: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-extra': 'kept' },
    body: '{"tags":["a"]}',
  };

  it('adds the tag and revalidation-only caching to a 200, private when asked with a token', () => {
    expect(conditionalReply(reply, { withToken: false }).headers).toMatchObject({
      etag: entityTagOf(reply.body),
      'cache-control': 'no-cache',
      vary: 'Authorization',
      'x-extra': 'kept',
    });
    expect(conditionalReply(reply, { withToken: true }).headers!['cache-control']).toBe('private, no-cache');
  });

  it('turns a 200 whose tag the client holds into a 304 with no body and no content type', () => {
    const result = conditionalReply(reply, { ifNoneMatch: entityTagOf(reply.body), withToken: false });

    expect(result.statusCode).toBe(304);
    expect(result.body).toBe('');
    expect(result.headers).toEqual({
      'x-extra': 'kept',
      etag: entityTagOf(reply.body),
      'cache-control': 'no-cache',
      vary: 'Authorization',
    });
  });

  it('leaves any other status alone but for no-store, even when If-None-Match is *', () => {
    const notFound = { statusCode: 404, headers: {}, body: '{"errors":{"article":["not found"]}}' };

    const result = conditionalReply(notFound, { ifNoneMatch: '*', withToken: false });

    expect(result).toEqual({ ...notFound, headers: { 'cache-control': 'no-store' } });
  });
});
