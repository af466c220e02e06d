import { closeDatabase } from '#db/client';
import { api } from '../support/api';
import { createArticle, registerUser } from '../support/fixtures';

afterAll(closeDatabase);

test('a user registers, writes an article, and reads it back', async () => {
  const jake = await registerUser();
  const article = await createArticle(jake.token, { tagList: ['b', 'a'] });
  const response = await api.get(`/api/articles/${article.slug}`);
  expect(response.status).toBe(200);
  expect(response.body.article).toMatchObject({
    slug: article.slug,
    tagList: ['a', 'b'],
    author: { username: jake.username },
  });
});
