import { createTestDatabase } from './test-database';

/** Runs once in Jest's parent process; workers inherit the environment set here. */
export default async function globalSetup(): Promise<void> {
  process.env.DATABASE_URL = await createTestDatabase('int');
  process.env.CONDUIT_TEST_DATABASE_URL = process.env.DATABASE_URL;
}
