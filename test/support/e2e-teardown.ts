import { rmSync } from 'node:fs';
import { e2eIdentityProvider, stopGroup } from './e2e-setup';
import { dropTestDatabase } from './test-database';

/** Stops the `serverless offline` process group and identity provider e2e-setup.ts started, then drops its database. */
export default async function teardown(): Promise<void> {
  const pid = Number(process.env.CONDUIT_E2E_PID) || undefined;
  stopGroup(pid);
  if (pid && !(await exited(pid, 5_000))) stopGroup(pid, 'SIGKILL');
  await e2eIdentityProvider.current?.stop();
  if (process.env.CONDUIT_E2E_DATABASE) await dropTestDatabase(JSON.parse(process.env.CONDUIT_E2E_DATABASE));
  if (process.env.CONDUIT_E2E_WORK_FOLDER)
    rmSync(process.env.CONDUIT_E2E_WORK_FOLDER, { recursive: true, force: true });
}

async function exited(pid: number, timeoutMs: number): Promise<boolean> {
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    try {
      process.kill(-pid, 0);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
