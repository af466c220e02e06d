import { and, desc, eq, isNull } from 'drizzle-orm';
import type { CommentStore } from '#lib/comments/service';
import type { Executor } from '../client';
import { comments, users } from '../schema';
import { authorColumns } from './profiles';

export function commentRepository(db: Executor): CommentStore {
  const view = (viewerId: number | undefined) =>
    db
      .select({
        id: comments.id,
        createdAt: comments.createdAt,
        updatedAt: comments.updatedAt,
        body: comments.body,
        author: authorColumns(viewerId),
      })
      .from(comments)
      .innerJoin(users, eq(users.id, comments.authorId));

  return {
    list: (articleId, viewerId) =>
      view(viewerId)
        .where(and(eq(comments.articleId, articleId), isNull(comments.deletedAt)))
        .orderBy(desc(comments.createdAt), desc(comments.id)),

    async find(id, viewerId) {
      const [row] = await view(viewerId)
        .where(and(eq(comments.id, id), isNull(comments.deletedAt)))
        .limit(1);
      return row;
    },

    async findAuthor(articleId, id) {
      const [row] = await db
        .select({ authorId: comments.authorId })
        .from(comments)
        .where(and(eq(comments.id, id), eq(comments.articleId, articleId), isNull(comments.deletedAt)))
        .limit(1);
      return row?.authorId;
    },

    async create(articleId, authorId, body) {
      const [result] = await db.insert(comments).values({ articleId, authorId, body });
      return result.insertId;
    },

    async remove(id) {
      const now = new Date();
      await db.update(comments).set({ deletedAt: now, updatedAt: now }).where(eq(comments.id, id));
    },
  };
}
