import * as z from 'zod/mini';
import { envelope, text, transformed } from '#lib/http/schemas';

export const NewComment = envelope('comment', z.object({ body: text(10_000) }));

export const CommentPath = z.object({
  slug: text(400),
  id: transformed(z.string().check(z.regex(/^\d{1,15}$/, { error: 'must be a comment id' })), Number),
});
