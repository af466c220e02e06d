import { randomUUID } from 'node:crypto';
import { presignPost, type Credentials, type PresignedPost } from './presigned-post';

/**
 * Avatar uploads: the client asks for a form (POST /api/user/image), sends the picture straight to S3 with
 * it, then saves the returned `imageUrl` with PUT /api/user. The API never carries the bytes. S3 refuses
 * any upload the form's policy does not allow: another key, another content type, more than `maxBytes`,
 * or after `expiresInSeconds`.
 */

/** The pictures accepted, each with the extension its key ends with. No SVG: it can carry script. */
export const avatarTypes = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' } as const;
export type AvatarType = keyof typeof avatarTypes;

export const maxAvatarBytes = 2 * 1024 * 1024;
/** Long enough to pick and send a picture on a slow link, short enough that a leaked form soon expires. */
export const avatarFormSeconds = 300;
/** Every key is new, so what CloudFront and browsers keep never goes stale. */
const cacheControl = 'public, max-age=31536000, immutable';

export interface AvatarStorage {
  bucket: string;
  region: string;
  /** Where the form is sent (the bucket's regional endpoint; offline, the local S3 server). */
  uploadUrl: string;
  /** What the stored picture is read through (the stage's CloudFront domain), ending in `/`. */
  publicUrl: string;
}

export interface AvatarUpload extends PresignedPost {
  /** What to save as the user's `image` once the upload succeeded. */
  imageUrl: string;
  /** When the form stops being accepted (ISO 8601). */
  expiresAt: string;
  maxBytes: number;
}

/** The prefix every key of this user's pictures starts with. */
const avatarPrefix = (userId: number) => `avatars/${userId}/`;

export function avatarUploads(
  storage: AvatarStorage,
  credentials: () => Credentials,
  now: () => Date = () => new Date(),
) {
  return {
    /** A form for one picture of `contentType`, under the user's own prefix and a key never used before. */
    formFor(userId: number, contentType: AvatarType): AvatarUpload {
      const key = `${avatarPrefix(userId)}${randomUUID()}.${avatarTypes[contentType]}`;
      const issued = now();
      const form = presignPost({
        url: storage.uploadUrl,
        bucket: storage.bucket,
        key,
        region: storage.region,
        credentials: credentials(),
        fields: { 'Content-Type': contentType, 'Cache-Control': cacheControl },
        conditions: [['content-length-range', 1, maxAvatarBytes]],
        expiresInSeconds: avatarFormSeconds,
        now: issued,
      });
      return {
        ...form,
        imageUrl: `${storage.publicUrl}${key}`,
        expiresAt: new Date(issued.getTime() + avatarFormSeconds * 1000).toISOString(),
        maxBytes: maxAvatarBytes,
      };
    },
  };
}
