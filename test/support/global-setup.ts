import { createTestDatabase, functionEnvironmentOf } from './test-database';

/** Runs once in Jest's parent process; workers inherit the environment set here. */
export default async function globalSetup(): Promise<void> {
  const test = await createTestDatabase('int');
  Object.assign(process.env, functionEnvironmentOf(test));
  process.env.CONDUIT_TEST_DATABASE = JSON.stringify(test);
}
