import * as z from 'zod';
import { envelope, filter, limit, offset, text } from '#lib/http/schemas';

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
  tag: filter(64),
  author: filter(64),
  favorited: filter(64),
});

export type NewArticle = z.output<typeof NewArticle>['article'];
export type ArticleChanges = z.output<typeof ArticleUpdate>['article'];
