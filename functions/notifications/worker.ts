import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadSecrets } from '#lib/config/load-secrets';
import { describeError, log, useLambdaContext } from '#lib/log';
import { PublishedEventSchema } from '#lib/notifications/events';
import { notifications } from '#lib/wiring/notifications';

const processor = new BatchProcessor(EventType.SQS);

/**
 * Sends the e-mail each queued event calls for. Each message succeeds or fails on its own (partial batch
 * responses): a failed one returns to the queue and, after a few receives, goes to the dead-letter queue,
 * whose alarm pages. One that cannot be read at all (a poison message) fails every time, so it ends there.
 */
async function deliver(record: SQSRecord): Promise<void> {
  try {
    const event = PublishedEventSchema.parse(JSON.parse(record.body));
    const outcome = await (await notifications()).deliver(event);
    // SES refused this one message for good (a rejected address): no retry would change that.
    if (outcome === 'rejected') log.error('notification rejected', { eventId: event.id, kind: event.kind });
    else log.info('notification delivered', { eventId: event.id, kind: event.kind, outcome });
  } catch (error) {
    log.error('notification failed', {
      messageId: record.messageId,
      receiveCount: record.attributes.ApproximateReceiveCount,
      error: describeError(error),
    });
    throw error;
  }
}

export const handler = middy(async (event: SQSEvent, context: Context) => {
  useLambdaContext(context);
  // A batch whose every message failed is reported like any other, not thrown: one unlucky message alone in
  // its batch is no crash, and what keeps failing pages through the dead-letter queue's alarm.
  // One e-mail after another: SES limits the sending rate per account (serverless.yml caps the concurrency).
  return processPartialResponse(event, deliver, processor, {
    context,
    throwOnFullBatchFailure: false,
    processInParallel: false,
  });
  // The database password only: the signing keys are not this function's to read.
}).use(loadSecrets(process.env, ['databasePassword']));
