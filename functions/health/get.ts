import { ok } from '#lib/http/responses';
import { route } from '#lib/http/route';
import { checkDatabase } from '#lib/wiring/readiness';

/**
 * GET /api/health, for load balancers and uptime checks: 200 when the database answers `select 1` (the
 * primary, and the replica when there is one, on the pools requests use). When it does not, the error
 * contract answers as for any request: 503 with Retry-After. No token; one cheap statement per endpoint, so it
 * may be asked every few seconds. The secrets come from the container's cache like any request's.
 */
export const handler = route({ auth: 'none' }, async () => {
  await checkDatabase();
  return ok({
    status: 'ok',
    version: process.env.SERVICE_VERSION || 'unknown',
    stage: process.env.STAGE || 'local',
  });
});
