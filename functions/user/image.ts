import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { AvatarUploadRequest } from '#lib/uploads/schemas';
import { avatars } from '#lib/wiring/services';

export const handler = route({ auth: 'required', body: AvatarUploadRequest }, async ({ body, user }) =>
  ok({ upload: avatars().formFor(user.id, body.upload.contentType) }),
);
