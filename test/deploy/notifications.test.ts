import { deployedStages, resourcesOfType, template } from '../support/packaging';

// The notification path as `serverless package` generates it: the relay on a schedule, the queue with its
// dead-letter queue and the alarm on it, and the worker on the queue with partial batch failures.
const each = test.each(deployedStages.map((stage) => [stage, template(stage).template] as const));

each(
  '%s: the queue is encrypted, TLS only, and sends a message to the dead-letter queue after 5 receives',
  (stage, t) => {
    const queue = t.Resources.NotificationQueue!.Properties;
    const dead = t.Resources.NotificationDeadLetterQueue!.Properties;
    const worker = t.Resources.NotificationWorkerLambdaFunction!.Properties;

    expect(queue).toEqual({
      QueueName: `conduit-api-${stage}-notifications`,
      // Six times the worker's timeout, as AWS advises for a Lambda event source.
      VisibilityTimeout: 6 * worker.Timeout,
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': ['NotificationDeadLetterQueue', 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    expect(dead).toEqual({
      QueueName: `conduit-api-${stage}-notifications-dlq`,
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    const policy = resourcesOfType(t, 'AWS::SQS::QueuePolicy').map(([, r]) => r.Properties)[0]!;
    expect(policy.Queues).toEqual([{ Ref: 'NotificationQueue' }, { Ref: 'NotificationDeadLetterQueue' }]);
    expect(policy.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
  },
);

each(
  '%s: the worker takes batches of 10, two at a time, and reports each failed message on its own',
  (_stage, t) => {
    const mappings = resourcesOfType(t, 'AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties);

    expect(mappings).toEqual([
      {
        BatchSize: 10,
        EventSourceArn: { 'Fn::GetAtt': ['NotificationQueue', 'Arn'] },
        FunctionName: { 'Fn::GetAtt': ['NotificationWorkerLambdaFunction', 'Arn'] },
        Enabled: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        // Two batches at a time, near SES's default sending rate (the worker sends one after another).
        ScalingConfig: { MaximumConcurrency: 2 },
      },
    ]);
  },
);

each(
  '%s: the relay runs every minute and knows the queue; the worker, the sender and the app',
  (_stage, t) => {
    const rules = resourcesOfType(t, 'AWS::Events::Rule').map(([, r]) => r.Properties);
    const relay = t.Resources.NotificationRelayLambdaFunction!.Properties.Environment.Variables;
    const worker = t.Resources.NotificationWorkerLambdaFunction!.Properties.Environment.Variables;

    expect(rules).toContainEqual(
      expect.objectContaining({
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [
          expect.objectContaining({ Arn: { 'Fn::GetAtt': ['NotificationRelayLambdaFunction', 'Arn'] } }),
        ],
      }),
    );
    expect(relay).toMatchObject({
      NOTIFICATION_QUEUE_URL: { Ref: 'NotificationQueue' },
      NOTIFICATION_WORKER_FUNCTION: '',
    });
    expect(worker).toMatchObject({
      MAIL_FROM: 'Conduit <no-reply@conduit.example.com>',
      APP_URL: 'https://conduit.example.com',
      SES_ENDPOINT: '',
    });
  },
);

each('%s: a message in the dead-letter queue pages at once, naming the worker', (stage, t) => {
  const alarm = t.Resources.NotificationDeadLetterQueueNotEmptyAlarm!.Properties;

  expect(alarm).toMatchObject({
    AlarmName: `conduit-api-${stage}-notification-dead-letter-queue-not-empty`,
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Dimensions: [
      { Name: 'QueueName', Value: { 'Fn::GetAtt': ['NotificationDeadLetterQueue', 'QueueName'] } },
    ],
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: 1,
    EvaluationPeriods: 1,
    AlarmActions: [{ Ref: 'AlarmTopic' }],
    OKActions: [{ Ref: 'AlarmTopic' }],
  });
  expect(alarm.AlarmDescription).toContain(`/aws/lambda/conduit-api-${stage}-notificationWorker`);
});
