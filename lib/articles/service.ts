import { Forbidden, NotFound } from '#lib/errors';
import { saveUnderFreeName } from '#lib/unique-names';
import { isSlugOf, slugify } from './slug';
import type {
  Article,
  ArticleChanges,
  ArticleFields,
  ArticleQuery,
  ArticleRef,
  ArticleSummary,
  NewArticle,
} from './types';

export interface ArticleStore {
  /** Newest first by id. Here and in find, an article's `tagList` may come in any order: the service sorts it. */
  list(
    query: ArticleQuery,
    viewerId?: number,
  ): Promise<{ articles: ArticleSummary[]; articlesCount: number }>;
  find(slug: string, viewerId?: number): Promise<Article | undefined>;
  findRef(slug: string): Promise<ArticleRef | undefined>;
  /** Throws Conflict('slug') when a live article has the slug. */
  create(authorId: number, fields: ArticleFields): Promise<void>;
  /**
   * Replaces the tags when `tagList` is given; throws Conflict('slug') like create, and NotFound when the
   * article was deleted since it was looked up.
   */
  update(id: number, changes: Partial<ArticleFields>): Promise<void>;
  remove(id: number): Promise<void>;
  /** Idempotent in both directions. */
  favorite(articleId: number, userId: number): Promise<void>;
  unfavorite(articleId: number, userId: number): Promise<void>;
  tags(): Promise<string[]>;
}

/**
 * Alphabetical ignoring case, ties by code point. Not localeCompare: its first call loads ICU's collation
 * data, which cost ~6 ms of every cold start that shows an article.
 */
export function byTagName(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/** An article as clients see it: its `tagList` alphabetical (stores return tags in any order). */
const shown = <A extends ArticleSummary>(article: A): A => ({
  ...article,
  tagList: [...article.tagList].sort(byTagName),
});

/**
 * Tags are trimmed and de-duplicated case-insensitively, as the database compares them; sorted, so
 * concurrent writers touch shared tag rows in the same order.
 */
export function normalizeTags(tags: string[]): string[] {
  const unique = new Map(tags.map((tag) => [tag.trim().toLowerCase(), tag.trim()]));
  return [...unique.values()].sort(byTagName);
}

export function articleService(store: ArticleStore) {
  async function found(slug: string, viewerId?: number): Promise<Article> {
    const article = await store.find(slug, viewerId);
    if (!article) throw new NotFound('article');
    return shown(article);
  }

  async function ref(slug: string): Promise<ArticleRef> {
    const article = await store.findRef(slug);
    if (!article) throw new NotFound('article');
    return article;
  }

  async function owned(slug: string, userId: number): Promise<ArticleRef> {
    const article = await ref(slug);
    if (article.authorId !== userId) throw new Forbidden('article');
    return article;
  }

  return {
    ref,
    async list(query: ArticleQuery, viewerId?: number) {
      const { articles, articlesCount } = await store.list(query, viewerId);
      return { articles: articles.map(shown), articlesCount };
    },
    get: found,
    tags: () => store.tags(),

    async create(authorId: number, { tagList = [], ...fields }: NewArticle): Promise<Article> {
      const tags = normalizeTags(tagList);
      const { name: slug } = await saveUnderFreeName(slugify(fields.title), 'slug', (slug) =>
        store.create(authorId, { ...fields, slug, tagList: tags }),
      );
      return found(slug, authorId);
    },

    async update(userId: number, slug: string, { tagList, ...changes }: ArticleChanges): Promise<Article> {
      const article = await owned(slug, userId);
      const fields = { ...changes, ...(tagList && { tagList: normalizeTags(tagList) }) };
      // A new title moves the slug, unless it would slugify to the one the article already has.
      const base =
        changes.title === undefined || isSlugOf(article.slug, changes.title)
          ? article.slug
          : slugify(changes.title);
      const { name: newSlug } = await saveUnderFreeName(base, 'slug', (slug) =>
        store.update(article.id, { ...fields, slug }),
      );
      return found(newSlug, userId);
    },

    async remove(userId: number, slug: string): Promise<void> {
      await store.remove((await owned(slug, userId)).id);
    },

    async favorite(userId: number, slug: string): Promise<Article> {
      await store.favorite((await ref(slug)).id, userId);
      return found(slug, userId);
    },

    async unfavorite(userId: number, slug: string): Promise<Article> {
      await store.unfavorite((await ref(slug)).id, userId);
      return found(slug, userId);
    },
  };
}
