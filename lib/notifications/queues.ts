import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { PublishedEvent } from './events';
import type { EventQueue } from './service';

/** On AWS: the notification queue, one SendMessageBatch per batch (at most 10 events). */
export function sqsQueue(client: SQSClient, queueUrl: string): EventQueue {
  return {
    async publish(events) {
      const { SendMessageBatchCommand } = await import('@aws-sdk/client-sqs');
      const { Failed = [] } = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: events.map((event) => ({ Id: String(event.id), MessageBody: JSON.stringify(event) })),
        }),
      );
      const refused = new Set(Failed.map(({ Id }) => Number(Id)));
      return events.map(({ id }) => id).filter((id) => !refused.has(id));
    },
  };
}

/**
 * Offline (`npm run dev`, the e2e tests): no SQS emulator on npm speaks the JSON protocol today's SDK sends
 * (fake-sqs and sqslite speak the query protocol; ElasticMQ needs a JVM), so the relay hands each batch
 * straight to the worker function through serverless offline's Lambda API, as SQS's event source mapping
 * would: an SQS event, and the worker's partial batch failures left unpublished for the next run.
 */
export function workerQueue(client: LambdaClient, functionName: string): EventQueue {
  return {
    async publish(events) {
      const { InvokeCommand } = await import('@aws-sdk/client-lambda');
      const reply = await client.send(
        new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(sqsEventOf(events)) }),
      );
      if (reply.FunctionError) throw new Error(`the worker failed the whole batch (${reply.FunctionError})`);
      const { batchItemFailures = [] } = JSON.parse(
        new TextDecoder().decode(reply.Payload) || '{}',
      ) as Partial<SQSBatchResponse>;
      const failed = new Set(batchItemFailures.map(({ itemIdentifier }) => Number(itemIdentifier)));
      return events.map(({ id }) => id).filter((id) => !failed.has(id));
    },
  };
}

/** The SQS event Lambda's event source mapping would deliver for `events` (message id: the event id). */
export function sqsEventOf(events: PublishedEvent[], now = Date.now()): SQSEvent {
  return {
    Records: events.map((event) => ({
      messageId: String(event.id),
      receiptHandle: `local-${event.id}`,
      body: JSON.stringify(event),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(now),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(now),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:notifications',
      awsRegion: 'local',
    })),
  };
}
