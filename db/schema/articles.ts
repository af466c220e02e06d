import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  int,
  mediumtext,
  mysqlTable,
  primaryKey,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/mysql-core';
import { id, ref, softDelete, timestamps } from './columns';
import { users } from './users';

export const articles = mysqlTable(
  'articles',
  {
    id: id(),
    authorId: ref('author_id').references(() => users.id),
    slug: varchar('slug', { length: 320 }).notNull(),
    /**
     * The slug while the article is live, NULL once it is deleted. Its unique index lets a deleted
     * article keep its slug without blocking a new article from taking it (NULLs never collide).
     */
    liveSlug: varchar('live_slug', { length: 320 }).generatedAlwaysAs(
      sql`(case when deleted_at is null then slug end)`,
      { mode: 'stored' },
    ),
    title: varchar('title', { length: 255 }).notNull(),
    description: varchar('description', { length: 1000 }).notNull(),
    body: mediumtext('body').notNull(),
    ...timestamps,
    ...softDelete,
  },
  (t) => [
    uniqueIndex('articles_live_slug_unique').on(t.liveSlug),
    // Lists are newest first by id (ids follow insertion), so every filter walks an index backwards and
    // stops after one page, however many articles match.
    index('articles_live_idx').on(t.deletedAt, t.id),
    index('articles_author_live_idx').on(t.authorId, t.deletedAt, t.id),
    // The previous version's list order (created_at): kept while it may still serve (a deploy's canary, a
    // rollback), dropped by the next release's migration (README "Everyday deploys": expand/contract).
    index('articles_recent_idx').on(t.deletedAt, t.createdAt, t.id),
    index('articles_author_recent_idx').on(t.authorId, t.deletedAt, t.createdAt),
  ],
);

export const tags = mysqlTable(
  'tags',
  {
    id: id(),
    name: varchar('name', { length: 64 }).notNull(),
    /** Live articles carrying the tag, kept by triggers (migration 0003): never written by the application. */
    articlesCount: int('articles_count').notNull().default(0),
    ...timestamps,
  },
  (t) => [uniqueIndex('tags_name_unique').on(t.name)],
);

/**
 * Counts kept by triggers (migration 0003), so that a list's `articlesCount` is one row read instead of a
 * count over every live article. One row today: `live_articles`.
 */
export const counters = mysqlTable('counters', {
  name: varchar('name', { length: 32 }).primaryKey(),
  value: bigint('value', { mode: 'number' }).notNull(),
});

export const articleTags = mysqlTable(
  'article_tags',
  {
    articleId: ref('article_id').references(() => articles.id),
    tagId: ref('tag_id').references(() => tags.id),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.articleId, t.tagId] }),
    index('article_tags_tag_idx').on(t.tagId, t.articleId),
  ],
);

export const favorites = mysqlTable(
  'favorites',
  {
    articleId: ref('article_id').references(() => articles.id),
    userId: ref('user_id').references(() => users.id),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.articleId, t.userId] }),
    index('favorites_user_idx').on(t.userId, t.articleId),
  ],
);
