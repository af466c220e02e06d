import { and, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { ArticleStore } from '#lib/articles/service';
import type { ArticleFilter } from '#lib/articles/types';
import { Conflict, NotFound } from '#lib/errors';
import type { Database, Executor } from '../client';
import { duplicateKey } from '../errors';
import { articles, articleTags, favorites, follows, tags, users } from '../schema';
import { authorColumns, viewerFlag } from './profiles';

const favoritesCount =
  sql<number>`(select count(*) from ${favorites} where ${favorites.articleId} = ${articles.id})`.mapWith(
    Number,
  );

const favorited = (viewerId: number | undefined) =>
  viewerFlag(
    viewerId,
    (id) =>
      sql`select 1 from ${favorites} where ${favorites.articleId} = ${articles.id} and ${favorites.userId} = ${id}`,
  );

/** Everything a list item shows, author and viewer-relative flags included, in one row per article. */
function summaryColumns(viewerId: number | undefined) {
  return {
    id: articles.id,
    slug: articles.slug,
    title: articles.title,
    description: articles.description,
    createdAt: articles.createdAt,
    updatedAt: articles.updatedAt,
    favorited: favorited(viewerId),
    favoritesCount,
    author: authorColumns(viewerId),
  };
}

/** Filters are semi-joins (IN subqueries), so the count and the page share one WHERE and no row repeats. */
function matching(db: Executor, filter: ArticleFilter): SQL {
  const conditions = [isNull(articles.deletedAt)];
  if (filter.author !== undefined) {
    conditions.push(
      inArray(
        articles.authorId,
        db.select({ id: users.id }).from(users).where(eq(users.username, filter.author)),
      ),
    );
  }
  if (filter.tag !== undefined) {
    const tagged = db
      .select({ id: articleTags.articleId })
      .from(articleTags)
      .innerJoin(tags, eq(tags.id, articleTags.tagId))
      .where(eq(tags.name, filter.tag));
    conditions.push(inArray(articles.id, tagged));
  }
  if (filter.favorited !== undefined) {
    const liked = db
      .select({ id: favorites.articleId })
      .from(favorites)
      .innerJoin(users, eq(users.id, favorites.userId))
      .where(eq(users.username, filter.favorited));
    conditions.push(inArray(articles.id, liked));
  }
  if (filter.followedBy !== undefined) {
    const followed = db
      .select({ id: follows.followeeId })
      .from(follows)
      .where(eq(follows.followerId, filter.followedBy));
    conditions.push(inArray(articles.authorId, followed));
  }
  return and(...conditions)!;
}

/** Tag names for many articles in one query, alphabetically. */
async function tagListsOf(db: Executor, articleIds: number[]): Promise<Map<number, string[]>> {
  const lists = new Map<number, string[]>(articleIds.map((id) => [id, []]));
  if (articleIds.length === 0) return lists;
  const rows = await db
    .select({ articleId: articleTags.articleId, name: tags.name })
    .from(articleTags)
    .innerJoin(tags, eq(tags.id, articleTags.tagId))
    .where(inArray(articleTags.articleId, articleIds))
    .orderBy(tags.name);
  for (const { articleId, name } of rows) lists.get(articleId)?.push(name);
  return lists;
}

/**
 * Creates the tags that do not exist yet, before and outside the article's transaction, one row per
 * statement: upserting shared tags inside concurrent transactions (or several new ones in one statement)
 * deadlocks in InnoDB. Each statement here commits at once; a tag nobody ends up using is harmless.
 */
async function ensureTags(db: Executor, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const existing = await db.select({ name: tags.name }).from(tags).where(inArray(tags.name, names));
  const known = new Set(existing.map(({ name }) => name.toLowerCase()));
  for (const name of names.filter((name) => !known.has(name.toLowerCase()))) {
    await db
      .insert(tags)
      .values({ name })
      .onDuplicateKeyUpdate({ set: { name: sql`${tags.name}` } });
  }
}

/**
 * Sets an article's tags (created beforehand by ensureTags). Deletes only rows that exist, by primary key:
 * a delete over an empty range gap-locks it, and two such gap locks deadlock on the inserts that follow.
 */
async function replaceTags(tx: Executor, articleId: number, names: string[], isNew = false): Promise<void> {
  const wanted = names.length
    ? (await tx.select({ id: tags.id }).from(tags).where(inArray(tags.name, names))).map(({ id }) => id)
    : [];
  const current = isNew
    ? []
    : (
        await tx
          .select({ id: articleTags.tagId })
          .from(articleTags)
          .where(eq(articleTags.articleId, articleId))
      ).map(({ id }) => id);
  const removed = current.filter((id) => !wanted.includes(id));
  const added = wanted.filter((id) => !current.includes(id));
  if (removed.length)
    await tx
      .delete(articleTags)
      .where(and(eq(articleTags.articleId, articleId), inArray(articleTags.tagId, removed)));
  if (added.length) await tx.insert(articleTags).values(added.map((tagId) => ({ articleId, tagId })));
}

function rethrowSlugTaken(error: unknown): never {
  if (duplicateKey(error) === 'articles_live_slug_unique') throw new Conflict('slug');
  throw error;
}

export function articleRepository(db: Database): ArticleStore {
  const live = (slug: string) => and(eq(articles.liveSlug, slug), isNull(articles.deletedAt));

  return {
    async list({ limit, offset, ...filter }, viewerId) {
      const where = matching(db, filter);
      const [[total], page] = await Promise.all([
        db
          .select({ count: sql<number>`count(*)`.mapWith(Number) })
          .from(articles)
          .where(where),
        db
          .select(summaryColumns(viewerId))
          .from(articles)
          .innerJoin(users, eq(users.id, articles.authorId))
          .where(where)
          .orderBy(desc(articles.createdAt), desc(articles.id))
          .limit(limit)
          .offset(offset),
      ]);
      const tagLists = await tagListsOf(
        db,
        page.map(({ id }) => id),
      );
      return {
        articles: page.map(({ id, ...article }) => ({ ...article, tagList: tagLists.get(id) ?? [] })),
        articlesCount: total?.count ?? 0,
      };
    },

    async find(slug, viewerId) {
      const [row] = await db
        .select({ ...summaryColumns(viewerId), body: articles.body })
        .from(articles)
        .innerJoin(users, eq(users.id, articles.authorId))
        .where(live(slug))
        .limit(1);
      if (!row) return undefined;
      const { id, ...article } = row;
      return { ...article, tagList: (await tagListsOf(db, [id])).get(id) ?? [] };
    },

    async findRef(slug) {
      const [row] = await db
        .select({ id: articles.id, authorId: articles.authorId, slug: articles.slug })
        .from(articles)
        .where(live(slug))
        .limit(1);
      return row;
    },

    async create(authorId, { tagList, ...fields }) {
      await ensureTags(db, tagList);
      try {
        await db.transaction(async (tx) => {
          const [result] = await tx.insert(articles).values({ authorId, ...fields });
          await replaceTags(tx, result.insertId, tagList, true);
        });
      } catch (error) {
        rethrowSlugTaken(error);
      }
    },

    async update(id, { tagList, ...changes }) {
      if (tagList) await ensureTags(db, tagList);
      try {
        await db.transaction(async (tx) => {
          // Strictly later than the previous value, even for two updates within one millisecond.
          const updatedAt = sql`greatest(${sql.param(new Date(), articles.updatedAt)}, ${articles.updatedAt} + interval 1000 microsecond)`;
          const [result] = await tx
            .update(articles)
            .set({ ...changes, updatedAt })
            .where(and(eq(articles.id, id), isNull(articles.deletedAt)));
          // Deleted since the caller looked it up: nothing to update.
          if (result.affectedRows === 0) throw new NotFound('article');
          if (tagList) await replaceTags(tx, id, tagList);
        });
      } catch (error) {
        rethrowSlugTaken(error);
      }
    },

    async remove(id) {
      const now = new Date();
      await db.update(articles).set({ deletedAt: now, updatedAt: now }).where(eq(articles.id, id));
    },

    async favorite(articleId, userId) {
      await db
        .insert(favorites)
        .values({ articleId, userId })
        .onDuplicateKeyUpdate({ set: { articleId: sql`${favorites.articleId}` } });
    },

    async unfavorite(articleId, userId) {
      await db.delete(favorites).where(and(eq(favorites.articleId, articleId), eq(favorites.userId, userId)));
    },

    async tags() {
      // Per tag, the first live article that carries it (LIMIT 1 in a correlated subquery, which the optimizer
      // cannot flatten into a join): one index probe per tag, however many articles there are. A join with
      // DISTINCT read every tagged article: 0.42 s at 100,000 articles against 0.01 s (npm run bench).
      const inUse = db
        .select({ one: sql`1` })
        .from(articleTags)
        .innerJoin(articles, eq(articles.id, articleTags.articleId))
        .where(and(eq(articleTags.tagId, tags.id), isNull(articles.deletedAt)))
        .limit(1);
      const rows = await db
        .select({ name: tags.name })
        .from(tags)
        .where(sql`(${inUse}) is not null`)
        .orderBy(tags.name);
      return rows.map(({ name }) => name);
    },
  };
}
