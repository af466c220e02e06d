import { closeDatabase } from '#db/client';
import { api } from '../support/api';
import { createArticle, registerUser, unique, type TestUser } from '../support/fixtures';

afterAll(closeDatabase);

const isoMillis = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const articleNotFound = { errors: { article: ['not found'] } };
const commentNotFound = { errors: { comment: ['not found'] } };

async function addComment(user: TestUser, slug: string, body = unique('comment ')) {
  const response = await api.post(
    `/api/articles/${slug}/comments`,
    { comment: { body } },
    { token: user.token },
  );
  if (response.status !== 201) throw new Error(`comment failed: ${response.status} ${response.raw}`);
  return response.body.comment;
}

describe('POST /api/articles/:slug/comments', () => {
  test('creates a comment, 201, with a numeric id and its author', async () => {
    const jake = await registerUser();
    const commenter = await registerUser();
    const { slug } = await createArticle(jake.token);

    const response = await api.post(
      `/api/articles/${slug}/comments`,
      { comment: { body: 'His name was my name too.' } },
      { token: commenter.token },
    );

    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body.comment).toEqual({
      id: expect.any(Number),
      body: 'His name was my name too.',
      createdAt: expect.stringMatching(isoMillis),
      updatedAt: expect.stringMatching(isoMillis),
      author: { username: commenter.username, bio: null, image: null, following: false },
    });
    expect(Number.isInteger(response.body.comment.id)).toBe(true);
  });

  test('a blank body is 422 keyed body', async () => {
    const jake = await registerUser();
    const { slug } = await createArticle(jake.token);

    const blank = await api.post(
      `/api/articles/${slug}/comments`,
      { comment: { body: '  ' } },
      { token: jake.token },
    );
    const missing = await api.post(`/api/articles/${slug}/comments`, { comment: {} }, { token: jake.token });

    expect(blank.status).toBe(422);
    expect(blank.body).toEqual({ errors: { body: ["can't be blank"] } });
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({ errors: { body: ["can't be blank"] } });
    expect((await api.get(`/api/articles/${slug}/comments`)).body.comments).toEqual([]);
  });

  test('requires a token', async () => {
    const jake = await registerUser();
    const { slug } = await createArticle(jake.token);

    const response = await api.post(`/api/articles/${slug}/comments`, { comment: { body: 'anonymous' } });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: { token: ['is missing'] } });
  });

  test('on a missing article is 404 article', async () => {
    const jake = await registerUser();

    const response = await api.post(
      `/api/articles/${unique('missing-')}/comments`,
      { comment: { body: 'lost' } },
      { token: jake.token },
    );

    expect(response.status).toBe(404);
    expect(response.body).toEqual(articleNotFound);
  });

  test('on a deleted article is 404 article', async () => {
    const jake = await registerUser();
    const { slug } = await createArticle(jake.token);
    await api.delete(`/api/articles/${slug}`, { token: jake.token });

    const response = await api.post(
      `/api/articles/${slug}/comments`,
      { comment: { body: 'late' } },
      { token: jake.token },
    );

    expect(response.status).toBe(404);
    expect(response.body).toEqual(articleNotFound);
  });
});

describe('GET /api/articles/:slug/comments', () => {
  test('anyone can list an article’s comments, and only that article’s', async () => {
    const jake = await registerUser();
    const commenter = await registerUser();
    const { slug } = await createArticle(jake.token);
    const other = await createArticle(jake.token);
    const first = await addComment(commenter, slug, 'first');
    const second = await addComment(jake, slug, 'second');
    await addComment(commenter, other.slug, 'elsewhere');

    const response = await api.get(`/api/articles/${slug}/comments`);

    expect(response.status).toBe(200);
    // The spec fixes no order for comments; compare them as a set.
    expect(response.body.comments).toHaveLength(2);
    expect(response.body.comments).toEqual(expect.arrayContaining([first, second]));
  });

  test('with a token, following is the reader’s', async () => {
    const jake = await registerUser();
    const commenter = await registerUser();
    const reader = await registerUser();
    const { slug } = await createArticle(jake.token);
    await addComment(commenter, slug);
    await api.post(`/api/profiles/${commenter.username}/follow`, undefined, { token: reader.token });

    const asReader = await api.get(`/api/articles/${slug}/comments`, { token: reader.token });
    const asAnonymous = await api.get(`/api/articles/${slug}/comments`);

    expect(asReader.status).toBe(200);
    expect(asReader.body.comments).toHaveLength(1);
    expect(asReader.body.comments[0].author).toEqual({
      username: commenter.username,
      bio: null,
      image: null,
      following: true,
    });
    expect(asAnonymous.body.comments[0].author.following).toBe(false);
  });

  test('an article without comments has an empty list', async () => {
    const jake = await registerUser();
    const { slug } = await createArticle(jake.token);

    const response = await api.get(`/api/articles/${slug}/comments`);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ comments: [] });
  });

  test('a missing article is 404 article', async () => {
    const response = await api.get(`/api/articles/${unique('missing-')}/comments`);

    expect(response.status).toBe(404);
    expect(response.body).toEqual(articleNotFound);
  });
});

describe('DELETE /api/articles/:slug/comments/:id', () => {
  test('the author deletes a comment: 204 with an empty body; it leaves the list', async () => {
    const jake = await registerUser();
    const { slug } = await createArticle(jake.token);
    const kept = await addComment(jake, slug);
    const doomed = await addComment(jake, slug);

    const response = await api.delete(`/api/articles/${slug}/comments/${doomed.id}`, { token: jake.token });

    expect(response.status).toBe(204);
    expect(response.raw).toBe('');
    expect((await api.get(`/api/articles/${slug}/comments`)).body.comments).toEqual([kept]);
    const again = await api.delete(`/api/articles/${slug}/comments/${doomed.id}`, { token: jake.token });
    expect(again.status).toBe(404);
    expect(again.body).toEqual(commentNotFound);
  });

  test('someone else’s comment is 403 and survives, even for the article’s author', async () => {
    const jake = await registerUser();
    const commenter = await registerUser();
    const { slug } = await createArticle(jake.token);
    const comment = await addComment(commenter, slug);

    const response = await api.delete(`/api/articles/${slug}/comments/${comment.id}`, { token: jake.token });

    expect(response.status).toBe(403);
    expect(response.body).toEqual({ errors: { comment: ['forbidden'] } });
    expect((await api.get(`/api/articles/${slug}/comments`)).body.comments).toEqual([comment]);
  });

  test('a comment of another article is 404 and survives', async () => {
    const jake = await registerUser();
    const { slug } = await createArticle(jake.token);
    const other = await createArticle(jake.token);
    const comment = await addComment(jake, other.slug);

    const response = await api.delete(`/api/articles/${slug}/comments/${comment.id}`, { token: jake.token });

    expect(response.status).toBe(404);
    expect(response.body).toEqual(commentNotFound);
    expect((await api.get(`/api/articles/${other.slug}/comments`)).body.comments).toEqual([comment]);
  });

  test('an id that does not exist is 404 comment', async () => {
    const jake = await registerUser();
    const { slug } = await createArticle(jake.token);
    const comment = await addComment(jake, slug);

    const response = await api.delete(`/api/articles/${slug}/comments/${comment.id + 1_000_000}`, {
      token: jake.token,
    });

    expect(response.status).toBe(404);
    expect(response.body).toEqual(commentNotFound);
  });

  test.each(['abc', '1.5', '-1', '99999999999999999999999'])(
    'a non-numeric or out-of-range id (%s) is 404 or 422, never 5xx',
    async (id) => {
      const jake = await registerUser();
      const { slug } = await createArticle(jake.token);

      const response = await api.delete(`/api/articles/${slug}/comments/${id}`, { token: jake.token });

      expect([404, 422]).toContain(response.status);
      expect(response.body.errors).toBeDefined();
    },
  );

  test('a missing article is 404 article, before the comment is looked at', async () => {
    const jake = await registerUser();
    const { slug } = await createArticle(jake.token);
    const comment = await addComment(jake, slug);

    const response = await api.delete(`/api/articles/${unique('missing-')}/comments/${comment.id}`, {
      token: jake.token,
    });

    expect(response.status).toBe(404);
    expect(response.body).toEqual(articleNotFound);
  });

  test('without a token is 401, even for a missing article', async () => {
    const response = await api.delete(`/api/articles/${unique('missing-')}/comments/1`);

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: { token: ['is missing'] } });
  });
});
