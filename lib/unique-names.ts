import { randomBytes } from 'node:crypto';
import { Conflict } from '#lib/errors';

/** What withSuffix appends: a `-` and 6 base-36 characters (a regular expression source). */
export const suffixPattern = '-[0-9a-z]{6}';

/** `base` with a random suffix, for when the plain name is taken: `my-title-k3x9a2`, `jake.doe-0f4c1z`. */
export function withSuffix(base: string): string {
  const suffix = BigInt(`0x${randomBytes(5).toString('hex')}`)
    .toString(36)
    .padStart(6, '0')
    .slice(-6);
  return `${base}-${suffix}`;
}

/**
 * Saves under `base`, else under suffixed copies of it, `attempts` tries in all. The unique index decides (a
 * Conflict on `field`), never a read beforehand, so two writers racing for one name cannot both get it; 6
 * random base-36 characters make a repeat collision vanishingly rare.
 */
export async function saveUnderFreeName<T>(
  base: string,
  field: string,
  save: (name: string) => Promise<T>,
  attempts = 5,
): Promise<{ name: string; saved: T }> {
  for (let attempt = 1; ; attempt++) {
    const name = attempt === 1 ? base : withSuffix(base);
    try {
      return { name, saved: await save(name) };
    } catch (error) {
      if (!(error instanceof Conflict && error.errors[field]) || attempt >= attempts) throw error;
    }
  }
}
