import * as z from 'zod/mini';
import { changesSomeField, envelope, filter, limit, offset, text } from '#lib/http/schemas';

export const maxTags = 20;

const fields = {
  title: text(255),
  description: text(1000),
  body: text(100_000),
  tagList: z.array(text(64)).check(z.maxLength(maxTags)),
};

export const NewArticle = envelope('article', z.object({ ...fields, tagList: z.optional(fields.tagList) }));

/** Every field optional; `tagList` absent keeps the tags, `[]` clears them, `null` is invalid. */
export const ArticleUpdate = envelope('article', z.partial(z.object(fields)).check(changesSomeField()));

export const FeedQuery = z.object({ limit, offset });

export const ListQuery = z.object({
  limit,
  offset,
  tag: filter(64),
  author: filter(64),
  favorited: filter(64),
});
