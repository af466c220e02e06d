import { ArticleUpdate, FeedQuery, ListQuery, NewArticle, maxTags } from '#lib/articles/schemas';
import { CommentPath, NewComment } from '#lib/comments/schemas';
import { Invalid, type FieldErrors } from '#lib/errors';
import { slugPath, usernamePath } from '#lib/http/schemas';
import { fieldOf, parse } from '#lib/http/validation';
import { Login, NewUser, UserUpdate } from '#lib/users/schemas';

/** The field-keyed errors `parse` throws for a value, or fails the test if it parses. */
function errorsOf(schema: Parameters<typeof parse>[0], value: unknown): FieldErrors {
  try {
    parse(schema, value);
  } catch (error) {
    expect(error).toBeInstanceOf(Invalid);
    return (error as Invalid).errors;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

const article = { title: 'How to train your dragon', description: 'Ever wonder how?', body: 'Believe.' };
const user = { username: 'jake', email: 'jake@jake.jake', password: 'jakejake' };

describe('fieldOf', () => {
  it.each([
    [['article', 'tagList', 2], 'tagList'],
    [['user', 'email'], 'email'],
    [['article'], 'article'],
    [[0, 1], 'body'],
    [[], 'body'],
    [undefined, 'body'],
  ] as const)('keys %p under %p', (path, field) => {
    expect(fieldOf(path)).toBe(field);
  });
});

describe('parse messages', () => {
  it('reports every missing field as "can\'t be blank"', () => {
    // Act
    const errors = errorsOf(NewArticle, { article: {} });

    // Assert
    expect(errors).toEqual({
      title: ["can't be blank"],
      description: ["can't be blank"],
      body: ["can't be blank"],
    });
  });

  it('reports a missing envelope under its name, and a missing body under "body"', () => {
    expect(errorsOf(NewArticle, {})).toEqual({ article: ["can't be blank"] });
    expect(errorsOf(NewArticle, undefined)).toEqual({ body: ["can't be blank"] });
  });

  it('treats blank and whitespace-only strings as blank', () => {
    expect(errorsOf(NewArticle, { article: { ...article, title: '', body: '   ' } })).toEqual({
      title: ["can't be blank"],
      body: ["can't be blank"],
    });
  });

  it('reports a string over its maximum length', () => {
    expect(errorsOf(NewArticle, { article: { ...article, title: 'x'.repeat(256) } })).toEqual({
      title: ['is too long (maximum is 255 characters)'],
    });
  });

  it('reports a value of the wrong type with the expected type', () => {
    expect(errorsOf(NewArticle, { article: { ...article, title: 42, description: [] } })).toEqual({
      title: ['must be a string'],
      description: ['must be a string'],
    });
  });

  it('reports one type message for a wrong-typed value, not length complaints besides', () => {
    expect(errorsOf(NewUser, { user: { ...user, password: [] } })).toEqual({
      password: ['must be a string'],
    });
  });

  it('reports too many tags on tagList', () => {
    // Arrange
    const tagList = Array.from({ length: maxTags + 1 }, (_, i) => `tag${i}`);

    // Act / Assert
    expect(errorsOf(NewArticle, { article: { ...article, tagList } })).toEqual({
      tagList: [`has too many items (maximum is ${maxTags})`],
    });
  });

  it('keys a problem with one tag under tagList, once for several bad tags', () => {
    expect(errorsOf(NewArticle, { article: { ...article, tagList: ['ok', '', ' '] } })).toEqual({
      tagList: ["can't be blank"],
    });
  });

  it('returns the parsed value, trimmed, when valid', () => {
    expect(
      parse(NewArticle, { article: { ...article, title: `  ${article.title}  `, tagList: ['a'] } }),
    ).toEqual({
      article: { ...article, tagList: ['a'] },
    });
  });
});

describe('list queries', () => {
  it.each([ListQuery, FeedQuery])('defaults limit to 20 and offset to 0', (schema) => {
    expect(parse(schema, {})).toMatchObject({ limit: 20, offset: 0 });
  });

  it('turns digit strings into numbers', () => {
    expect(parse(ListQuery, { limit: '100', offset: '40', tag: 'dragons' })).toEqual({
      limit: 100,
      offset: 40,
      tag: 'dragons',
    });
  });

  it.each(['abc', '-1', '1.5', '', '1e3', ' 5'])('rejects limit=%p', (limit) => {
    expect(Object.keys(errorsOf(ListQuery, { limit }))).toEqual(['limit']);
  });

  it('rejects a limit over 100', () => {
    expect(errorsOf(ListQuery, { limit: '101' })).toEqual({ limit: ['must be less than or equal to 100'] });
  });

  it.each(['-1', 'abc'])('rejects offset=%p', (offset) => {
    expect(Object.keys(errorsOf(FeedQuery, { offset }))).toEqual(['offset']);
  });
});

describe('user schemas', () => {
  it('accepts a registration', () => {
    expect(parse(NewUser, { user })).toEqual({ user });
  });

  it('rejects a password shorter than 8 and accepts one of 64 characters', () => {
    expect(errorsOf(NewUser, { user: { ...user, password: 'short' } })).toEqual({
      password: ['is too short (minimum is 8 characters)'],
    });
    expect(parse(NewUser, { user: { ...user, password: 'p'.repeat(64) } }).user.password).toHaveLength(64);
  });

  it('does not trim passwords', () => {
    expect(parse(NewUser, { user: { ...user, password: ' spaced passphrase ' } }).user.password).toBe(
      ' spaced passphrase ',
    );
  });

  it('rejects a malformed e-mail and a username with spaces', () => {
    const errors = errorsOf(NewUser, { user: { ...user, username: 'jake the dog', email: 'not-an-email' } });
    expect(Object.keys(errors).sort()).toEqual(['email', 'username']);
  });

  it.each(['', null])('rejects username %p on update', (username) => {
    expect(errorsOf(UserUpdate, { user: { username } })).toEqual({ username: ["can't be blank"] });
  });

  it.each(['', null])('rejects email %p on update', (email) => {
    expect(errorsOf(UserUpdate, { user: { email } })).toEqual({ email: ["can't be blank"] });
  });

  it.each(['', '   ', null])('turns bio %p into null', (bio) => {
    expect(parse(UserUpdate, { user: { bio } })).toEqual({ user: { bio: null } });
  });

  it.each(['', null])('turns image %p into null', (image) => {
    expect(parse(UserUpdate, { user: { image } })).toEqual({ user: { image: null } });
  });

  it('keeps a real bio and an https image', () => {
    expect(
      parse(UserUpdate, { user: { bio: 'I work at statefarm', image: 'https://i.imgur.com/x.png' } }),
    ).toEqual({
      user: { bio: 'I work at statefarm', image: 'https://i.imgur.com/x.png' },
    });
  });

  it.each(['javascript:alert(1)', 'ftp://example.com/a.png', 'not a url'])('rejects image %p', (image) => {
    expect(Object.keys(errorsOf(UserUpdate, { user: { image } }))).toEqual(['image']);
  });

  it('rejects an update that changes nothing', () => {
    expect(Object.keys(errorsOf(UserUpdate, { user: {} }))).toEqual(['user']);
  });

  it('requires both login fields', () => {
    expect(errorsOf(Login, { user: { email: '', password: '' } })).toEqual({
      email: ["can't be blank"],
      password: ["can't be blank"],
    });
  });

  it('rejects a blank username in the path', () => {
    expect(errorsOf(usernamePath, { username: '' })).toEqual({ username: ["can't be blank"] });
  });
});

describe('article schemas', () => {
  it('keeps tags when tagList is absent on update and accepts []', () => {
    expect(parse(ArticleUpdate, { article: { body: 'b' } }).article).not.toHaveProperty('tagList');
    expect(parse(ArticleUpdate, { article: { tagList: [] } })).toEqual({ article: { tagList: [] } });
  });

  it('rejects tagList: null on update', () => {
    expect(errorsOf(ArticleUpdate, { article: { tagList: null } })).toEqual({ tagList: ["can't be blank"] });
  });

  it('rejects an update that changes nothing', () => {
    expect(Object.keys(errorsOf(ArticleUpdate, { article: {} }))).toEqual(['article']);
  });

  it('rejects a blank slug in the path', () => {
    expect(errorsOf(slugPath, { slug: '' })).toEqual({ slug: ["can't be blank"] });
  });
});

describe('comment schemas', () => {
  it('rejects a blank comment body', () => {
    expect(errorsOf(NewComment, { comment: { body: ' ' } })).toEqual({ body: ["can't be blank"] });
  });

  it('parses the comment id from the path as a number', () => {
    expect(parse(CommentPath, { slug: 'a', id: '12' })).toEqual({ slug: 'a', id: 12 });
  });

  it.each(['abc', '-1', '1.5', '', '1234567890123456'])('rejects comment id %p', (id) => {
    expect(Object.keys(errorsOf(CommentPath, { slug: 'a', id }))).toEqual(['id']);
  });
});
