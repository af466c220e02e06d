import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { loadSecrets } from '#lib/config/load-secrets';
import { log, useLambdaContext } from '#lib/log';
import { relay } from '#lib/wiring/notifications';

/**
 * The outbox relay, on a schedule: publishes every committed notification event not yet on the queue. An
 * event whose publishing failed (here or in an earlier run) is simply still unpublished, so the next run
 * sends it: delivery is at least once. A queue that refuses everything fails the run (the function's error
 * alarm); the next run tries again.
 */
export const handler = middy(async (_event: ScheduledEvent, context: Context) => {
  useLambdaContext(context);
  const outcome = await (await relay()).run();
  if (outcome.refused) log.warn('outbox relayed, some events refused', outcome);
  else log.info('outbox relayed', outcome);
  return outcome;
  // The database password only: the signing keys are not this function's to read.
}).use(loadSecrets(process.env, ['databasePassword']));
