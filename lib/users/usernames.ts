/** Room left under the 64-character limit for a `-` and a suffix when the plain name is taken. */
const maxBase = 56;

/**
 * A username for a new account from a provider's profile: the display name, else the e-mail's local part,
 * reduced to what usernames allow (letters, digits, '_', '.', '-'), e.g. "Jake Doe" → "jake.doe".
 */
export function usernameFrom({ name, email }: { name?: string; email?: string }): string {
  for (const source of [name, email?.split('@')[0]]) {
    const candidate = (source ?? '')
      .normalize('NFKC')
      .toLowerCase()
      .replace(/\s+/gu, '.')
      .replace(/[^\p{L}\p{N}_.-]/gu, '')
      .replace(/([._-])[._-]+/g, '$1')
      .replace(/^[._-]+|[._-]+$/g, '')
      .slice(0, maxBase)
      .replace(/[._-]+$/, '');
    if (candidate) return candidate;
  }
  return 'user';
}
