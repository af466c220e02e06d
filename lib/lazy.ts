/**
 * The one way to keep something for the container's life: a value built on first use. Services, settings,
 * SDK clients and database pools are wired this way, so importing a handler never reads configuration or
 * opens connections: a bad setting surfaces as a logged 500 on the first request, not as an init crash loop.
 */
export function lazy<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  everyLazy.add(() => (built = undefined));
  return () => (built ??= { value: build() }).value;
}

const everyLazy = new Set<() => void>();

/**
 * Forgets every value lazy() has built, as a new container would start: the next use builds it again from the
 * environment then in force. For tests that change the environment between cases (close what holds
 * connections first, e.g. closeDatabase()); production never calls it.
 */
export function resetLazyValues(): void {
  for (const forget of everyLazy) forget();
}
