import * as z from 'zod';
import { envelope, limit, offset, text } from '#lib/http/schemas';

export const maxTags = 20;

const fields = {
  title: text(255),
  description: text(1000),
  body: text(100_000),
  tagList: z.array(text(64)).max(maxTags),
};

export const NewArticle = envelope('article', z.object({ ...fields, tagList: fields.tagList.optional() }));

/** Every field optional; `tagList` absent keeps the tags, `[]` clears them, `null` is invalid. */
export const ArticleUpdate = envelope(
  'article',
  z
    .object(fields)
    .partial()
    .refine((article) => Object.values(article).some((value) => value !== undefined), {
      error: 'must change at least one field',
    }),
);

export const FeedQuery = z.object({ limit, offset });

export const ListQuery = z.object({
  limit,
  offset,
  tag: text(64).optional(),
  author: text(64).optional(),
  favorited: text(64).optional(),
});
