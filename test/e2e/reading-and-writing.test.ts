import { http, register, segment, unique } from '../support/http';

describe('a reader and an author over HTTP', () => {
  it('registers, logs in, publishes, comments, favorites and sees the article in a follower feed', async () => {
    // Arrange: two accounts.
    const author = await register('author');
    const reader = await register('reader');

    // Act + assert, step by step as a client app would go.
    const login = await http.post('/api/users/login', {
      user: { email: author.email, password: author.password },
    });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ username: author.username, email: author.email, bio: null });
    const token: string = login.body.user.token;

    const me = await http.get('/api/user', { token });
    expect(me.status).toBe(200);
    expect(me.body.user.username).toBe(author.username);

    const title = unique('A story ');
    const created = await http.post(
      '/api/articles',
      {
        article: { title, description: 'Told over HTTP', body: 'Once upon a time', tagList: ['http', 'e2e'] },
      },
      { token },
    );
    expect(created.status).toBe(201);
    expect(created.body.article).toMatchObject({ title, tagList: ['e2e', 'http'], favoritesCount: 0 });
    const slug: string = created.body.article.slug;

    const comment = await http.post(
      `/api/articles/${segment(slug)}/comments`,
      { comment: { body: 'Loved it' } },
      { token: reader.token },
    );
    expect(comment.status).toBe(201);
    expect(comment.body.comment).toMatchObject({ body: 'Loved it', author: { username: reader.username } });

    const favorite = await http.post(`/api/articles/${segment(slug)}/favorite`, undefined, {
      token: reader.token,
    });
    expect(favorite.status).toBe(200);
    expect(favorite.body.article).toMatchObject({ favorited: true, favoritesCount: 1 });

    const follow = await http.post(`/api/profiles/${segment(author.username)}/follow`, undefined, {
      token: reader.token,
    });
    expect(follow.status).toBe(200);
    expect(follow.body.profile).toEqual({
      username: author.username,
      bio: null,
      image: null,
      following: true,
    });

    const feed = await http.get('/api/articles/feed', { token: reader.token });
    expect(feed.status).toBe(200);
    expect(feed.body.articlesCount).toBe(1);
    expect(feed.body.articles).toHaveLength(1);
    expect(feed.body.articles[0]).toMatchObject({
      slug,
      favorited: true,
      favoritesCount: 1,
      author: { username: author.username, following: true },
    });
    expect(feed.body.articles[0]).not.toHaveProperty('body');

    const comments = await http.get(`/api/articles/${segment(slug)}/comments`);
    expect(comments.status).toBe(200);
    expect(comments.body.comments.map((c: { body: string }) => c.body)).toEqual(['Loved it']);
  });

  it('answers 401 with the token envelope when a protected route gets no token', async () => {
    const response = await http.get('/api/articles/feed');

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: { token: ['is missing'] } });
  });
});
