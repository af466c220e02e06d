import * as z from 'zod';
import { envelope, text } from '#lib/http/schemas';

export const username = text(64).regex(/^[\p{L}\p{N}_.-]+$/u, {
  error: "can only contain letters, digits, '_', '.' and '-'",
});
export const email = text(255).pipe(z.email());
/** Not trimmed: spaces are part of a passphrase. 8 to 128 characters. */
export const password = z.string().min(8).max(128);

/** Optional profile text: "" and null both clear it. */
const clearable = <S extends z.ZodType<string>>(schema: S) =>
  z
    .union([z.literal(''), schema])
    .nullable()
    .transform((value) => value || null);

export const NewUser = envelope('user', z.object({ username, email, password }));

export const Login = envelope(
  'user',
  z.object({ email: z.string().trim().min(1).max(255), password: z.string().min(1).max(128) }),
);

export const UserUpdate = envelope(
  'user',
  z
    .object({
      username: username.optional(),
      email: email.optional(),
      password: password.optional(),
      bio: clearable(z.string().trim().max(2000)).optional(),
      image: clearable(z.url({ protocol: /^https?$/ }).max(2048)).optional(),
    })
    .refine((user) => Object.values(user).some((value) => value !== undefined), {
      error: 'must change at least one field',
    }),
);

export type Registration = z.output<typeof NewUser>['user'];
export type UserChanges = z.output<typeof UserUpdate>['user'];
