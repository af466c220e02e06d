import { suffixPattern } from '#lib/unique-names';

const maxBaseLength = 200;

/** "How to Train Your Dragon!" → "how-to-train-your-dragon"; letters of any script survive, accents do not. */
export function slugify(title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-');
  // Cut by code point: a cut inside a surrogate pair leaves a lone surrogate that utf8mb4 cannot store.
  const slug = Array.from(words)
    .slice(0, maxBaseLength)
    .join('')
    .replace(/^-+|-+$/g, '');
  return slug || 'article';
}

/** The slug minus a suffix `withSuffix` may have added, to tell whether a new title changes it. */
export function isSlugOf(slug: string, title: string): boolean {
  const base = slugify(title);
  return (
    slug === base || new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${suffixPattern}$`).test(slug)
  );
}
