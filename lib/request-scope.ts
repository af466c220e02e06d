import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What one request carries through every layer without passing it along: whether it has written (once it
 * has, its reads go to the primary too, so it reads its own writes even when the replica lags), how many
 * round trips it made to the database, and the fields every log line it writes names (its route, its user).
 * Kept per async context, not per container, so requests that overlap in one process (tests, offline) never
 * share it.
 */
interface RequestScope {
  wrote: boolean;
  roundTrips: number;
  logFields: Record<string, unknown>;
}

const scope = new AsyncLocalStorage<RequestScope>();

export function inRequestScope<T>(
  work: () => Promise<T>,
  logFields: Record<string, unknown> = {},
): Promise<T> {
  return scope.run({ wrote: false, roundTrips: 0, logFields: { ...logFields } }, work);
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
