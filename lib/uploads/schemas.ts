import * as z from 'zod/mini';
import { envelope } from '#lib/http/schemas';
import { avatarTypes, type AvatarType } from './avatars';

const types = Object.keys(avatarTypes) as [AvatarType, ...AvatarType[]];

/** POST /api/user/image: `{"upload": {"contentType": "image/png"}}`. */
export const AvatarUploadRequest = envelope(
  'upload',
  z.object({ contentType: z.enum(types, { error: `must be one of ${types.join(', ')}` }) }),
);
