import * as z from 'zod/mini';
import { avatarPublicUrl } from '#lib/config/env';
import { changesSomeField, envelope, text, transformed } from '#lib/http/schemas';

export const username = text(64).check(
  z.regex(/^[\p{L}\p{N}_.-]+$/u, { error: "can only contain letters, digits, '_', '.' and '-'" }),
);
export const email = z.pipe(text(255), z.email());
/** Not trimmed: spaces are part of a passphrase. 8 to 128 characters. */
export const password = z.string().check(z.minLength(8), z.maxLength(128));

/** Optional profile text: "" and null both clear it. */
const clearable = <S extends z.core.$ZodType<string>>(schema: S) =>
  transformed(z.nullable(z.union([z.literal(''), schema])), (value) => value || null);

/**
 * A picture's URL: https, or under the stage's avatar CDN URL (offline: the local S3 server, on http). Never
 * http elsewhere (mixed content, and readable in transit), and never `javascript:` or `data:`.
 */
const isHttps = (url: string) => URL.parse(url)?.protocol === 'https:';
const onAvatarCdn = (url: string) => {
  const cdn = avatarPublicUrl();
  return cdn !== undefined && url.startsWith(cdn);
};
const imageUrl = z.url({ protocol: /^https?$/ }).check(
  z.maxLength(2048),
  z.refine((url) => isHttps(url) || onAvatarCdn(url), { error: 'must be an https URL' }),
);

export const NewUser = envelope('user', z.object({ username, email, password }));

export const Login = envelope(
  'user',
  z.object({
    email: z.string().check(z.trim(), z.minLength(1), z.maxLength(255)),
    password: z.string().check(z.minLength(1), z.maxLength(128)),
  }),
);

export const UserUpdate = envelope(
  'user',
  z
    .object({
      username: z.optional(username),
      email: z.optional(email),
      password: z.optional(password),
      bio: z.optional(clearable(z.string().check(z.trim(), z.maxLength(2000)))),
      image: z.optional(clearable(imageUrl)),
      emailNotifications: z.optional(z.boolean()),
    })
    .check(changesSomeField()),
);

/** Refresh tokens are 43 characters today; the cap only keeps junk from reaching the hash. */
export const RefreshRequest = z.object({
  refreshToken: z.string().check(z.trim(), z.minLength(1), z.maxLength(512)),
});
