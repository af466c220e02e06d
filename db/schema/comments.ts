import { index, mysqlTable, text } from 'drizzle-orm/mysql-core';
import { articles } from './articles';
import { id, ref, softDelete, timestamps } from './columns';
import { users } from './users';

export const comments = mysqlTable(
  'comments',
  {
    id: id(),
    articleId: ref('article_id').references(() => articles.id),
    authorId: ref('author_id').references(() => users.id),
    body: text('body').notNull(),
    ...timestamps,
    ...softDelete,
  },
  (t) => [index('comments_article_idx').on(t.articleId, t.deletedAt, t.createdAt)],
);
