import { closeDatabase } from '#db/client';
import { api } from '../support/api';
import { createArticle, registerUser, unique } from '../support/fixtures';

afterAll(closeDatabase);

async function tags(): Promise<string[]> {
  const response = await api.get('/api/tags');
  if (response.status !== 200) throw new Error(`tags failed: ${response.status} ${response.raw}`);
  return response.body.tags;
}

describe('GET /api/tags', () => {
  test('returns every tag in use, with no top-N cut', async () => {
    const jake = await registerUser();
    const prefix = unique('every-');
    const names = Array.from({ length: 30 }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
    for (let i = 0; i < names.length; i += 6) {
      await createArticle(jake.token, { tagList: names.slice(i, i + 6) });
    }

    const response = await api.get('/api/tags');

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body).toEqual({ tags: expect.any(Array) });
    expect(response.body.tags.length).toBeGreaterThanOrEqual(names.length);
    expect(response.body.tags).toEqual(expect.arrayContaining(names));
  });

  test('lists a tag used by several articles once', async () => {
    const jake = await registerUser();
    const shared = unique('shared-');
    await createArticle(jake.token, { tagList: [shared] });
    await createArticle(jake.token, { tagList: [shared, unique('solo-')] });

    const all = await tags();

    expect(all.filter((tag) => tag === shared)).toEqual([shared]);
  });

  test('tags only on deleted articles disappear; tags still in use stay', async () => {
    const jake = await registerUser();
    const gone = unique('gone-');
    const kept = unique('kept-');
    const doomed = await createArticle(jake.token, { tagList: [gone, kept] });
    await createArticle(jake.token, { tagList: [kept] });
    expect(await tags()).toEqual(expect.arrayContaining([gone, kept]));

    const deleted = await api.delete(`/api/articles/${doomed.slug}`, { token: jake.token });
    const after = await tags();

    expect(deleted.status).toBe(204);
    expect(after).not.toContain(gone);
    expect(after).toContain(kept);
  });

  test('tags removed from an article by an update disappear', async () => {
    const jake = await registerUser();
    const dropped = unique('dropped-');
    const { slug } = await createArticle(jake.token, { tagList: [dropped] });

    const updated = await api.put(
      `/api/articles/${slug}`,
      { article: { tagList: [] } },
      { token: jake.token },
    );
    const after = await tags();

    expect(updated.status).toBe(200);
    expect(after).not.toContain(dropped);
  });
});
