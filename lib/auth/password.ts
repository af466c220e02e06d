import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// OWASP's scrypt floor (N=2^17, r=8, p=1) needs 128 MiB; N=2^15 keeps ~32 MiB and ~60 ms on a small
// Lambda while staying far above brute-force comfort. Parameters are stored per hash so they can rise.
export const params = { N: 2 ** 15, r: 8, p: 1 };
const keyLength = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFKC'),
      salt,
      keyLength,
      { ...options, maxmem: 64 * 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash`, base64url parts. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  let actual: Buffer;
  try {
    actual = await derive(password, Buffer.from(salt, 'base64url'), {
      N: Number(N),
      r: Number(r),
      p: Number(p),
    });
  } catch {
    // Parameters scrypt refuses (not numbers, N not a power of two, over the memory cap): a corrupt hash
    // matches no password, it is not a server failure.
    return false;
  }
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * What login verifies against when the e-mail is unknown, so that path costs one scrypt with the current
 * parameters, like a wrong password does. It is the hash of random bytes nobody kept; a unit test keeps
 * its parameters equal to the ones new hashes get.
 */
export const decoyHash =
  'scrypt$32768$8$1$dbPYajugcTADSf4YepxUZQ$UXI78gnVAU2rqt_b6LXWbltwDvIl1tXVK7FFbh1t0zM';
