import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { PublishedEventSchema, type PublishedEvent } from '#lib/notifications/events';
import { escapeHtml, newComment, newFollower, welcome, type Mail } from '#lib/notifications/mails';
import { sqsEventOf, sqsQueue, workerQueue } from '#lib/notifications/queues';
import { sesMailer } from '#lib/notifications/ses';
import {
  notificationService,
  outboxRelay,
  StillDelivering,
  Undeliverable,
  type CommentFacts,
  type DeliveryStore,
  type OutboxStore,
  type Recipient,
} from '#lib/notifications/service';

const appUrl = 'https://conduit.example.com';
const jake: Recipient = { username: 'jake', email: 'jake@example.com', emailNotifications: true };
const jane: Recipient = { username: 'jane', email: 'jane@example.com', emailNotifications: true };

describe('the e-mails', () => {
  it('escapes what users wrote in the HTML, and keeps it as written in the text', () => {
    // Arrange
    const comment = {
      commenter: '<script>x</script>',
      body: 'I <3 "this" & that',
      articleTitle: "Tom's <b>title</b>",
      articleSlug: 'toms-title',
    };

    // Act
    const mail = newComment(jake, comment, appUrl);

    // Assert
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(mail.html).toContain('I &lt;3 &quot;this&quot; &amp; that');
    expect(mail.html).toContain('Tom&#39;s &lt;b&gt;title&lt;/b&gt;');
    expect(mail.text).toContain('> I <3 "this" & that');
    expect(mail.subject).toBe('<script>x</script> commented on "Tom\'s <b>title</b>"');
    expect(mail.to).toBe('jake@example.com');
  });

  it('links to the article, the profile, and the settings where they can be turned off', () => {
    // Act
    const comment = newComment(
      jake,
      { commenter: 'jane', body: 'hi', articleTitle: 'T', articleSlug: 'ünï' },
      appUrl,
    );
    const follower = newFollower(jake, 'jane doe', appUrl);
    const hello = welcome(jake, appUrl);

    // Assert
    expect(comment.text).toContain(`${appUrl}/article/%C3%BCn%C3%AF`);
    expect(follower.text).toContain(`${appUrl}/profile/jane%20doe`);
    expect(follower.html).toContain(`href="${appUrl}/profile/jane%20doe"`);
    for (const mail of [comment, follower]) expect(mail.text).toContain(`${appUrl}/settings`);
    // The welcome is not a notification one can turn off.
    expect(hello.text).not.toContain('/settings');
    expect(hello.text).toContain(`${appUrl}/editor`);
  });

  it('keeps a subject on one line, whatever a title holds', () => {
    // Act
    const mail = newComment(
      jake,
      {
        commenter: 'jane',
        body: 'hi',
        articleTitle: 'Line one\r\nBcc: x@example.com\tend',
        articleSlug: 't',
      },
      appUrl,
    );

    // Assert
    expect(mail.subject).toBe('jane commented on "Line one Bcc: x@example.com end"');
  });

  it('quotes at most 500 characters of a comment', () => {
    // Act
    const mail = newComment(
      jake,
      { commenter: 'jane', body: 'a'.repeat(600), articleTitle: 'T', articleSlug: 't' },
      appUrl,
    );

    // Assert
    expect(mail.text).toContain(`> ${'a'.repeat(500)}…`);
    expect(mail.text).not.toContain('a'.repeat(501));
  });

  it('escapes the five characters HTML gives meaning to', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});

/** An outbox and a database in memory: users, comments, claims, and which events were delivered. */
class MemoryDeliveries implements DeliveryStore {
  users = new Map<number, Recipient>([
    [1, jake],
    [2, jane],
  ]);
  comments = new Map<number, CommentFacts>();
  /** `follower>followee` pairs that follow now. */
  follows = new Set<string>(['2>1']);
  claims = new Map<number, Date>();
  delivered = new Set<number>();

  async user(id: number) {
    return this.users.get(id);
  }
  async comment(id: number) {
    return this.comments.get(id);
  }
  async isFollowing(followerId: number, followeeId: number) {
    return this.follows.has(`${followerId}>${followeeId}`);
  }
  async claim(eventId: number, until: Date) {
    if (this.delivered.has(eventId)) return 'done' as const;
    const held = this.claims.get(eventId);
    if (held && held > new Date()) return 'busy' as const;
    this.claims.set(eventId, until);
    return 'claimed' as const;
  }
  async markDelivered(eventId: number) {
    this.claims.delete(eventId);
    this.delivered.add(eventId);
  }
  async release(eventId: number) {
    this.claims.delete(eventId);
  }
}

describe('notificationService.deliver', () => {
  let store: MemoryDeliveries;
  let sent: Mail[];
  let failNext: boolean;
  const service = () =>
    notificationService(
      store,
      {
        send: async (mail) => {
          if (failNext) {
            failNext = false;
            throw new Error('SES is throttling');
          }
          sent.push(mail);
        },
      },
      appUrl,
    );

  beforeEach(() => {
    store = new MemoryDeliveries();
    sent = [];
    failNext = false;
  });

  it('welcomes a new user, even one who turned notifications off', async () => {
    // Arrange
    store.users.set(1, { ...jake, emailNotifications: false });

    // Act
    const outcome = await service().deliver({ id: 10, kind: 'user_registered', userId: 1 });

    // Assert
    expect(outcome).toBe('sent');
    expect(sent.map((mail) => [mail.to, mail.subject])).toEqual([
      ['jake@example.com', 'Welcome to Conduit, jake'],
    ]);
  });

  it('tells the followed user who follows them, unless they turned it off or were unfollowed since', async () => {
    // Act
    const told = await service().deliver({ id: 11, kind: 'user_followed', followerId: 2, followeeId: 1 });
    store.users.set(1, { ...jake, emailNotifications: false });
    const quiet = await service().deliver({ id: 12, kind: 'user_followed', followerId: 2, followeeId: 1 });

    // Assert
    store.users.set(1, jake);
    store.follows.clear();
    const undone = await service().deliver({ id: 13, kind: 'user_followed', followerId: 2, followeeId: 1 });
    expect([told, quiet, undone]).toEqual(['sent', 'skipped', 'skipped']);
    expect(sent.map((mail) => [mail.to, mail.subject])).toEqual([
      ['jake@example.com', 'jane is now following you on Conduit'],
    ]);
    expect(store.delivered).toEqual(new Set([11, 12, 13]));
  });

  it('tells the article author of a comment, not of their own, nor of one deleted since', async () => {
    // Arrange
    const facts = { body: 'Nice', articleTitle: 'Dragons', articleSlug: 'dragons', articleAuthorId: 1 };
    store.comments.set(5, { ...facts, commenterId: 2, commenter: 'jane' });
    store.comments.set(6, { ...facts, commenterId: 1, commenter: 'jake' });

    // Act
    const outcomes = [
      await service().deliver({ id: 20, kind: 'comment_added', commentId: 5 }),
      await service().deliver({ id: 21, kind: 'comment_added', commentId: 6 }),
      await service().deliver({ id: 22, kind: 'comment_added', commentId: 404 }),
    ];

    // Assert
    expect(outcomes).toEqual(['sent', 'skipped', 'skipped']);
    expect(sent.map((mail) => [mail.to, mail.subject])).toEqual([
      ['jake@example.com', 'jane commented on "Dragons"'],
    ]);
  });

  it('sends once, however many times and however concurrently the event arrives', async () => {
    // Act
    const event: PublishedEvent = { id: 30, kind: 'user_registered', userId: 1 };
    const together = await Promise.allSettled([1, 2, 3].map(() => service().deliver(event)));
    const later = await service().deliver(event);

    // Assert: the copies that came while it was being sent fail, so the queue brings them back later.
    expect(together.filter(({ status }) => status === 'fulfilled')).toEqual([
      { status: 'fulfilled', value: 'sent' },
    ]);
    for (const result of together.filter(({ status }) => status === 'rejected'))
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StillDelivering);
    expect(later).toBe('duplicate');
    expect(sent).toHaveLength(1);
  });

  it('takes over an event whose claim ran out (a worker that died while sending)', async () => {
    // Arrange
    store.claims.set(31, new Date(Date.now() - 1));

    // Act
    const outcome = await service().deliver({ id: 31, kind: 'user_registered', userId: 2 });

    // Assert
    expect(outcome).toBe('sent');
    expect(store.delivered.has(31)).toBe(true);
  });

  it('counts a message the mail service refused for good as delivered: no retry would send it', async () => {
    // Act
    const outcome = await notificationService(
      store,
      { send: () => Promise.reject(new Undeliverable('MessageRejected')) },
      appUrl,
    ).deliver({ id: 41, kind: 'user_registered', userId: 1 });

    // Assert
    expect(outcome).toBe('rejected');
    expect(store.delivered.has(41)).toBe(true);
  });

  it('leaves an event it could not send undelivered, so a retry sends it', async () => {
    // Arrange
    failNext = true;
    const event: PublishedEvent = { id: 40, kind: 'user_registered', userId: 2 };

    // Act
    const first = service().deliver(event);
    await expect(first).rejects.toThrow('SES is throttling');
    const retry = await service().deliver(event);

    // Assert
    expect(retry).toBe('sent');
    expect(sent.map((mail) => mail.to)).toEqual(['jane@example.com']);
    expect(store.claims.size).toBe(0);
  });
});

describe('the queue message schema', () => {
  it.each([
    ['not an object', 'welcome'],
    ['an unknown kind', { id: 1, kind: 'article_liked', articleId: 2 }],
    ['a missing id', { kind: 'user_registered', userId: 2 }],
    ['an id that is not a whole number', { id: 1.5, kind: 'user_registered', userId: 2 }],
    ['a missing field of its kind', { id: 1, kind: 'user_followed', followerId: 2 }],
  ])('refuses %s (a poison message)', (_case, body) => {
    expect(PublishedEventSchema.safeParse(body).success).toBe(false);
  });

  it('reads each kind back as published', () => {
    const events: PublishedEvent[] = [
      { id: 1, kind: 'user_registered', userId: 2 },
      { id: 2, kind: 'user_followed', followerId: 3, followeeId: 4 },
      { id: 3, kind: 'comment_added', commentId: 5 },
    ];
    for (const event of events)
      expect(PublishedEventSchema.parse(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });
});

/** An outbox in memory: ids 1..n, `published` as the relay marks them. */
class MemoryOutbox implements OutboxStore {
  published = new Set<number>();
  constructor(private readonly count: number) {}
  async publishBatch(
    afterId: number,
    limit: number,
    publish: (events: PublishedEvent[]) => Promise<number[]>,
  ) {
    const events: PublishedEvent[] = [];
    for (let id = afterId + 1; id <= this.count && events.length < limit; id++)
      if (!this.published.has(id)) events.push({ id, kind: 'user_registered', userId: id });
    if (!events.length) return { lastId: afterId, taken: 0, published: 0 };
    const ids = await publish(events);
    for (const id of ids) this.published.add(id);
    return { lastId: events.at(-1)!.id, taken: events.length, published: ids.length };
  }
  async sweep() {
    return 0;
  }
}

describe('outboxRelay.run', () => {
  it('publishes everything unpublished in batches of 10, oldest first', async () => {
    // Arrange
    const outbox = new MemoryOutbox(23);
    const batches: number[][] = [];

    // Act
    const outcome = await outboxRelay(outbox, {
      publish: async (events) => {
        batches.push(events.map(({ id }) => id));
        return events.map(({ id }) => id);
      },
    }).run();

    // Assert
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 3]);
    expect(batches.flat()).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    expect(outcome).toEqual({ published: 23, refused: 0, swept: 0 });
  });

  it('leaves what the queue refused for the next run, which publishes it', async () => {
    // Arrange
    const outbox = new MemoryOutbox(12);
    let refuse = true;
    const queue = {
      publish: async (events: PublishedEvent[]) =>
        events.map(({ id }) => id).filter((id) => !(refuse && id % 4 === 0)),
    };

    // Act
    const first = await outboxRelay(outbox, queue).run();
    refuse = false;
    const second = await outboxRelay(outbox, queue).run();

    // Assert
    expect(first).toMatchObject({ published: 9, refused: 3 });
    expect(second).toMatchObject({ published: 3, refused: 0 });
    expect(outbox.published.size).toBe(12);
  });

  it('fails the run when the queue takes nothing, and publishes nothing', async () => {
    // Arrange
    const outbox = new MemoryOutbox(3);

    // Act
    const run = outboxRelay(outbox, { publish: () => Promise.reject(new Error('SQS is down')) }).run();

    // Assert
    await expect(run).rejects.toThrow('SQS is down');
    expect(outbox.published.size).toBe(0);
  });
});

describe('the queue and mail adapters', () => {
  const events: PublishedEvent[] = [
    { id: 7, kind: 'user_registered', userId: 1 },
    { id: 8, kind: 'comment_added', commentId: 3 },
  ];

  it('sends a batch to SQS, one message per event, and counts what SQS refused as unpublished', async () => {
    // Arrange
    const sqs = mockClient(SQSClient);
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [], Failed: [{ Id: '8', Code: 'x', SenderFault: false }] });

    // Act
    const published = await sqsQueue(new SQSClient({ region: 'eu-west-1' }), 'https://sqs/queue').publish(
      events,
    );

    // Assert
    expect(published).toEqual([7]);
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input).toEqual({
      QueueUrl: 'https://sqs/queue',
      Entries: events.map((event) => ({ Id: String(event.id), MessageBody: JSON.stringify(event) })),
    });
    sqs.restore();
  });

  it('offline, hands the batch to the worker as SQS would, and counts its failed items as unpublished', async () => {
    // Arrange
    const lambda = mockClient(LambdaClient);
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: new TextEncoder().encode(
        JSON.stringify({ batchItemFailures: [{ itemIdentifier: '7' }] }),
      ) as any,
    });

    // Act
    const published = await workerQueue(
      new LambdaClient({ region: 'local' }),
      'conduit-api-local-notificationWorker',
    ).publish(events);

    // Assert
    expect(published).toEqual([8]);
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input.FunctionName).toBe('conduit-api-local-notificationWorker');
    const sent = JSON.parse(String(input.Payload));
    expect(sent.Records.map((record: any) => [record.messageId, JSON.parse(record.body)])).toEqual(
      events.map((event) => [String(event.id), event]),
    );
    lambda.restore();
  });

  it('offline, a worker that failed the whole batch publishes nothing', async () => {
    // Arrange
    const lambda = mockClient(LambdaClient);
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled' });

    // Act
    const publish = workerQueue(
      new LambdaClient({ region: 'local' }),
      'conduit-api-local-notificationWorker',
    ).publish(events);

    // Assert
    await expect(publish).rejects.toThrow(/whole batch/);
    lambda.restore();
  });

  it('sends an e-mail through SES v2 with a text and an HTML body', async () => {
    // Arrange
    const ses = mockClient(SESv2Client);
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });

    // Act
    await sesMailer(new SESv2Client({ region: 'eu-west-1' }), 'Conduit <no-reply@conduit.example.com>').send(
      welcome(jake, appUrl),
    );

    // Assert
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input.FromEmailAddress).toBe('Conduit <no-reply@conduit.example.com>');
    expect(input.Destination).toEqual({ ToAddresses: ['jake@example.com'] });
    expect(input.Content!.Simple!.Subject!.Data).toBe('Welcome to Conduit, jake');
    expect(input.Content!.Simple!.Body!.Text!.Data).toContain('Hi jake,');
    expect(input.Content!.Simple!.Body!.Html!.Data).toContain('<p>Hi jake,</p>');
    ses.restore();
  });

  it.each([
    ['MessageRejected', true],
    ['BadRequestException', true],
    ['TooManyRequestsException', false],
    ['SendingPausedException', false],
  ])('treats SES %s as refused for good: %s', async (name, forGood) => {
    // Arrange
    const ses = mockClient(SESv2Client);
    ses.on(SendEmailCommand).rejects(Object.assign(new Error(`${name} from SES`), { name }));

    // Act
    const send = sesMailer(new SESv2Client({ region: 'eu-west-1' }), 'no-reply@conduit.example.com').send(
      welcome(jake, appUrl),
    );

    // Assert
    if (forGood) await expect(send).rejects.toBeInstanceOf(Undeliverable);
    else await expect(send).rejects.toThrow(`${name} from SES`);
    ses.restore();
  });

  it('builds the SQS event the event source mapping would', () => {
    // Act
    const { Records } = sqsEventOf(events, 1_000);

    // Assert
    expect(
      Records.map((record) => [record.messageId, record.eventSource, record.attributes.SentTimestamp]),
    ).toEqual([
      ['7', 'aws:sqs', '1000'],
      ['8', 'aws:sqs', '1000'],
    ]);
  });
});
