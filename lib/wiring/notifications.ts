import { primaryReads } from '#db/client';
import { deliveryRepository, outboxRepository } from '#db/repositories/notifications';
import { notificationSettings, relayTarget } from '#lib/config/env';
import { lazy } from '#lib/lazy';
import { sqsQueue, workerQueue } from '#lib/notifications/queues';
import { sesMailer } from '#lib/notifications/ses';
import { notificationService, outboxRelay, type EventQueue } from '#lib/notifications/service';

/**
 * The notification functions' composition root (the API functions never import it): the relay gets the outbox
 * and the queue, the worker the outbox, SES and the app's URL. The SDK clients are imported on first use; on
 * AWS the runtime provides them (they are left out of the bundles).
 */
export const relay = /* @__PURE__ */ lazy(async () => {
  const target = relayTarget();
  let queue: EventQueue;
  if ('queueUrl' in target) {
    const { SQSClient } = await import('@aws-sdk/client-sqs');
    queue = sqsQueue(new SQSClient({}), target.queueUrl);
  } else {
    const { LambdaClient } = await import('@aws-sdk/client-lambda');
    queue = workerQueue(new LambdaClient({ endpoint: target.lambdaEndpoint }), target.workerFunction);
  }
  // The primary: a replica may lag behind the events just written and the marks the last run set.
  return outboxRelay(outboxRepository(primaryReads()), queue);
});

/** It reads the primary: a replica may not have the comment an event names yet. */
export const notifications = /* @__PURE__ */ lazy(async () => {
  const { from, appUrl, sesEndpoint } = notificationSettings();
  const { SESv2Client } = await import('@aws-sdk/client-sesv2');
  const ses = new SESv2Client(sesEndpoint ? { endpoint: sesEndpoint } : {});
  return notificationService(deliveryRepository(primaryReads()), sesMailer(ses, from), appUrl);
});
