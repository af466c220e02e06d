import { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { ConfigError } from '#lib/config/errors';
import { awsCredentials, loadAvatarSettings } from '#lib/config/env';
import { avatarUploads, maxAvatarBytes, type AvatarStorage } from '#lib/uploads/avatars';
import { presignPost, type Credentials } from '#lib/uploads/presigned-post';

const now = new Date('2026-12-01T12:34:56.789Z');
const longTerm: Credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const temporary: Credentials = { ...longTerm, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//token+with/slashes=' };

/** What the policy of a form says, decoded. */
function policyOf(fields: Record<string, string>): { expiration: string; conditions: unknown[] } {
  return JSON.parse(Buffer.from(fields.Policy!, 'base64').toString('utf8'));
}

describe('presignPost', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['long-term credentials', longTerm],
    ['temporary credentials (a Lambda role)', temporary],
  ])('signs the same form as @aws-sdk/s3-presigned-post, with %s', async (_, credentials) => {
    // Arrange
    jest.spyOn(Date, 'now').mockReturnValue(now.getTime());
    const fields = { 'Content-Type': 'image/png', 'Cache-Control': 'public, max-age=60' };
    const sdk = await createPresignedPost(new S3Client({ region: 'eu-west-1', credentials }), {
      Bucket: 'conduit-avatars',
      Key: 'avatars/7/picture.png',
      Fields: fields,
      Conditions: [['content-length-range', 1, 2048]],
      Expires: 300,
    });

    // Act
    const ours = presignPost({
      url: 'https://conduit-avatars.s3.eu-west-1.amazonaws.com/',
      bucket: 'conduit-avatars',
      key: 'avatars/7/picture.png',
      region: 'eu-west-1',
      credentials,
      fields,
      conditions: [['content-length-range', 1, 2048]],
      expiresInSeconds: 300,
      now,
    });

    // Assert
    expect(ours).toEqual(sdk);
    expect(policyOf(ours.fields).expiration).toBe('2026-12-01T12:39:56Z');
  });

  it('signs with the secret: another secret gives another signature', () => {
    // Arrange
    const request = {
      url: 'https://b.s3.eu-west-1.amazonaws.com/',
      bucket: 'b',
      key: 'k',
      region: 'eu-west-1',
      fields: {},
      conditions: [],
      expiresInSeconds: 60,
      now,
    };

    // Act
    const one = presignPost({ ...request, credentials: longTerm });
    const other = presignPost({ ...request, credentials: { ...longTerm, secretAccessKey: 'another' } });

    // Assert
    expect(one.fields.Policy).toBe(other.fields.Policy);
    expect(one.fields['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(one.fields['X-Amz-Signature']).not.toBe(other.fields['X-Amz-Signature']);
  });
});

describe('avatar upload forms', () => {
  const storage: AvatarStorage = {
    bucket: 'conduit-api-prod-avatars',
    region: 'eu-west-1',
    uploadUrl: 'https://conduit-api-prod-avatars.s3.eu-west-1.amazonaws.com/',
    publicUrl: 'https://d111111abcdef8.cloudfront.net/',
  };
  const uploads = avatarUploads(
    storage,
    () => temporary,
    () => now,
  );

  it("limits the upload to one new key under the user's prefix, the asked type, 1 byte to 2 MB, 5 minutes", () => {
    // Act
    const form = uploads.formFor(42, 'image/webp');

    // Assert
    const key = form.fields.key!;
    expect(key).toMatch(/^avatars\/42\/[0-9a-f-]{36}\.webp$/);
    expect(form.url).toBe(storage.uploadUrl);
    expect(form.imageUrl).toBe(`https://d111111abcdef8.cloudfront.net/${key}`);
    expect(form.expiresAt).toBe('2026-12-01T12:39:56.789Z');
    expect(form.maxBytes).toBe(maxAvatarBytes);
    expect(maxAvatarBytes).toBe(2 * 1024 * 1024);
    const policy = policyOf(form.fields);
    expect(policy.expiration).toBe('2026-12-01T12:39:56Z');
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['content-length-range', 1, 2 * 1024 * 1024],
        { bucket: 'conduit-api-prod-avatars' },
        { key },
        { 'Content-Type': 'image/webp' },
        { 'Cache-Control': 'public, max-age=31536000, immutable' },
        { 'X-Amz-Security-Token': temporary.sessionToken },
      ]),
    );
    // Every field the form carries is pinned by the policy (S3 refuses a form with a field it does not name).
    for (const [name, value] of Object.entries(form.fields))
      if (name !== 'Policy' && name !== 'X-Amz-Signature')
        expect(policy.conditions).toContainEqual({ [name]: value });
  });

  it('gives each form a key of its own, with the extension of its type', () => {
    // Act
    const keys = [
      uploads.formFor(1, 'image/jpeg'),
      uploads.formFor(1, 'image/jpeg'),
      uploads.formFor(1, 'image/png'),
    ].map((form) => form.fields.key);

    // Assert
    expect(new Set(keys).size).toBe(3);
    expect(keys.map((key) => key!.split('.').pop())).toEqual(['jpg', 'jpg', 'png']);
  });
});

describe('avatar settings', () => {
  const valid = {
    AVATAR_BUCKET: 'avatars',
    AVATAR_UPLOAD_URL: 'http://localhost:4569/avatars',
    AVATAR_PUBLIC_URL: 'https://cdn.example.com',
    AWS_REGION: 'eu-west-1',
  };

  it('ends both URLs with a slash, so a key can follow', () => {
    // Act
    const settings = loadAvatarSettings(valid);

    // Assert
    expect(settings).toEqual({
      bucket: 'avatars',
      region: 'eu-west-1',
      uploadUrl: 'http://localhost:4569/avatars/',
      publicUrl: 'https://cdn.example.com/',
    });
  });

  it('names what is missing or malformed, never a value', () => {
    // Act
    const attempt = () => loadAvatarSettings({ ...valid, AVATAR_BUCKET: '', AVATAR_PUBLIC_URL: 'ftp://cdn' });

    // Assert
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/AVATAR_BUCKET is not set; AVATAR_PUBLIC_URL must be an http\(s\) URL/);
  });

  it("reads the function's credentials, the session token when there is one", () => {
    // Act
    const role = awsCredentials({
      AWS_ACCESS_KEY_ID: 'A',
      AWS_SECRET_ACCESS_KEY: 'S',
      AWS_SESSION_TOKEN: 'T',
    });
    const none = () => awsCredentials({ AWS_ACCESS_KEY_ID: 'A' });

    // Assert
    expect(role).toEqual({ accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' });
    expect(none).toThrow(/AWS_SECRET_ACCESS_KEY is not set/);
  });
});
