import { rmSync } from 'node:fs';
import { e2eIdentityProvider, e2eMail, e2eS3, stopAndWait } from './e2e-setup';
import { dropTestDatabase } from './test-database';

/** Stops the `serverless offline` process group and identity provider e2e-setup.ts started, then drops its database. */
export default async function teardown(): Promise<void> {
  await stopAndWait(Number(process.env.CONDUIT_E2E_PID) || undefined);
  await e2eIdentityProvider.current?.stop();
  await e2eS3.current?.stop();
  await e2eMail.current?.stop();
  if (process.env.CONDUIT_E2E_DATABASE) await dropTestDatabase(JSON.parse(process.env.CONDUIT_E2E_DATABASE));
  if (process.env.CONDUIT_E2E_WORK_FOLDER)
    rmSync(process.env.CONDUIT_E2E_WORK_FOLDER, { recursive: true, force: true });
}
