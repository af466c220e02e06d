import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { decodeJwt } from 'jose';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeDatabase } from '#db/client';
import { sqsEventOf } from '#lib/notifications/queues';
import type { PublishedEvent } from '#lib/notifications/events';
import { handler as relayHandler } from '../../functions/notifications/relay';
import { handler as workerHandler } from '../../functions/notifications/worker';
import { notifications } from '#lib/wiring/notifications';
import { api } from '../support/api';
import { startNewContainer } from '../support/container';
import { createArticle, registerUser, unique, type TestUser } from '../support/fixtures';
import { asAdmin } from '../support/test-database';

// The relay and the worker as Lambda runs them, on the real database, with SQS and SES mocked (AWS is not
// reachable here): every e-mail the API's changes call for is sent once, however the delivery goes.
const stage = {
  NOTIFICATION_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/conduit-api-test-notifications',
  MAIL_FROM: 'Conduit <no-reply@conduit.test>',
  APP_URL: 'https://conduit.test',
  AWS_REGION: 'eu-west-1',
};
const saved = Object.fromEntries(Object.keys(stage).map((name) => [name, process.env[name]]));
const sqs = mockClient(SQSClient);
const ses = mockClient(SESv2Client);
const context = { functionName: 'conduit-api-test-notifications', awsRequestId: 'test' } as Context;

/** Every message the relay sent, as the queue would hold them. */
let queued: SendMessageBatchRequestEntry[] = [];

beforeAll(async () => {
  Object.assign(process.env, stage);
  await startNewContainer();
});
beforeEach(() => {
  queued = [];
  sqs.reset();
  ses.reset();
  sqs.on(SendMessageBatchCommand).callsFake(async ({ Entries = [] }) => {
    queued.push(...Entries);
    return {
      Successful: Entries.map(({ Id }: SendMessageBatchRequestEntry) => ({
        Id,
        MessageId: `m-${Id}`,
        MD5OfMessageBody: '',
      })),
      Failed: [],
    };
  });
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
});
afterAll(async () => {
  sqs.restore();
  ses.restore();
  for (const [name, value] of Object.entries(saved))
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  await closeDatabase();
});

const userIdOf = (user: TestUser) => Number(decodeJwt(user.token).sub);

interface OutboxRow {
  id: number;
  kind: string;
  payload: string;
  published_at: Date | null;
  delivered_at: Date | null;
}

/** The outbox rows whose payload names `field` = `id` (other test files write events too). */
const eventsFor = (field: string, id: number) =>
  asAdmin<OutboxRow[]>(
    `select id, kind, payload, published_at, delivered_at from outbox_events
     where json_value(payload, '$.${field}') = ? order by id`,
    [id],
  );

const relay = () => relayHandler({} as ScheduledEvent, context);
const work = (event: SQSEvent) => workerHandler(event, context) as Promise<SQSBatchResponse>;

/** Runs the relay until the queue has every event in `ids` (other files' events come first, oldest first). */
async function relayUntilQueued(ids: number[]): Promise<void> {
  for (let run = 0; run < 20; run++) {
    if (ids.every((id) => queued.some((entry) => entry.Id === String(id)))) return;
    await relay();
  }
  throw new Error(`events ${ids.join(', ')} never reached the queue`);
}

/** The SQS event the worker gets for the queued messages of `ids`. */
function deliveryOf(ids: number[]): SQSEvent {
  const events = ids.map((id) => JSON.parse(queued.find((entry) => entry.Id === String(id))!.MessageBody!));
  return sqsEventOf(events as PublishedEvent[]);
}

const mailsTo = (address: string) =>
  ses
    .commandCalls(SendEmailCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.Destination?.ToAddresses?.includes(address));

describe('the outbox, written with the change', () => {
  test('a registration records one welcome event, and a failed one records none', async () => {
    const jake = await registerUser();

    const taken = await api.post('/api/users', {
      user: { username: unique('dup'), email: jake.email, password: 'password123' },
    });

    expect(taken.status).toBe(409);
    const events = await eventsFor('userId', userIdOf(jake));
    expect(events.map(({ kind, published_at }) => [kind, published_at])).toEqual([['user_registered', null]]);
  });

  test('a follow records one event; following again, or oneself, records none', async () => {
    const [jake, jane] = [await registerUser(), await registerUser()];

    const first = await api.post(`/api/profiles/${jake.username}/follow`, undefined, { token: jane.token });
    const again = await api.post(`/api/profiles/${jake.username}/follow`, undefined, { token: jane.token });
    const self = await api.post(`/api/profiles/${jake.username}/follow`, undefined, { token: jake.token });

    expect([first.status, again.status, self.status]).toEqual([200, 200, 422]);
    expect(again.body.profile.following).toBe(true);
    const events = await eventsFor('followeeId', userIdOf(jake));
    expect(events.map(({ kind, payload }) => [kind, JSON.parse(payload)])).toEqual([
      ['user_followed', { followerId: userIdOf(jane), followeeId: userIdOf(jake) }],
    ]);
  });

  test('a comment records its event; one on an article that is gone records nothing', async () => {
    const [jake, jane] = [await registerUser(), await registerUser()];
    const { slug } = await createArticle(jake.token);

    const comment = await api.post(
      `/api/articles/${slug}/comments`,
      { comment: { body: 'Hi' } },
      { token: jane.token },
    );
    const missing = await api.post(
      '/api/articles/no-such-article/comments',
      { comment: { body: 'Hi' } },
      { token: jane.token },
    );

    expect([comment.status, missing.status]).toEqual([201, 404]);
    expect((await eventsFor('commentId', comment.body.comment.id)).map(({ kind }) => kind)).toEqual([
      'comment_added',
    ]);
  });
});

describe('from the outbox to the inbox', () => {
  test('a new user gets the welcome e-mail: relayed to the queue, then sent once by the worker', async () => {
    const jake = await registerUser();
    const [event] = await eventsFor('userId', userIdOf(jake));

    await relayUntilQueued([event!.id]);
    const reply = await work(deliveryOf([event!.id]));

    expect(reply.batchItemFailures).toEqual([]);
    const [mail] = mailsTo(jake.email);
    expect(mail!.FromEmailAddress).toBe(stage.MAIL_FROM);
    expect(mail!.Content!.Simple!.Subject!.Data).toBe(`Welcome to Conduit, ${jake.username}`);
    expect(mail!.Content!.Simple!.Body!.Text!.Data).toContain('https://conduit.test/editor');
    expect(mail!.Content!.Simple!.Body!.Html!.Data).toContain(`<p>Hi ${jake.username},</p>`);
    const [row] = await eventsFor('userId', userIdOf(jake));
    expect(row!.published_at).not.toBeNull();
    expect(row!.delivered_at).not.toBeNull();
  });

  test('a committed event still arrives when publishing it failed: the next run sends it', async () => {
    const jake = await registerUser();
    const [event] = await eventsFor('userId', userIdOf(jake));
    sqs.on(SendMessageBatchCommand).rejectsOnce(new Error('SQS is unreachable'));

    const failed = relay();

    await expect(failed).rejects.toThrow('SQS is unreachable');
    expect((await eventsFor('userId', userIdOf(jake)))[0]!.published_at).toBeNull();
    sqs.on(SendMessageBatchCommand).callsFake(async ({ Entries = [] }) => {
      queued.push(...Entries);
      return { Successful: [], Failed: [] };
    });
    await relayUntilQueued([event!.id]);
    await work(deliveryOf([event!.id]));
    expect(mailsTo(jake.email)).toHaveLength(1);
  });

  test('a message SQS refused in a batch stays in the outbox for the next run', async () => {
    const jake = await registerUser();
    const [event] = await eventsFor('userId', userIdOf(jake));
    sqs.on(SendMessageBatchCommand).callsFake(async ({ Entries = [] }) => ({
      Successful: [],
      Failed: Entries.filter(({ Id }: SendMessageBatchRequestEntry) => Id === String(event!.id)).map(
        ({ Id }: SendMessageBatchRequestEntry) => ({
          Id,
          Code: 'InternalError',
          SenderFault: false,
        }),
      ),
    }));

    await relay();

    expect((await eventsFor('userId', userIdOf(jake)))[0]!.published_at).toBeNull();
  });

  test('the same event delivered twice, even at once, sends one e-mail', async () => {
    const jake = await registerUser();
    const [event] = await eventsFor('userId', userIdOf(jake));
    await relayUntilQueued([event!.id]);

    // Two workers at once (two environments: here, the service twice; one handler runs one batch at a time).
    const service = await notifications();
    const published = JSON.parse(deliveryOf([event!.id]).Records[0]!.body);
    // SES takes its time, so the second copy arrives while the first is being sent.
    ses.on(SendEmailCommand).callsFake(() => sleep(300).then(() => ({ MessageId: 'ses-slow' })));
    const together = await Promise.allSettled([service.deliver(published), service.deliver(published)]);
    const later = await work(deliveryOf([event!.id]));
    const again = await work(deliveryOf([event!.id]));

    // The copy that came while the first was sending fails, and the queue brings it back: then it is done.
    expect(
      together.map((result) => (result.status === 'fulfilled' ? result.value : result.reason.name)).sort(),
    ).toEqual(['StillDelivering', 'sent']);
    expect([later.batchItemFailures, again.batchItemFailures]).toEqual([[], []]);
    expect(mailsTo(jake.email)).toHaveLength(1);
  });

  test('a poison message fails on its own (SQS takes it to the dead-letter queue); the rest of the batch is sent', async () => {
    const jake = await registerUser();
    const [event] = await eventsFor('userId', userIdOf(jake));
    await relayUntilQueued([event!.id]);
    const batch = deliveryOf([event!.id]);
    const poison = {
      ...batch.Records[0]!,
      messageId: 'poison-1',
      body: '{"id": "x", "kind": "user_registered"}',
    };
    const garbage = { ...batch.Records[0]!, messageId: 'poison-2', body: 'not json' };

    const reply = await work({ Records: [poison, ...batch.Records, garbage] });

    expect(reply.batchItemFailures).toEqual([{ itemIdentifier: 'poison-1' }, { itemIdentifier: 'poison-2' }]);
    expect(mailsTo(jake.email)).toHaveLength(1);
  });

  test('an e-mail SES refused is reported failed and sent when SQS gives it again', async () => {
    const jake = await registerUser();
    const [event] = await eventsFor('userId', userIdOf(jake));
    await relayUntilQueued([event!.id]);
    ses.on(SendEmailCommand).rejectsOnce(new Error('Throttling: Maximum sending rate exceeded'));

    const first = await work(deliveryOf([event!.id]));
    const second = await work(deliveryOf([event!.id]));

    expect(first.batchItemFailures).toEqual([{ itemIdentifier: String(event!.id) }]);
    expect(second.batchItemFailures).toEqual([]);
    // Two calls to SES: the refused one, and the one that sent it.
    expect(mailsTo(jake.email)).toHaveLength(2);
    expect((await eventsFor('userId', userIdOf(jake)))[0]!.delivered_at).not.toBeNull();
  });

  test('a new follower and a new comment reach the author, unless the author turned notifications off', async () => {
    const [jake, jane, alex] = [await registerUser(), await registerUser(), await registerUser()];
    const { slug, title } = await createArticle(jake.token);
    await api.post(`/api/profiles/${jake.username}/follow`, undefined, { token: jane.token });
    const comment = await api.post(
      `/api/articles/${slug}/comments`,
      { comment: { body: 'Great <b>read</b>' } },
      { token: jane.token },
    );
    await api.post(`/api/articles/${slug}/comments`, { comment: { body: 'Thanks!' } }, { token: jake.token });
    const off = await api.put('/api/user', { user: { emailNotifications: false } }, { token: jake.token });
    await api.post(`/api/profiles/${jake.username}/follow`, undefined, { token: alex.token });
    const ids = (await eventsFor('followeeId', userIdOf(jake))).map(({ id }) => id);
    const commentEvents = await asAdmin<OutboxRow[]>(
      `select o.id from outbox_events o join comments c on c.id = json_value(o.payload, '$.commentId')
       join articles a on a.id = c.article_id where a.slug = ? order by o.id`,
      [slug],
    );
    const all = [...ids, ...commentEvents.map(({ id }) => id)];

    await relayUntilQueued(all);
    // Delivered after the opt-out: what is read when sending counts, so nothing after it reaches jake.
    const reply = await work(deliveryOf(all));

    expect(off.body.user.emailNotifications).toBe(false);
    expect(reply.batchItemFailures).toEqual([]);
    expect(mailsTo(jake.email)).toEqual([]);
    // Turned on again, the next ones arrive: a new comment by alex.
    await api.put('/api/user', { user: { emailNotifications: true } }, { token: jake.token });
    const again = await api.post(
      `/api/articles/${slug}/comments`,
      { comment: { body: 'Me too' } },
      { token: alex.token },
    );
    const [next] = await eventsFor('commentId', again.body.comment.id);
    await relayUntilQueued([next!.id]);
    await work(deliveryOf([next!.id]));
    const [mail] = mailsTo(jake.email);
    expect(mail!.Content!.Simple!.Subject!.Data).toBe(`${alex.username} commented on "${title}"`);
    expect(comment.status).toBe(201);
  });

  test("the opt-out is the user's own field: on by default, shown and changed through /api/user", async () => {
    const jake = await registerUser();

    const before = await api.get('/api/user', { token: jake.token });
    const off = await api.put('/api/user', { user: { emailNotifications: false } }, { token: jake.token });
    const after = await api.get('/api/user', { token: jake.token });
    const wrong = await api.put('/api/user', { user: { emailNotifications: 'no' } }, { token: jake.token });

    expect(before.body.user.emailNotifications).toBe(true);
    expect(off.body.user.emailNotifications).toBe(false);
    expect(after.body.user.emailNotifications).toBe(false);
    expect(wrong.status).toBe(422);
    expect(Object.keys(wrong.body.errors)).toEqual(['emailNotifications']);
  });
});
