/**
 * Replaces iconv-lite in Lambda bundles (serverless.yml → custom.esbuild.alias). mysql2 needs it only for
 * character sets Node cannot decode itself; this service speaks utf8mb4 alone, so the ~480 KB of code
 * pages it would otherwise parse at every cold start are never used. Asking for one fails loudly.
 */
function unsupported(encoding: string): never {
  throw new Error(`character set ${encoding} is not bundled: connect with charset utf8mb4`);
}

export const getDecoder = unsupported;
export const getEncoder = unsupported;
