import type { ArticleRef } from '#lib/articles/types';
import { Forbidden, NotFound } from '#lib/errors';
import type { Profile } from '#lib/profiles/types';

export interface Comment {
  id: number;
  createdAt: Date;
  updatedAt: Date;
  body: string;
  author: Profile;
}

export interface CommentStore {
  /** The live article's comments, newest first; undefined when no live article has the slug. */
  listOn(slug: string, viewerId?: number): Promise<Comment[] | undefined>;
  find(id: number, viewerId?: number): Promise<Comment | undefined>;
  /** The comment's owner, if it is live and belongs to the article. */
  findAuthor(articleId: number, id: number): Promise<number | undefined>;
  /** The new comment's id; its `comment_added` event (the article author's e-mail) is written with it. */
  create(articleId: number, authorId: number, body: string): Promise<number>;
  remove(id: number): Promise<void>;
}

/** Comments live under an article: every operation answers 404 for a missing article before anything else. */
export function commentService(store: CommentStore, articleRef: (slug: string) => Promise<ArticleRef>) {
  return {
    async list(slug: string, viewerId?: number): Promise<Comment[]> {
      // The article and its comments in one read, not the article first.
      const comments = await store.listOn(slug, viewerId);
      if (!comments) throw new NotFound('article');
      return comments;
    },

    async create(authorId: number, slug: string, body: string): Promise<Comment> {
      const id = await store.create((await articleRef(slug)).id, authorId, body);
      const comment = await store.find(id, authorId);
      if (!comment) throw new NotFound('comment');
      return comment;
    },

    async remove(userId: number, slug: string, id: number): Promise<void> {
      const authorId = await store.findAuthor((await articleRef(slug)).id, id);
      if (authorId === undefined) throw new NotFound('comment');
      if (authorId !== userId) throw new Forbidden('comment');
      await store.remove(id);
    },
  };
}
