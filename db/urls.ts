/** mysql:// URLs, as scripts, tests and the migrate function pass servers and databases around. */

/** The URL of `database` on the server at `serverUrl`. */
export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** The URL `account` connects to `database` with, on the server `serverUrl` points at. */
export function urlFor(
  serverUrl: string,
  database: string,
  { user, password }: { user: string; password: string },
): string {
  const url = new URL(withDatabase(serverUrl, database));
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** The server part of a database URL (no database in it). */
export function serverOf(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '';
  return url.toString().replace(/\/$/, '');
}

export function databaseOf(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
}
