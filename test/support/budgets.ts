/**
 * The performance budgets (README "Performance"), in one place for the benchmarks and the CI check.
 */

/** A function's first reply, as a multiple of a hello-world handler's in the same run (npm run bench:cold). */
export const coldStartRatio = 3.0;

/** The bundle size every function aims at: what a cold start reads and compiles. */
export const bundleTargetKb = 400;

/**
 * What CI lets no bundle grow past (test/deploy/bundles.test.ts): today's largest bundle with a little room
 * (issue 14's caching and page-policy middlewares are in every route's stack).
 * Above bundleTargetKb: README "Performance" says what reaching the target would cost.
 */
export const bundleCeilingKb = 445;

/**
 * Functions whose bundle is mostly the files they serve (the API reference inlines Swagger UI, ~1.9 MB): no
 * API request waits on their cold start, so the bundle budgets leave them out.
 */
export const servingFiles = ['apiReference'];
