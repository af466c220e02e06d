import { and, desc, eq, isNull } from 'drizzle-orm';
import type { CommentStore } from '#lib/comments/service';
import type { Profile } from '#lib/profiles/types';
import type { Database } from '../client';
import { recordEvent } from './outbox';
import { articles, comments, users } from '../schema';
import { liveArticle } from './articles';
import { authorColumns } from './profiles';

export function commentRepository(db: Database): CommentStore {
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
    async listOn(slug, viewerId) {
      // From the article, so that one statement tells a missing article (no row) from one without comments
      // (one row, no comment).
      const rows = await db
        .select({
          commentId: comments.id,
          createdAt: comments.createdAt,
          updatedAt: comments.updatedAt,
          body: comments.body,
          author: authorColumns(viewerId),
        })
        .from(articles)
        .leftJoin(comments, and(eq(comments.articleId, articles.id), isNull(comments.deletedAt)))
        .leftJoin(users, eq(users.id, comments.authorId))
        .where(liveArticle(slug))
        .orderBy(desc(comments.createdAt), desc(comments.id));
      if (rows.length === 0) return undefined;
      return rows.flatMap(({ commentId, createdAt, updatedAt, body, author }) =>
        commentId === null
          ? []
          : [
              {
                id: commentId,
                createdAt: createdAt!,
                updatedAt: updatedAt!,
                body: body!,
                author: author as Profile,
              },
            ],
      );
    },

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
      return db.transaction(async (tx) => {
        const [result] = await tx.insert(comments).values({ articleId, authorId, body });
        await recordEvent(tx, { kind: 'comment_added', commentId: result.insertId });
        return result.insertId;
      });
    },

    async remove(id) {
      const now = new Date();
      await db.update(comments).set({ deletedAt: now, updatedAt: now }).where(eq(comments.id, id));
    },
  };
}
