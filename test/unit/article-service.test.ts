import { articleService, byTagName, normalizeTags, type ArticleStore } from '#lib/articles/service';
import type { Article, ArticleFields, ArticleRef } from '#lib/articles/types';
import { Conflict, Forbidden, Invalid, NotFound } from '#lib/errors';

interface Row extends ArticleFields {
  id: number;
  authorId: number;
  favoritedBy: Set<number>;
}

/** An ArticleStore over an array, with the unique-slug rule of the real table. */
class FakeArticleStore implements ArticleStore {
  rows: Row[] = [];
  createCalls: ArticleFields[] = [];
  updateCalls: { id: number; changes: Partial<ArticleFields> }[] = [];
  removed: number[] = [];
  /** Makes the next `n` writes fail with this error, before touching any row. */
  failures: unknown[] = [];

  async list() {
    const articles = await Promise.all(this.rows.map((row) => this.find(row.slug)));
    return { articles: articles.map((article) => article!), articlesCount: this.rows.length };
  }

  async find(slug: string, viewerId?: number): Promise<Article | undefined> {
    const row = this.rows.find((r) => r.slug === slug);
    if (!row) return undefined;
    const now = new Date(0);
    return {
      slug: row.slug,
      title: row.title,
      description: row.description,
      body: row.body,
      tagList: row.tagList,
      createdAt: now,
      updatedAt: now,
      favorited: viewerId !== undefined && row.favoritedBy.has(viewerId),
      favoritesCount: row.favoritedBy.size,
      author: { username: `user${row.authorId}`, bio: null, image: null, following: false },
    };
  }

  async findRef(slug: string): Promise<ArticleRef | undefined> {
    const row = this.rows.find((r) => r.slug === slug);
    return row && { id: row.id, authorId: row.authorId, slug: row.slug };
  }

  private failNext(): void {
    if (this.failures.length) throw this.failures.shift();
  }

  private assertFree(slug: string, exceptId?: number): void {
    if (this.rows.some((r) => r.slug === slug && r.id !== exceptId)) throw new Conflict('slug');
  }

  async create(authorId: number, fields: ArticleFields): Promise<void> {
    this.createCalls.push(fields);
    this.failNext();
    this.assertFree(fields.slug);
    this.rows.push({ ...fields, id: this.rows.length + 1, authorId, favoritedBy: new Set() });
  }

  async update(id: number, changes: Partial<ArticleFields>): Promise<void> {
    this.updateCalls.push({ id, changes });
    this.failNext();
    if (changes.slug !== undefined) this.assertFree(changes.slug, id);
    const row = this.rows.find((r) => r.id === id);
    if (row)
      Object.assign(row, Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)));
  }

  async remove(id: number): Promise<void> {
    this.removed.push(id);
    this.rows = this.rows.filter((r) => r.id !== id);
  }

  async favorite(articleId: number, userId: number): Promise<void> {
    this.rows.find((r) => r.id === articleId)?.favoritedBy.add(userId);
  }

  async unfavorite(articleId: number, userId: number): Promise<void> {
    this.rows.find((r) => r.id === articleId)?.favoritedBy.delete(userId);
  }

  async tags(): Promise<string[]> {
    return [...new Set(this.rows.flatMap((r) => r.tagList))].sort();
  }
}

const author = 1;
const stranger = 2;
const draft = {
  title: 'How to Train Your Dragon',
  description: 'Ever wonder how?',
  body: 'You have to believe',
};

function setup() {
  const store = new FakeArticleStore();
  return { store, service: articleService(store) };
}

describe('normalizeTags', () => {
  it('trims, removes case-insensitive duplicates and sorts', () => {
    // Act
    const tags = normalizeTags([' dragons ', 'Angular', 'training', 'DRAGONS', 'angular ']);

    // Assert
    expect(tags).toHaveLength(3);
    expect(tags.map((t) => t.toLowerCase())).toEqual(['angular', 'dragons', 'training']);
    expect(tags.every((t) => t === t.trim())).toBe(true);
  });

  it('returns an empty list for no tags', () => {
    expect(normalizeTags([])).toEqual([]);
  });
});

describe('articleService.create', () => {
  it('stores the slug of the title and normalised tags, and returns the stored article', async () => {
    // Arrange
    const { store, service } = setup();

    // Act
    const article = await service.create(author, { ...draft, tagList: ['training', ' dragons', 'Training'] });

    // Assert
    expect(article.slug).toBe('how-to-train-your-dragon');
    expect(article.title).toBe(draft.title);
    expect(store.rows[0]?.tagList.map((t) => t.toLowerCase())).toEqual(['dragons', 'training']);
    expect(store.rows[0]?.authorId).toBe(author);
  });

  it('stores an empty tag list when tagList is absent', async () => {
    // Arrange
    const { store, service } = setup();

    // Act
    const article = await service.create(author, draft);

    // Assert
    expect(article.tagList).toEqual([]);
    expect(store.createCalls[0]?.tagList).toEqual([]);
  });

  it('gives a second article with the same title a distinct, suffixed slug', async () => {
    // Arrange
    const { store, service } = setup();
    const first = await service.create(author, draft);

    // Act
    const second = await service.create(stranger, draft);

    // Assert
    expect(second.slug).not.toBe(first.slug);
    expect(second.slug).toMatch(/^how-to-train-your-dragon-[0-9a-z]{6}$/);
    expect(store.createCalls.map((c) => c.slug)).toEqual([first.slug, first.slug, second.slug]);
  });

  it('retries with a new suffix while the store reports the slug as taken', async () => {
    // Arrange
    const { store, service } = setup();
    store.failures = [new Conflict('slug'), new Conflict('slug'), new Conflict('slug')];

    // Act
    const article = await service.create(author, draft);

    // Assert
    expect(store.createCalls).toHaveLength(4);
    expect(article.slug).toBe(store.createCalls[3]?.slug);
    expect(article.slug).toMatch(/^how-to-train-your-dragon-[0-9a-z]{6}$/);
  });

  it('gives up with Conflict(slug) after 5 attempts', async () => {
    // Arrange
    const { store, service } = setup();
    store.failures = Array.from({ length: 10 }, () => new Conflict('slug'));

    // Act
    const attempt = service.create(author, draft);

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(Conflict);
    await expect(attempt).rejects.toMatchObject({ errors: { slug: ['has already been taken'] } });
    expect(store.createCalls).toHaveLength(5);
    expect(store.rows).toHaveLength(0);
  });

  it('does not retry on a conflict about something other than the slug', async () => {
    // Arrange
    const { store, service } = setup();
    const other = new Conflict('title');
    store.failures = [other];

    // Act
    const attempt = service.create(author, draft);

    // Assert
    await expect(attempt).rejects.toBe(other);
    expect(store.createCalls).toHaveLength(1);
  });

  it('lets unexpected store errors propagate unchanged, without retrying', async () => {
    // Arrange
    const { store, service } = setup();
    const failure = Object.assign(new Error('connection lost'), { code: 'PROTOCOL_CONNECTION_LOST' });
    store.failures = [failure];

    // Act
    const attempt = service.create(author, draft);

    // Assert
    await expect(attempt).rejects.toBe(failure);
    expect(store.createCalls).toHaveLength(1);
  });
});

describe('articleService.update', () => {
  async function withArticle() {
    const context = setup();
    const article = await context.service.create(author, { ...draft, tagList: ['dragons'] });
    context.store.createCalls = [];
    return { ...context, slug: article.slug };
  }

  it('lets the author change the body and keeps the slug', async () => {
    // Arrange
    const { store, service, slug } = await withArticle();

    // Act
    const updated = await service.update(author, slug, { body: 'New body' });

    // Assert
    expect(updated.slug).toBe(slug);
    expect(updated.body).toBe('New body');
    expect(store.updateCalls).toEqual([{ id: 1, changes: { body: 'New body', slug } }]);
  });

  it('rejects an update by someone other than the author with Forbidden(article)', async () => {
    // Arrange
    const { store, service, slug } = await withArticle();

    // Act
    const attempt = service.update(stranger, slug, { body: 'Hijacked' });

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(Forbidden);
    await expect(attempt).rejects.toMatchObject({ errors: { article: ['forbidden'] } });
    expect(store.updateCalls).toHaveLength(0);
  });

  it('answers NotFound(article) for a missing slug', async () => {
    // Arrange
    const { store, service } = await withArticle();

    // Act
    const attempt = service.update(author, 'no-such-article', { body: 'x' });

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(NotFound);
    await expect(attempt).rejects.toMatchObject({ errors: { article: ['not found'] } });
    expect(store.updateCalls).toHaveLength(0);
  });

  it('changes the slug when the title changes', async () => {
    // Arrange
    const { store, service, slug } = await withArticle();

    // Act
    const updated = await service.update(author, slug, { title: 'Did you train your dragon?' });

    // Assert
    expect(updated.slug).toBe('did-you-train-your-dragon');
    expect(updated.title).toBe('Did you train your dragon?');
    expect(await store.findRef(slug)).toBeUndefined();
  });

  it('keeps the slug when the new title has the same slug', async () => {
    // Arrange
    const { store, service, slug } = await withArticle();

    // Act
    const updated = await service.update(author, slug, { title: 'HOW TO train your dragon!' });

    // Assert
    expect(updated.slug).toBe(slug);
    expect(updated.title).toBe('HOW TO train your dragon!');
    expect(store.updateCalls).toHaveLength(1);
    expect(store.updateCalls[0]?.changes.slug).toBe(slug);
  });

  it('keeps a suffixed slug when the title keeps its base slug', async () => {
    // Arrange
    const { store, service } = await withArticle();
    const second = await service.create(author, draft);

    // Act
    const updated = await service.update(author, second.slug, { title: 'How to train your dragon.' });

    // Assert
    expect(updated.slug).toBe(second.slug);
    expect(store.updateCalls.at(-1)?.changes.slug).toBe(second.slug);
  });

  it('suffixes the new slug when another article already has it', async () => {
    // Arrange
    const { service, slug } = await withArticle();
    await service.create(stranger, { ...draft, title: 'Taken Title' });

    // Act
    const updated = await service.update(author, slug, { title: 'Taken title' });

    // Assert
    expect(updated.slug).toMatch(/^taken-title-[0-9a-z]{6}$/);
  });

  it('normalises a given tagList, keeps tags when absent and clears them with []', async () => {
    // Arrange
    const { store, service, slug } = await withArticle();

    // Act
    await service.update(author, slug, { tagList: ['b', ' a ', 'B'] });
    const afterReplace = [...(store.rows[0]?.tagList ?? [])];
    await service.update(author, slug, { body: 'tags untouched' });
    const afterBodyOnly = [...(store.rows[0]?.tagList ?? [])];
    await service.update(author, slug, { tagList: [] });

    // Assert
    expect(afterReplace.map((t) => t.toLowerCase())).toEqual(['a', 'b']);
    expect(afterBodyOnly).toEqual(afterReplace);
    expect(store.updateCalls[1]?.changes).not.toHaveProperty('tagList');
    expect(store.rows[0]?.tagList).toEqual([]);
  });

  it('propagates a non-slug error from the store', async () => {
    // Arrange
    const { store, service, slug } = await withArticle();
    const failure = new Invalid({ body: ['is bad'] });
    store.failures = [failure];

    // Act
    const attempt = service.update(author, slug, { title: 'Another title' });

    // Assert
    await expect(attempt).rejects.toBe(failure);
    expect(store.updateCalls).toHaveLength(1);
  });
});

describe('articleService.remove', () => {
  it('removes the article of its author', async () => {
    // Arrange
    const { store, service } = setup();
    const { slug } = await service.create(author, draft);

    // Act
    await service.remove(author, slug);

    // Assert
    expect(store.removed).toEqual([1]);
    await expect(service.get(slug)).rejects.toBeInstanceOf(NotFound);
  });

  it('refuses someone else with Forbidden and keeps the article', async () => {
    // Arrange
    const { store, service } = setup();
    const { slug } = await service.create(author, draft);

    // Act
    const attempt = service.remove(stranger, slug);

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(Forbidden);
    expect(store.removed).toEqual([]);
  });

  it('answers NotFound for a missing article', async () => {
    // Arrange
    const { store, service } = setup();

    // Act
    const attempt = service.remove(author, 'missing');

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(NotFound);
    expect(store.removed).toEqual([]);
  });
});

describe('articleService.favorite / unfavorite', () => {
  it('favorites an article for the viewer and returns it as favorited', async () => {
    // Arrange
    const { service } = setup();
    const { slug } = await service.create(author, draft);

    // Act
    const article = await service.favorite(stranger, slug);

    // Assert
    expect(article.favorited).toBe(true);
    expect(article.favoritesCount).toBe(1);
  });

  it('unfavorites an article', async () => {
    // Arrange
    const { service } = setup();
    const { slug } = await service.create(author, draft);
    await service.favorite(stranger, slug);

    // Act
    const article = await service.unfavorite(stranger, slug);

    // Assert
    expect(article.favorited).toBe(false);
    expect(article.favoritesCount).toBe(0);
  });

  it.each(['favorite', 'unfavorite'] as const)(
    '%s answers NotFound for a missing article',
    async (action) => {
      // Arrange
      const { service } = setup();

      // Act
      const attempt = service[action](stranger, 'missing');

      // Assert
      await expect(attempt).rejects.toBeInstanceOf(NotFound);
    },
  );
});

describe('articleService.get', () => {
  it('answers NotFound(article) for a missing slug', async () => {
    // Arrange
    const { service } = setup();

    // Act
    const attempt = service.get('missing');

    // Assert
    await expect(attempt).rejects.toMatchObject({ errors: { article: ['not found'] } });
  });
});

describe('articleService tag order', () => {
  it('shows every tagList alphabetically, in whatever order the store returns it', async () => {
    // Arrange
    const { store, service } = setup();
    store.rows.push({
      ...draft,
      slug: 'shuffled',
      tagList: ['zebra', 'Apple', 'mango'],
      id: 1,
      authorId: author,
      favoritedBy: new Set(),
    });

    // Act
    const single = await service.get('shuffled');
    const { articles } = await service.list({ limit: 20, offset: 0 });

    // Assert
    expect(single.tagList).toEqual(['Apple', 'mango', 'zebra']);
    expect(articles.map(({ tagList }) => tagList)).toEqual([['Apple', 'mango', 'zebra']]);
    expect(store.rows[0]!.tagList).toEqual(['zebra', 'Apple', 'mango']);
  });

  it('orders ignoring case, with digits and hyphens before letters and exact ties by code point', () => {
    const tags = ['b', 'tag1', 'a-b', 'B', 'Ärger', 'tag-1', '10', 'A', '2'];

    expect([...tags].sort(byTagName)).toEqual(['10', '2', 'A', 'a-b', 'B', 'b', 'tag-1', 'tag1', 'Ärger']);
  });
});
