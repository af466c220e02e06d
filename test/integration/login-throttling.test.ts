import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { closeDatabase, database } from '#db/client';
import { loginAttemptRepository } from '#db/repositories/login-attempts';
import { loginThrottle } from '#lib/auth/throttle';
import { TooManyAttempts } from '#lib/errors';
import { api } from '../support/api';
import { registerUser, unique } from '../support/fixtures';
import type { TestDatabase } from '../support/test-database';

afterAll(closeDatabase);

const credentialsInvalid = { errors: { credentials: ['invalid'] } };
const tooMany = { errors: { credentials: ['too many failed attempts, retry later'] } };

const login = (email: string, password: string, sourceIp = '192.0.2.10') =>
  api.post('/api/users/login', { user: { email, password } }, { sourceIp });

describe('POST /api/users/login throttling (5 failures per account within 15 minutes)', () => {
  test('after 5 failures the 6th attempt is 429 with Retry-After, even with the right password', async () => {
    const jake = await registerUser();
    const failures = [];
    for (let i = 0; i < 5; i++) failures.push(await login(jake.email, 'wrong-password'));

    const sixth = await login(jake.email, jake.password);

    expect(failures.map(({ status }) => status)).toEqual([401, 401, 401, 401, 401]);
    expect(failures[4]!.body).toEqual(credentialsInvalid);
    expect(sixth.status).toBe(429);
    expect(sixth.body).toEqual(tooMany);
    const retryAfter = Number(sixth.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
  });

  test('an unknown e-mail is throttled exactly like a known one (nothing tells them apart)', async () => {
    const known = await registerUser();
    const unknown = `${unique('nobody')}@example.com`;
    const answers = async (email: string) => {
      const responses = [];
      for (let i = 0; i < 6; i++) responses.push(await login(email, 'wrong-password', '192.0.2.11'));
      return responses.map(({ status, body, headers }) => ({
        status,
        body,
        retryAfter: !!headers['retry-after'],
      }));
    };

    expect(await answers(unknown)).toEqual(await answers(known.email));
  });

  test('npm run db:unlock -- <e-mail> lifts the limit for that account at once, and only for it', async () => {
    // Arrange: two locked-out accounts
    const [jake, jane] = [await registerUser(), await registerUser()];
    for (const user of [jake, jane])
      for (let i = 0; i < 6; i++) await login(user.email, 'wrong-password', '192.0.2.12');
    const { adminUrl } = JSON.parse(process.env.CONDUIT_TEST_DATABASE!) as TestDatabase;
    const root = path.resolve(__dirname, '../..');

    // Act: the script, as a developer runs it, on this run's database (DB_NAME)
    const { stdout } = await promisify(execFile)(
      path.join(root, 'node_modules/.bin/tsx'),
      ['scripts/unlock-logins.ts', jake.email.toUpperCase()],
      {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: new URL('/', adminUrl).href,
          DB_NAME: new URL(adminUrl).pathname.slice(1),
        },
      },
    );

    // Assert
    expect(stdout).toMatch(/^cleared 1 login count\(s\) for /);
    expect((await login(jake.email, jake.password, '192.0.2.12')).status).toBe(200);
    expect((await login(jane.email, jane.password, '192.0.2.12')).status).toBe(429);
    // Twelve password checks and a tsx process: seconds on a loaded 2-core machine, past Jest's default 5 s.
  }, 30_000);

  test('a successful login resets the count', async () => {
    const jake = await registerUser();
    for (let i = 0; i < 4; i++) await login(jake.email, 'wrong-password');
    expect((await login(jake.email, jake.password)).status).toBe(200);

    const next = [];
    for (let i = 0; i < 5; i++) next.push((await login(jake.email, 'wrong-password')).status);

    expect(next).toEqual([401, 401, 401, 401, 401]);
  });

  test('20 concurrent guesses for one account: exactly 5 get their password checked', async () => {
    const jake = await registerUser();

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login(jake.email, `wrong-password-${i}`, `192.0.2.${100 + i}`)),
    );

    const statuses = responses.map(({ status }) => status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
  });

  test('throttling one account leaves other accounts on the same address alone', async () => {
    const [victim, neighbour] = [await registerUser(), await registerUser()];
    for (let i = 0; i < 6; i++) await login(victim.email, 'wrong-password', '192.0.2.12');

    const response = await login(neighbour.email, neighbour.password, '192.0.2.12');

    expect(response.status).toBe(200);
  });
});

describe('the attempt counts in the database (small limits, a clock the test moves)', () => {
  const limits = { windowMs: 60_000, perAccount: 3, perAddress: 10 };
  let now = new Date();
  const throttle = () => loginThrottle(loginAttemptRepository(database()), limits, () => now);
  const tries = async (email: string, address: string, times = 1) => {
    let allowed = 0;
    for (let i = 0; i < times; i++)
      allowed += await throttle()
        .attempt(email, address)
        .then(
          () => 1,
          (error) => {
            if (error instanceof TooManyAttempts) return 0;
            throw error;
          },
        );
    return allowed;
  };

  beforeEach(() => {
    now = new Date(Date.now() - 3_600_000);
  });

  test('one address is limited across many accounts, at its own higher threshold', async () => {
    const address = `198.51.100.${Math.floor(Math.random() * 250)}-${unique()}`;
    let allowed = 0;

    for (let i = 0; i < 12; i++) allowed += await tries(`${unique()}@example.com`, address);

    expect(allowed).toBe(10);
    expect(await tries(`${unique()}@example.com`, `${address}-elsewhere`)).toBe(1);
  });

  test('the window starts over once it has passed, and the Retry-After counts down to it', async () => {
    const email = `${unique()}@example.com`;
    expect(await tries(email, unique(), 4)).toBe(3);
    now = new Date(now.getTime() + 20_000);
    await expect(throttle().attempt(email, unique())).rejects.toMatchObject({ retryAfterSeconds: 40 });

    now = new Date(now.getTime() + 40_000);

    expect(await tries(email, unique(), 4)).toBe(3);
  });

  test('successes give the address its attempts back', async () => {
    const address = unique();
    for (let i = 0; i < 30; i++) {
      const email = `${unique()}@example.com`;
      await throttle().attempt(email, address);
      await throttle().succeeded(email, address);
    }

    expect(await tries(`${unique()}@example.com`, address)).toBe(1);
  });
});
