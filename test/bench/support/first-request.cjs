// One cold start, as Lambda's init and first invocation: loads the bundle given as argv[2] in this fresh
// process and, when an event is given (argv[3], JSON), answers it once. Prints one line,
// `BENCH {"loadedMs":…,"repliedMs":…,"status":…}`, times counted from the process's start, then exits (the
// database pool would otherwise keep the process alive).
'use strict';
const [bundle, eventJson, contextJson] = process.argv.slice(2);

async function main() {
  const { handler } = require(bundle);
  const loadedMs = performance.now();
  if (!eventJson) return { loadedMs };
  const context = { ...JSON.parse(contextJson), getRemainingTimeInMillis: () => 10_000 };
  const reply = await handler(JSON.parse(eventJson), context);
  return { loadedMs, repliedMs: performance.now(), status: reply.statusCode, body: reply.body };
}

main().then(
  (result) => {
    process.stdout.write(`\nBENCH ${JSON.stringify(result)}\n`, () => process.exit(0));
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
