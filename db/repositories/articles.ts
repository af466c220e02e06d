import { and, desc, eq, gt, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { ArticleStore } from '#lib/articles/service';
import type { ArticleFilter } from '#lib/articles/types';
import { Conflict, NotFound } from '#lib/errors';
import type { Database, Executor } from '../client';
import { duplicateKey } from '../errors';
import { articles, articleTags, counters, favorites, follows, tags, users } from '../schema';
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

/**
 * An article's tag names as one column: a JSON array, which mysql2 returns parsed, or as text when the
 * server types the column as text.
 * JSON_ARRAYAGG, not GROUP_CONCAT, which MySQL cuts at 1,024 bytes; in no order (MySQL's cannot order).
 */
const tagNames = sql`select json_arrayagg(${tags.name}) from ${articleTags}
  join ${tags} on ${tags.id} = ${articleTags.tagId} where ${articleTags.articleId} = ${articles.id}`;
const tagList = sql<string[]>`coalesce((${tagNames}), json_array())`.mapWith((value: string | string[]) =>
  typeof value === 'string' ? (JSON.parse(value) as string[]) : value,
);

/** Everything a list item shows, tags, author and viewer-relative flags included, in one row per article. */
function summaryColumns(viewerId: number | undefined) {
  return {
    slug: articles.slug,
    title: articles.title,
    description: articles.description,
    tagList,
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

const counted = (db: Executor, where: SQL) =>
  db
    .select({ count: sql<number>`count(*)`.mapWith(Number) })
    .from(articles)
    .where(where);

/**
 * A list's `articlesCount` as a scalar subquery, so that it rides along with the page in one statement. For
 * all live articles or one tag it is the triggers' count (one row, migration 0003); with any other filter it
 * is counted, over one author's articles, one user's favorites or one reader's feed.
 */
function countOf(db: Executor, { tag, ...narrower }: ArticleFilter, where: SQL) {
  const count = Object.values(narrower).some((value) => value !== undefined)
    ? counted(db, where)
    : tag === undefined
      ? sql`select ${counters.value} from ${counters} where ${counters.name} = 'live_articles'`
      : sql`select ${tags.articlesCount} from ${tags} where ${tags.name} = ${tag}`;
  return sql<number | null>`(${count})`.mapWith(Number);
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
  // The triggers count on the tag rows (migration 0003): lock them all first, in id order, the order every
  // other writer takes them in, so that two retaggings cannot deadlock.
  const touched = [...removed, ...added].sort((a, b) => a - b);
  if (touched.length)
    await tx
      .select({ id: tags.id })
      .from(tags)
      .where(inArray(tags.id, touched))
      .orderBy(tags.id)
      .for('update');
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

/** The live article with this slug (a deleted one keeps its slug but loses its live_slug). */
export const liveArticle = (slug: string) => and(eq(articles.liveSlug, slug), isNull(articles.deletedAt));

export function articleRepository(db: Database): ArticleStore {
  return {
    async list({ limit, offset, ...filter }, viewerId) {
      const where = matching(db, filter);
      const page = await db
        .select({ ...summaryColumns(viewerId), articlesCount: countOf(db, filter, where) })
        .from(articles)
        // LEFT, so that articles lead the join and are read newest first, one page and no more: with an
        // inner join MariaDB starts from a small users table and sorts every match. Every article has its
        // author (a foreign key), so no row comes out differently.
        .leftJoin(users, eq(users.id, articles.authorId))
        .where(where)
        .orderBy(desc(articles.id))
        .limit(limit)
        .offset(offset);
      // A page past the end has no row to carry the count: only then is it asked on its own.
      const articlesCount =
        page[0]?.articlesCount ?? (offset === 0 ? 0 : (await counted(db, where))[0]!.count);
      return {
        articles: page.map(({ articlesCount: _, author, ...article }) => ({ ...article, author: author! })),
        articlesCount,
      };
    },

    async find(slug, viewerId) {
      const [row] = await db
        .select({ ...summaryColumns(viewerId), body: articles.body })
        .from(articles)
        .innerJoin(users, eq(users.id, articles.authorId))
        .where(liveArticle(slug))
        .limit(1);
      return row;
    },

    async findRef(slug) {
      const [row] = await db
        .select({ id: articles.id, authorId: articles.authorId, slug: articles.slug })
        .from(articles)
        .where(liveArticle(slug))
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
      // The tags of live articles: the triggers keep each tag's count (migration 0003).
      const rows = await db
        .select({ name: tags.name })
        .from(tags)
        .where(gt(tags.articlesCount, 0))
        .orderBy(tags.name);
      return rows.map(({ name }) => name);
    },
  };
}
