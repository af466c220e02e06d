import { decoyHash, hashPassword, params, verifyPassword } from '#lib/auth/password';

describe('hashPassword', () => {
  it('produces scrypt$N$r$p$salt$hash with base64url salt and hash', async () => {
    // Act
    const hash = await hashPassword('correct horse battery staple');

    // Assert
    const [scheme, N, r, p, salt, key] = hash.split('$');
    expect(scheme).toBe('scrypt');
    expect(Number(N)).toBeGreaterThanOrEqual(2 ** 14);
    expect(Number(r)).toBeGreaterThanOrEqual(8);
    expect(Number(p)).toBeGreaterThanOrEqual(1);
    expect(Buffer.from(salt ?? '', 'base64url')).toHaveLength(16);
    expect(Buffer.from(key ?? '', 'base64url')).toHaveLength(32);
    expect(`${salt}${key}`).toMatch(/^[\w-]+$/);
    expect(hash).not.toContain('correct horse');
  });

  it('uses a fresh salt for every hash of the same password', async () => {
    // Act
    const [first, second] = await Promise.all([hashPassword('same-password'), hashPassword('same-password')]);

    // Assert
    expect(first).not.toBe(second);
    expect(first.split('$')[4]).not.toBe(second.split('$')[4]);
  });
});

describe('verifyPassword', () => {
  let stored: string;
  beforeAll(async () => {
    stored = await hashPassword('correct horse battery staple');
  });

  it('accepts the password that was hashed', async () => {
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
  });

  it.each([
    'correct horse battery stapl',
    'Correct horse battery staple',
    '',
    'correct horse battery staple ',
  ])('rejects another password (%p)', async (attempt) => {
    expect(await verifyPassword(attempt, stored)).toBe(false);
  });

  it('accepts a password typed in another Unicode normal form', async () => {
    // Arrange: "é" precomposed when hashed, decomposed when typed
    const hash = await hashPassword('caf\u00e9-password');

    // Act
    const result = await verifyPassword('cafe\u0301-password', hash);

    // Assert
    expect(result).toBe(true);
  });

  it.each([
    ['empty', () => ''],
    ['plain text', () => 'correct horse battery staple'],
    ['another scheme', (s: string) => s.replace(/^scrypt/, 'bcrypt')],
    ['missing salt', (s: string) => s.split('$').toSpliced(4, 1, '').join('$')],
    ['missing hash', (s: string) => s.split('$').slice(0, 5).join('$')],
    ['truncated hash', (s: string) => s.slice(0, -4)],
    ['non-numeric N', (s: string) => s.split('$').toSpliced(1, 1, 'abc').join('$')],
    ['N not a power of two', (s: string) => s.split('$').toSpliced(1, 1, '1000').join('$')],
    [
      'huge N',
      (s: string) =>
        s
          .split('$')
          .toSpliced(1, 1, String(2 ** 30))
          .join('$'),
    ],
    ['negative r', (s: string) => s.split('$').toSpliced(2, 1, '-8').join('$')],
  ])('answers false, without throwing, for a malformed stored hash (%s)', async (_case, malform) => {
    // Arrange
    const malformed = malform(stored);

    // Act
    const result = verifyPassword('correct horse battery staple', malformed);

    // Assert
    await expect(result).resolves.toBe(false);
  });
});

describe('decoyHash', () => {
  it('costs what a real hash costs: the same scrypt parameters as new hashes', async () => {
    // Arrange
    const fresh = await hashPassword('any password at all');

    // Act
    const decoyParams = decoyHash.split('$').slice(1, 4);

    // Assert
    expect(decoyParams).toEqual(fresh.split('$').slice(1, 4));
    expect(decoyParams).toEqual([params.N, params.r, params.p].map(String));
  });

  it('matches no likely password', async () => {
    await expect(verifyPassword('', decoyHash)).resolves.toBe(false);
    await expect(verifyPassword('password123', decoyHash)).resolves.toBe(false);
  });
});
