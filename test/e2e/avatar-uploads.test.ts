import { http, register } from '../support/http';

/** A PNG's first bytes, then filler up to `size`: storage checks the declared type and the size, not pixels. */
const png = (size: number) =>
  Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(Math.max(0, size - 8), 7)]);

interface UploadForm {
  url: string;
  fields: Record<string, string>;
  imageUrl: string;
  maxBytes: number;
}

async function askForForm(token: string, contentType = 'image/png'): Promise<UploadForm> {
  const response = await http.post('/api/user/image', { upload: { contentType } }, { token });
  expect(response.status).toBe(200);
  return response.body.upload;
}

/**
 * What a browser does with the form: every field as given (`change` replacing some, `extra` added after
 * them), then the file, as multipart/form-data.
 */
async function upload(
  form: UploadForm,
  file: Buffer,
  change: Record<string, string> = {},
  extra: [string, string][] = [],
) {
  const data = new FormData();
  for (const [name, value] of [...Object.entries({ ...form.fields, ...change }), ...extra])
    data.append(name, value);
  data.append('file', new Blob([file]), 'me.png');
  const response = await fetch(form.url, { method: 'POST', body: data });
  return { status: response.status, text: await response.text() };
}

describe('an avatar, from the form to the picture (local S3 server)', () => {
  it('asks for a form, uploads with it, saves the URL, and the picture is served as sent', async () => {
    const user = await register('avatar');
    const picture = png(64 * 1024);

    const form = await askForForm(user.token);
    const sent = await upload(form, picture);
    const saved = await http.put('/api/user', { user: { image: form.imageUrl } }, { token: user.token });
    const profile = await http.get(`/api/profiles/${user.username}`);
    const served = await fetch(profile.body.profile.image);

    expect(form.url).toBe(process.env.CONDUIT_E2E_S3);
    expect(sent.status).toBe(204);
    expect(saved.status).toBe(200);
    expect(saved.body.user.image).toBe(form.imageUrl);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await served.arrayBuffer()).equals(picture)).toBe(true);
  });

  it('takes a picture of exactly the largest size', async () => {
    const user = await register('avatar');
    const form = await askForForm(user.token, 'image/webp');

    const sent = await upload(form, png(form.maxBytes));

    expect(sent.status).toBe(204);
  });

  it.each([
    [
      'a file one byte over the limit',
      (form: UploadForm) => upload(form, png(form.maxBytes + 1)),
      400,
      'EntityTooLarge',
    ],
    ['an empty file', (form: UploadForm) => upload(form, Buffer.alloc(0)), 400, 'EntityTooSmall'],
    [
      'another content type than the form names',
      (form: UploadForm) => upload(form, png(1024), { 'Content-Type': 'text/html' }),
      403,
      'AccessDenied',
    ],
    [
      "a key under another user's prefix",
      (form: UploadForm) => upload(form, png(1024), { key: 'avatars/1/taken.png' }),
      403,
      'AccessDenied',
    ],
    [
      'a field the form does not name (a public ACL)',
      (form: UploadForm) => upload(form, png(1024), { acl: 'public-read' }),
      403,
      'AccessDenied',
    ],
    [
      'a second key field, spelled otherwise (`Key`)',
      (form: UploadForm) => upload(form, png(1024), {}, [['Key', 'avatars/1/taken.png']]),
      400,
      'InvalidArgument',
    ],
    [
      'a forged signature',
      (form: UploadForm) => upload(form, png(1024), { 'X-Amz-Signature': '0'.repeat(64) }),
      403,
      'SignatureDoesNotMatch',
    ],
  ])('refuses %s, and stores nothing under the key', async (_case, send, status, code) => {
    const user = await register('avatar');
    const form = await askForForm(user.token);

    const refused = await send(form);
    const stored = await fetch(form.imageUrl);

    expect(refused.status).toBe(status);
    expect(refused.text).toContain(`<Code>${code}</Code>`);
    expect(stored.status).toBe(404);
  });

  it('takes no other write than a signed form: an anonymous PUT is refused', async () => {
    const user = await register('avatar');
    const form = await askForForm(user.token);

    const put = await fetch(`${form.url}${form.fields.key}`, { method: 'PUT', body: png(1024) });
    const stored = await fetch(form.imageUrl);

    expect(put.status).toBe(403);
    expect(stored.status).toBe(404);
  });

  it('refuses an http image URL that is not on the avatar server', async () => {
    const user = await register('avatar');

    const response = await http.put(
      '/api/user',
      { user: { image: 'http://images.example.com/me.png' } },
      { token: user.token },
    );

    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual({ image: ['must be an https URL'] });
  });
});
