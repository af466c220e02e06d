import type { Context } from 'aws-lambda';
import { runPreTrafficHook, type HookEvent } from '#lib/deploy/pre-traffic';

/** CodeDeploy's BeforeAllowTraffic hook for every API function (see lib/deploy/pre-traffic.ts). */
export const handler = async (event: HookEvent, context: Context) => {
  await runPreTrafficHook(event, {
    environments: Math.max(1, Number(process.env.WARM_ENVIRONMENTS) || 1),
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
};
