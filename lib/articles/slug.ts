import { randomBytes } from 'node:crypto';

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

/** Disambiguates a taken slug: 6 base-36 characters make a repeat collision vanishingly rare. */
export function withSuffix(base: string): string {
  const suffix = BigInt(`0x${randomBytes(5).toString('hex')}`)
    .toString(36)
    .padStart(6, '0')
    .slice(-6);
  return `${base}-${suffix}`;
}

/** The slug minus a suffix `withSuffix` may have added, to tell whether a new title changes it. */
export function isSlugOf(slug: string, title: string): boolean {
  const base = slugify(title);
  return (
    slug === base || new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9a-z]{6}$`).test(slug)
  );
}
