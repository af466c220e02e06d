import type { Profile } from '#lib/profiles/types';

/** An article as lists show it: everything but the body (RealWorld dropped list bodies in 2024). */
export interface ArticleSummary {
  slug: string;
  title: string;
  description: string;
  tagList: string[];
  createdAt: Date;
  updatedAt: Date;
  favorited: boolean;
  favoritesCount: number;
  author: Profile;
}

export interface Article extends ArticleSummary {
  body: string;
}

/** Enough of an article to check it exists and who owns it. */
export interface ArticleRef {
  id: number;
  authorId: number;
  slug: string;
}

export interface ArticleFilter {
  tag?: string;
  author?: string;
  /** Only articles this user (by username) has favorited. */
  favorited?: string;
  /** Only articles by authors this user follows (the feed). */
  followedBy?: number;
}

export interface Page {
  limit: number;
  offset: number;
}

export type ArticleQuery = ArticleFilter & Page;

export interface ArticleFields {
  slug: string;
  title: string;
  description: string;
  body: string;
  tagList: string[];
}

/** What a new article needs (the HTTP layer validates the request into this; see ./schemas.ts). */
export interface NewArticle {
  title: string;
  description: string;
  body: string;
  tagList?: string[];
}

/** The fields an update changes; `tagList` absent keeps the tags, `[]` clears them. */
export type ArticleChanges = Partial<Required<NewArticle>>;
