import { checkConnections } from '#db/client';
import { loadSecretsNow } from '#lib/config/load-secrets';

/**
 * What a warm-up from the pre-traffic hook proves before a new version takes traffic: what the first request
 * would do before its query. The secrets are fetched, and the database connections opened and checked with
 * `select 1`. Nothing is written. route() loads this module only when a warm-up arrives.
 */
export async function checkReadiness(): Promise<void> {
  await loadSecretsNow();
  await checkConnections();
}

/**
 * Whether the database answers (`select 1` on the primary, and on the replica when there is one), with the
 * secrets the request has loaded: GET /api/health.
 */
export const checkDatabase = checkConnections;
