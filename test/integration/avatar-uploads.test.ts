import { decodeJwt } from 'jose';
import { closeDatabase } from '#db/client';
import { api } from '../support/api';
import { startNewContainer } from '../support/container';
import { registerUser } from '../support/fixtures';

/** The stage's avatar settings as serverless.yml gives them to the two functions that read them. */
const stage = {
  AVATAR_BUCKET: 'conduit-api-test-avatars',
  AVATAR_UPLOAD_URL: 'https://conduit-api-test-avatars.s3.eu-west-1.amazonaws.com/',
  AVATAR_PUBLIC_URL: 'https://avatars.conduit.test/',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'ASIATESTROLEKEY',
  AWS_SECRET_ACCESS_KEY: 'role-secret',
  AWS_SESSION_TOKEN: 'role-session-token',
};
const saved = Object.fromEntries(Object.keys(stage).map((name) => [name, process.env[name]]));

beforeAll(async () => {
  Object.assign(process.env, stage);
  await startNewContainer();
});
afterAll(async () => {
  for (const [name, value] of Object.entries(saved))
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  await closeDatabase();
});

const policyOf = (fields: Record<string, string>) =>
  JSON.parse(Buffer.from(fields.Policy!, 'base64').toString('utf8')) as { conditions: unknown[] };

describe('POST /api/user/image', () => {
  test.each(['image/jpeg', 'image/png', 'image/webp'])(
    "gives a form for a %s under the user's prefix, and its CDN URL",
    async (contentType) => {
      const jake = await registerUser();
      const userId = decodeJwt(jake.token).sub;

      const response = await api.post('/api/user/image', { upload: { contentType } }, { token: jake.token });

      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      const { url, fields, imageUrl, maxBytes, expiresAt } = response.body.upload;
      expect(url).toBe(stage.AVATAR_UPLOAD_URL);
      expect(fields.key).toMatch(new RegExp(`^avatars/${userId}/[0-9a-f-]{36}\\.(jpg|png|webp)$`));
      expect(imageUrl).toBe(`${stage.AVATAR_PUBLIC_URL}${fields.key}`);
      expect(maxBytes).toBe(2 * 1024 * 1024);
      expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(4 * 60 * 1000);
      expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60 * 1000);
      expect(fields).toMatchObject({
        'Content-Type': contentType,
        bucket: stage.AVATAR_BUCKET,
        'X-Amz-Security-Token': stage.AWS_SESSION_TOKEN,
      });
      expect(fields['X-Amz-Credential']).toMatch(/^ASIATESTROLEKEY\/\d{8}\/eu-west-1\/s3\/aws4_request$/);
      expect(policyOf(fields).conditions).toContainEqual(['content-length-range', 1, 2 * 1024 * 1024]);
      expect(response.raw).not.toContain(stage.AWS_SECRET_ACCESS_KEY);
    },
  );

  test.each([
    ['SVG (it can carry script)', { contentType: 'image/svg+xml' }],
    ['GIF', { contentType: 'image/gif' }],
    ['no type', {}],
  ])('refuses %s with 422 on contentType', async (_case, upload) => {
    const jake = await registerUser();

    const response = await api.post('/api/user/image', { upload }, { token: jake.token });

    expect(response.status).toBe(422);
    expect(response.body.errors.contentType).toEqual(['must be one of image/jpeg, image/png, image/webp']);
  });

  test('needs a signed-in user', async () => {
    const response = await api.post('/api/user/image', { upload: { contentType: 'image/png' } });

    expect(response.status).toBe(401);
  });
});

describe('PUT /api/user image', () => {
  test.each([
    ['an https URL anywhere', 'https://images.example.com/me.png'],
    ['a URL on the avatar CDN', 'https://avatars.conduit.test/avatars/1/x.png'],
  ])('accepts %s', async (_case, image) => {
    const jake = await registerUser();

    const response = await api.put('/api/user', { user: { image } }, { token: jake.token });

    expect(response.status).toBe(200);
    expect(response.body.user.image).toBe(image);
  });

  test.each([
    ['http', 'http://images.example.com/me.png'],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:image/png;base64,iVBORw0KGgo='],
    ['ftp', 'ftp://images.example.com/me.png'],
  ])('refuses %s with 422 and keeps the image it had', async (_case, image) => {
    const jake = await registerUser();
    const before = 'https://images.example.com/before.png';
    await api.put('/api/user', { user: { image: before } }, { token: jake.token });

    const response = await api.put('/api/user', { user: { image } }, { token: jake.token });

    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual(['image']);
    const current = await api.get('/api/user', { token: jake.token });
    expect(current.body.user.image).toBe(before);
  });

  test('accepts http under the avatar URL when the stage serves it so (offline)', async () => {
    process.env.AVATAR_PUBLIC_URL = 'http://localhost:4569/avatars';
    await startNewContainer();
    try {
      const jake = await registerUser();

      const local = await api.put(
        '/api/user',
        { user: { image: 'http://localhost:4569/avatars/avatars/1/x.png' } },
        { token: jake.token },
      );
      const elsewhere = await api.put(
        '/api/user',
        { user: { image: 'http://localhost:4569/other/x.png' } },
        { token: jake.token },
      );

      expect(local.status).toBe(200);
      expect(elsewhere.status).toBe(422);
    } finally {
      process.env.AVATAR_PUBLIC_URL = stage.AVATAR_PUBLIC_URL;
      await startNewContainer();
    }
  });
});
