/**
 * A value built on first use and kept for the container's life. Services are wired this way so importing
 * a handler never reads configuration or opens connections: a bad setting surfaces as a logged 500 on
 * the first request, not as an init crash loop.
 */
export function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}
