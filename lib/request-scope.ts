import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What one request carries through every layer without passing it along: whether it has written (once it
 * has, its reads go to the primary too, so it reads its own writes even when the replica lags), how many
 * round trips it made to the database, whether it is synthetic (the scenario check's, kept out of the
 * business counts), and the fields every log line it writes names (its route, its user).
 * Kept per async context, not per container, so requests that overlap in one process (tests, offline) never
 * share it.
 */
interface RequestScope {
  wrote: boolean;
  roundTrips: number;
  synthetic: boolean;
  logFields: Record<string, unknown>;
}

interface ScopeStart {
  /** Fields every log line of the request names. */
  logFields?: Record<string, unknown>;
  synthetic?: boolean;
}

const scope = new AsyncLocalStorage<RequestScope>();

export function inRequestScope<T>(
  work: () => Promise<T>,
  { logFields = {}, synthetic = false }: ScopeStart = {},
): Promise<T> {
  return scope.run({ wrote: false, roundTrips: 0, synthetic, logFields: { ...logFields } }, work);
}

/** Whether the current request is the scenario check's rather than a user's. */
export function isSyntheticRequest(): boolean {
  return scope.getStore()?.synthetic === true;
}

/** Called for every statement sent to the primary. */
export function markWrite(): void {
  const current = scope.getStore();
  if (current) current.wrote = true;
}

/** Reads go to the replica only inside a request that has not written; outside a request (scripts), never. */
export function mayReadFromReplica(): boolean {
  return scope.getStore()?.wrote === false;
}

/** Called for every statement and ping sent to either database server. */
export function countRoundTrip(): void {
  const current = scope.getStore();
  if (current) current.roundTrips += 1;
}

/** The database round trips the current request has made so far (0 outside a request). */
export function roundTrips(): number {
  return scope.getStore()?.roundTrips ?? 0;
}

/** Adds fields to every later log line of the current request (lib/log.ts); outside a request, nothing. */
export function addLogFields(fields: Record<string, unknown>): void {
  const current = scope.getStore();
  if (current) Object.assign(current.logFields, fields);
}

export function currentLogFields(): Record<string, unknown> | undefined {
  return scope.getStore()?.logFields;
}
