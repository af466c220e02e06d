import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deployedStages, serverless } from './packaging';

/**
 * Packages `dev` and `prod`, once per run, for every deploy test (see packaging.ts). One after the other:
 * serverless-esbuild stages its zips in the service's own .serverless folder, which two runs would share.
 */
export default async function setup(): Promise<void> {
  const folder = mkdtempSync(path.join(tmpdir(), 'conduit-package-'));
  process.env.CONDUIT_PACKAGE_DIR = folder;
  for (const stage of deployedStages) {
    await serverless(
      ['package', '--stage', stage, '--package', path.join(folder, stage)],
      path.join('.local', `esbuild-package-${stage}-${process.pid}`),
    );
  }
}
