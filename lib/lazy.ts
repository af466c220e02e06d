/**
 * The one way to keep something for the container's life: a value built on first use. Services, settings,
 * SDK clients and database pools are wired this way, so importing a handler opens no connection and parses no
 * setting that could be wrong: a bad one surfaces as a logged 500 on the first request, not as an init crash
 * loop. (Read at import, and unable to fail: the secrets loader's settings, so the secrets can be prefetched
 * during init, and CORS_ORIGINS, as the Middy stack is built.)
 */
export function lazy<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  everyLazy.add(() => (built = undefined));
  return () => (built ??= { value: build() }).value;
}

const everyLazy = new Set<() => void>();

/**
 * Space for time, per container: `load()`'s value kept for `ttlMs()` milliseconds (read at each load; 0:
 * nothing kept), where a reply a little stale is acceptable. Calls while a load runs share it, so the source
 * sees at most one load per container per TTL; a failed load is not kept. resetLazyValues() forgets it too.
 */
export function expiring<T>(ttlMs: () => number, load: () => Promise<T>): () => Promise<T> {
  let kept: { value: Promise<T>; until: number } | undefined;
  everyLazy.add(() => (kept = undefined));
  return () => {
    const now = Date.now();
    if (kept && now < kept.until) return kept.value;
    kept = undefined;
    // Read first: a TTL that cannot be read fails the call before a load starts that nobody would wait for.
    const ttl = ttlMs();
    const value = load();
    if (ttl > 0) {
      const entry = { value, until: now + ttl };
      kept = entry;
      value.catch(() => {
        if (kept === entry) kept = undefined;
      });
    }
    return value;
  };
}

/**
 * Forgets every value lazy() has built: the next use builds it again from the environment then in force.
 * Tests call it through test/support/container.ts's startNewContainer(), which also closes the database pools
 * and clears the secrets cache; production never calls it.
 */
export function resetLazyValues(): void {
  for (const forget of everyLazy) forget();
}
