import type { ArticleRef } from '#lib/articles/types';
import { Forbidden, NotFound } from '#lib/errors';
import { commentService, type Comment, type CommentStore } from '#lib/comments/service';

interface Row {
  id: number;
  articleId: number;
  authorId: number;
  body: string;
}

/** A CommentStore over an array. */
class FakeCommentStore implements CommentStore {
  rows: Row[] = [];
  removed: number[] = [];
  /** When set, `find` loses the comment (as if deleted between the insert and the read). */
  loseOnFind = false;

  private view(row: Row): Comment {
    const at = new Date(0);
    return {
      id: row.id,
      body: row.body,
      createdAt: at,
      updatedAt: at,
      author: { username: `user${row.authorId}`, bio: null, image: null, following: false },
    };
  }

  async listOn(slug: string) {
    const article = articles.find((a) => a.slug === slug);
    return article && this.rows.filter((r) => r.articleId === article.id).map((r) => this.view(r));
  }

  async find(id: number) {
    const row = this.loseOnFind ? undefined : this.rows.find((r) => r.id === id);
    return row && this.view(row);
  }

  async findAuthor(articleId: number, id: number) {
    return this.rows.find((r) => r.id === id && r.articleId === articleId)?.authorId;
  }

  async create(articleId: number, authorId: number, body: string) {
    const id = this.rows.length + 1;
    this.rows.push({ id, articleId, authorId, body });
    return id;
  }

  async remove(id: number) {
    this.removed.push(id);
  }
}

const articles: ArticleRef[] = [
  { id: 10, authorId: 1, slug: 'first' },
  { id: 20, authorId: 1, slug: 'second' },
];

async function articleRef(slug: string): Promise<ArticleRef> {
  const article = articles.find((a) => a.slug === slug);
  if (!article) throw new NotFound('article');
  return article;
}

const commenter = 2;
const other = 3;

function setup() {
  const store = new FakeCommentStore();
  return { store, service: commentService(store, articleRef) };
}

describe('commentService.create', () => {
  it('stores the comment under the article and returns it', async () => {
    // Arrange
    const { store, service } = setup();

    // Act
    const comment = await service.create(commenter, 'first', 'Nice!');

    // Assert
    expect(comment).toMatchObject({ id: 1, body: 'Nice!', author: { username: `user${commenter}` } });
    expect(store.rows).toEqual([{ id: 1, articleId: 10, authorId: commenter, body: 'Nice!' }]);
  });

  it('answers NotFound(article) for a missing article and stores nothing', async () => {
    // Arrange
    const { store, service } = setup();

    // Act
    const attempt = service.create(commenter, 'missing', 'Nice!');

    // Assert
    await expect(attempt).rejects.toMatchObject({ errors: { article: ['not found'] } });
    expect(store.rows).toEqual([]);
  });

  it('answers NotFound(comment) when the new comment cannot be read back', async () => {
    // Arrange
    const { store, service } = setup();
    store.loseOnFind = true;

    // Act
    const attempt = service.create(commenter, 'first', 'Nice!');

    // Assert
    await expect(attempt).rejects.toMatchObject({ errors: { comment: ['not found'] } });
  });
});

describe('commentService.list', () => {
  it('lists only the comments of the article', async () => {
    // Arrange
    const { service } = setup();
    await service.create(commenter, 'first', 'on first');
    await service.create(commenter, 'second', 'on second');

    // Act
    const comments = await service.list('first');

    // Assert
    expect(comments.map((c) => c.body)).toEqual(['on first']);
  });

  it('answers NotFound(article) for a missing article', async () => {
    // Arrange
    const { service } = setup();

    // Act
    const attempt = service.list('missing');

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(NotFound);
  });
});

describe('commentService.remove', () => {
  it('removes the comment of its author', async () => {
    // Arrange
    const { store, service } = setup();
    const { id } = await service.create(commenter, 'first', 'mine');

    // Act
    await service.remove(commenter, 'first', id);

    // Assert
    expect(store.removed).toEqual([id]);
  });

  it('refuses someone else with Forbidden(comment), even the article author', async () => {
    // Arrange
    const { store, service } = setup();
    const { id } = await service.create(commenter, 'first', 'mine');

    // Act
    const byOther = service.remove(other, 'first', id);
    const byArticleAuthor = service.remove(1, 'first', id);

    // Assert
    await expect(byOther).rejects.toBeInstanceOf(Forbidden);
    await expect(byArticleAuthor).rejects.toMatchObject({ errors: { comment: ['forbidden'] } });
    expect(store.removed).toEqual([]);
  });

  it('answers NotFound(comment) for an unknown id', async () => {
    // Arrange
    const { store, service } = setup();

    // Act
    const attempt = service.remove(commenter, 'first', 99);

    // Assert
    await expect(attempt).rejects.toMatchObject({ errors: { comment: ['not found'] } });
    expect(store.removed).toEqual([]);
  });

  it('answers NotFound(comment) for a comment of another article', async () => {
    // Arrange
    const { store, service } = setup();
    const { id } = await service.create(commenter, 'second', 'elsewhere');

    // Act
    const attempt = service.remove(commenter, 'first', id);

    // Assert
    await expect(attempt).rejects.toMatchObject({ errors: { comment: ['not found'] } });
    expect(store.removed).toEqual([]);
  });

  it('checks the article before the comment', async () => {
    // Arrange
    const { service } = setup();
    const { id } = await service.create(commenter, 'first', 'mine');

    // Act
    const attempt = service.remove(other, 'missing', id);

    // Assert
    await expect(attempt).rejects.toMatchObject({ errors: { article: ['not found'] } });
  });
});
