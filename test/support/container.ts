import { clearCache } from '@middy/util';
import { closeDatabase } from '#db/client';
import { resetLazyValues } from '#lib/lazy';

/**
 * What tests that change the environment call, as a new Lambda container would start: the database pools
 * closed, every lazy() value (settings, services, SDK clients, loaded secrets) and the secrets cache (@middy/util's)
 * forgotten. The next request builds everything again from the environment then in force.
 */
export async function startNewContainer(): Promise<void> {
  await closeDatabase();
  resetLazyValues();
  clearCache();
}
