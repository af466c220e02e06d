import { api } from '../support/api';
import { databaseThroughProxy, type DatabaseProxy } from '../support/database-proxy';
import { createArticle, registerUser, unique } from '../support/fixtures';
import { asAdmin } from '../support/test-database';

// An event is written in the same transaction as the change it reports: when writing the event fails (here:
// the connection is cut as its INSERT is sent), the change is rolled back with it, and the client gets 503.
jest.setTimeout(20_000);

let proxy: DatabaseProxy;

beforeAll(async () => {
  proxy = await databaseThroughProxy();
});
afterEach(() => proxy.resume());
afterAll(() => proxy.restore());

const count = async (sql: string, values: unknown[]) =>
  (await asAdmin<{ n: number }[]>(`select count(*) as n from ${sql}`, values))[0]!.n;

test('a registration whose welcome event cannot be written leaves no account', async () => {
  const username = unique('atomic');
  proxy.cut(/^insert into `outbox_events`/, 'unsent');

  const response = await api.post('/api/users', {
    user: { username, email: `${username}@example.com`, password: 'password123' },
  });

  expect(response.status).toBe(503);
  expect(await count('users where username = ?', [username])).toBe(0);
});

test('a follow whose event cannot be written leaves no follow, and a retry records both', async () => {
  const [jake, jane] = [await registerUser(), await registerUser()];
  const follows = () =>
    count('follows f join users u on u.id = f.followee_id where u.username = ?', [jake.username]);
  proxy.cut(/^insert into `outbox_events`/, 'unsent');

  const failed = await api.post(`/api/profiles/${jake.username}/follow`, undefined, { token: jane.token });
  const left = await follows();
  proxy.resume();
  const retried = await api.post(`/api/profiles/${jake.username}/follow`, undefined, { token: jane.token });

  expect(failed.status).toBe(503);
  expect(left).toBe(0);
  expect(retried.status).toBe(200);
  expect(await follows()).toBe(1);
  expect(
    await count(
      "outbox_events o join users u on u.id = json_value(o.payload, '$.followeeId') where u.username = ?",
      [jake.username],
    ),
  ).toBe(1);
});

test('a comment whose event cannot be written is not posted', async () => {
  const jake = await registerUser();
  const { slug } = await createArticle(jake.token);
  const body = unique('never posted ');
  proxy.cut(/^insert into `outbox_events`/, 'unsent');

  const response = await api.post(
    `/api/articles/${slug}/comments`,
    { comment: { body } },
    { token: jake.token },
  );

  expect(response.status).toBe(503);
  expect(await count('comments where body = ?', [body])).toBe(0);
});
