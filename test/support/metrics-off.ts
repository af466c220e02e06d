// Powertools Metrics writes its EMF lines straight to stdout, past Jest's console capture: off in tests,
// except where a test turns it on to read them (test/integration/server-errors.test.ts).
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
