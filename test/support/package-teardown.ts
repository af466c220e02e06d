import { rmSync } from 'node:fs';

export default async function teardown(): Promise<void> {
  if (process.env.CONDUIT_PACKAGE_DIR)
    rmSync(process.env.CONDUIT_PACKAGE_DIR, { recursive: true, force: true });
}
