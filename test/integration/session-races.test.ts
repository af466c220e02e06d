import { drizzle } from 'drizzle-orm/mysql2';
import { decodeJwt } from 'jose';
import { createPool, type Pool } from 'mysql2/promise';
import { closeDatabase, connectionTargetOf, poolOptions } from '#db/client';
import { sessionRepository } from '#db/repositories/sessions';
import { databaseOf, serverOf, urlFor } from '#db/urls';
import { sessionService, type SessionStore } from '#lib/auth/sessions';
import { signAccessToken } from '#lib/auth/tokens';
import { useSecrets } from '#lib/config/secrets';
import { Unauthorized } from '#lib/errors';
import { registerUser } from '../support/fixtures';
import type { TestDatabase } from '../support/test-database';
import { resetLazyValues } from '#lib/lazy';

// A function's pool has 2 connections, so requests made in one test process never really overlap. On AWS
// every concurrent request has a container (and a connection) of its own: this suite gives the session
// store a pool of 20 app-user connections, so 20 exchanges really run at once in the database.
const test_ = JSON.parse(process.env.CONDUIT_TEST_DATABASE!) as TestDatabase;
let pool: Pool;
let store: SessionStore;
let userId: number;

beforeAll(async () => {
  const url = urlFor(serverOf(test_.adminUrl), databaseOf(test_.adminUrl), test_.app);
  pool = createPool({ ...poolOptions(connectionTargetOf(url)), connectionLimit: 20 });
  const db = drizzle({ client: pool });
  store = sessionRepository(db, db);
  useSecrets({ databasePassword: test_.app.password, signingKeys: process.env.JWT_SIGNING_KEYS! });
  const user = await registerUser();
  userId = Number(decodeJwt(user.token).sub);
});

afterAll(async () => {
  resetLazyValues();
  await Promise.all([pool.end(), closeDatabase()]);
});

const outcome = (attempt: Promise<unknown>) =>
  attempt.then(
    () => 'renewed',
    (error) => (error instanceof Unauthorized ? 'refused' : `failed: ${(error as Error).message}`),
  );

test('20 simultaneous exchanges of a rotated token and its replacement: no deadlock, one live token left', async () => {
  const sessions = sessionService(store, signAccessToken);
  const first = await sessions.open(userId);
  const second = await sessions.refresh(first.refreshToken);

  const outcomes = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      outcome(sessions.refresh(i % 2 ? first.refreshToken : second.refreshToken)),
    ),
  );

  expect(outcomes.filter((result) => result.startsWith('failed'))).toEqual([]);
  expect(outcomes.filter((result) => result === 'renewed').length).toBeGreaterThan(0);
  const [rows] = (await pool.query(
    'select count(*) as live from refresh_tokens where session_id = ? and rotated_at is null',
    [Number(decodeJwt(first.token).sid)],
  )) as unknown as [{ live: number }[]];
  expect(rows[0]!.live).toBe(1);
});

test('a logout racing 10 refreshes of its session: no deadlock, and the session ends', async () => {
  const sessions = sessionService(store, signAccessToken);
  const { token, refreshToken } = await sessions.open(userId);
  const sid = Number(decodeJwt(token).sid);

  const outcomes = await Promise.all([
    ...Array.from({ length: 10 }, () => outcome(sessions.refresh(refreshToken))),
    outcome(sessions.end({ userId, sessionId: sid })),
  ]);

  expect(outcomes.filter((result) => result.startsWith('failed'))).toEqual([]);
  expect(await store.isOpen(sid, userId)).toBe(false);
});
