import { isSlugOf, slugify } from '#lib/articles/slug';
import { withSuffix } from '#lib/unique-names';

describe('slugify', () => {
  it('lower-cases words and joins them with single dashes, dropping punctuation', () => {
    // Arrange
    const title = '  How to Train   Your Dragon?! (Part 2)  ';

    // Act
    const slug = slugify(title);

    // Assert
    expect(slug).toBe('how-to-train-your-dragon-part-2');
  });

  it('strips accents', () => {
    expect(slugify('Crème Brûlée à la Façon')).toBe('creme-brulee-a-la-facon');
  });

  it('keeps letters of non-Latin scripts', () => {
    expect(slugify('Привет мир')).toBe('привет-мир');
    expect(slugify('日本語 タイトル')).toBe('日本語-タイトル');
  });

  it.each(['', '   ', '!!!', '— ? —', '💥🔥'])(
    'falls back to "article" for a title without letters (%p)',
    (title) => {
      expect(slugify(title)).toBe('article');
    },
  );

  it('caps the length at 200 characters without leaving a trailing dash', () => {
    // Arrange: the cut falls right after a word, where a separator would otherwise dangle
    const title = `${'a'.repeat(199)} ${'b'.repeat(100)}`;

    // Act
    const slug = slugify(title);

    // Assert
    expect(slug).toBe('a'.repeat(199));
    expect(slugify('x'.repeat(500))).toHaveLength(200);
  });

  it('never cuts a character outside the Basic Multilingual Plane in half', () => {
    // Arrange: 𠀀 (U+20000) is one letter but two UTF-16 code units; an odd prefix puts the cut inside one
    const title = `a${'𠀀'.repeat(300)}`;

    // Act
    const slug = slugify(title);

    // Assert: no lone surrogate (it would not survive a round trip through UTF-8)
    expect(Buffer.from(slug, 'utf8').toString('utf8')).toBe(slug);
    expect(Array.from(slug)).toHaveLength(200);
    expect(slug.startsWith('a𠀀')).toBe(true);
  });
});

describe('withSuffix', () => {
  it('appends a dash and six lower-case base-36 characters', () => {
    // Act
    const slug = withSuffix('my-title');

    // Assert
    expect(slug).toMatch(/^my-title-[0-9a-z]{6}$/);
  });

  it('gives different suffixes on different calls', () => {
    // Act
    const suffixes = new Set(Array.from({ length: 50 }, () => withSuffix('t')));

    // Assert
    expect(suffixes.size).toBeGreaterThan(45);
  });
});

describe('isSlugOf', () => {
  it('accepts the plain slug of the title', () => {
    expect(isSlugOf('hello-world', 'Hello, World!')).toBe(true);
  });

  it('accepts the slug with a suffix added by withSuffix', () => {
    expect(isSlugOf(withSuffix('hello-world'), 'Hello World')).toBe(true);
  });

  it('rejects the slug of another title', () => {
    expect(isSlugOf('hello-world', 'Goodbye World')).toBe(false);
    expect(isSlugOf('hello-world-abc123', 'Hello')).toBe(false);
  });

  it('rejects suffixes of the wrong shape', () => {
    expect(isSlugOf('hello-world-abc12', 'Hello World')).toBe(false);
    expect(isSlugOf('hello-world-ABC123', 'Hello World')).toBe(false);
    expect(isSlugOf('hello-world-abc1234', 'Hello World')).toBe(false);
  });

  it('matches the whole slug, not a part of it', () => {
    // Arrange
    const slug = withSuffix('c');

    // Act / Assert
    expect(isSlugOf(slug, 'C')).toBe(true);
    expect(isSlugOf(`x${slug}`, 'C')).toBe(false);
    expect(isSlugOf(`${slug}-x`, 'C')).toBe(false);
  });
});
