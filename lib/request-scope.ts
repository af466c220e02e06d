import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the database layer remembers about one request: whether it has written. Once it has, its reads go
 * to the primary too, so it reads its own writes even when the replica lags. Kept per async context, not
 * per container, so requests that overlap in one process (tests, offline) never share it.
 */
interface RequestScope {
  wrote: boolean;
}

const scope = new AsyncLocalStorage<RequestScope>();

export function inRequestScope<T>(work: () => Promise<T>): Promise<T> {
  return scope.run({ wrote: false }, work);
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
