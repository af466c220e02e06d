/**
 * The warm-up event the pre-traffic hook (lib/deploy/pre-traffic.ts) sends to each new version before any
 * traffic moves, and the reply route() answers it with. This module imports nothing: every function's bundle
 * carries it.
 */
export const warmUpSource = 'conduit.pre-traffic-hook';

export interface WarmUpEvent {
  source: typeof warmUpSource;
  /**
   * How long each warm-up holds its environment (ms): N warm-ups sent at once then occupy N environments
   * instead of queueing on the first one that is ready.
   */
  holdMs: number;
}

export interface WarmUpReply {
  status: 'ready';
  function: string;
  version: string;
}

/** The longest hold a warm-up honours, whatever it asks for. */
export const maxHoldMs = 5_000;

/**
 * True only for a direct invocation by the hook. API Gateway's events always carry `requestContext`, and a
 * client controls only the headers, path, query and body inside them, never their top-level fields: a
 * request cannot pass for a warm-up.
 */
export function isWarmUp(event: unknown): event is WarmUpEvent {
  return (
    typeof event === 'object' &&
    event !== null &&
    !('requestContext' in event) &&
    (event as { source?: unknown }).source === warmUpSource
  );
}

export function warmUpEvent(holdMs: number): WarmUpEvent {
  return { source: warmUpSource, holdMs };
}
