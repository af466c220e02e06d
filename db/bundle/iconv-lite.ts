/**
 * Replaces iconv-lite in Lambda bundles (serverless.yml → custom.esbuild.alias). mysql2 needs it only for
 * character sets Node cannot decode itself; this service speaks utf8mb4 alone, so the ~480 KB of code
 * pages it would otherwise parse at every cold start are never used. Asking for one fails loudly.
 */
function unsupported(encoding: string): never {
  throw new Error(`character set ${encoding} is not bundled: connect with charset utf8mb4`);
}

// mysql2 decodes utf8mb3 (charset 33, e.g. MariaDB's result metadata) as `cesu8`: utf8mb3 holds no 4-byte
// characters, so that is plain UTF-8.
const utf8Decoder = { write: (buffer: Buffer) => buffer.toString('utf8'), end: () => '' };
export const getDecoder = (encoding: string) => (encoding === 'cesu8' ? utf8Decoder : unsupported(encoding));
export const getEncoder = unsupported;
