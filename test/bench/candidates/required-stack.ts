/**
 * The cold-start benchmark's floor for this design: GET /api/user with only the parts the service is required
 * to be built on (Middy, Drizzle on mysql2, jose, the secrets read through the Parameters and Secrets extension
 * over HTTP), bundled as the functions are (serverless.yml's esbuild settings and mysql2 trimming). Nothing
 * else: no validation, logging, metrics, error contract or session check. No function can start faster than
 * this; what they take beyond it is what the rest of the code costs.
 */
import middy from '@middy/core';
import { eq } from 'drizzle-orm';
import { int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { drizzle } from 'drizzle-orm/mysql2';
import { jwtVerify } from 'jose';
import { createPool, type Pool } from 'mysql2/promise';
import { get } from 'node:http';

const users = mysqlTable('users', {
  id: int('id').primaryKey(),
  email: varchar('email', { length: 255 }),
  username: varchar('username', { length: 255 }),
  bio: varchar('bio', { length: 1000 }),
  image: varchar('image', { length: 1000 }),
});

/** One parameter through the extension, as lib/config/load-secrets.ts reads it. */
const parameter = (name: string) =>
  new Promise<string>((resolve, reject) => {
    const url = `http://localhost:${process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT}/systemsmanager/parameters/get?name=${encodeURIComponent(name)}&withDecryption=true`;
    const headers = { 'X-Aws-Parameters-Secrets-Token': process.env.AWS_SESSION_TOKEN ?? '' };
    get(url, { headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () =>
        resolve((JSON.parse(body) as { Parameter: { Value: string } }).Parameter.Value),
      );
    }).on('error', reject);
  });

const secrets = Promise.all([
  parameter(process.env.DB_PASSWORD_PARAMETER!),
  parameter(`${process.env.SSM_PREFIX}/jwt/signing-keys`),
]);

let pool: Pool | undefined;

export const handler = middy(async (event: { headers: Record<string, string | undefined> }) => {
  const [database, signingKeys] = await secrets;
  const key = new TextEncoder().encode(signingKeys.split('=')[1]);
  const token = /^Token (.+)$/.exec(event.headers.authorization ?? '')?.[1] ?? '';
  const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
  pool ??= createPool({
    host: process.env.DB_HOST,
    port: Number(process.env.DB_PORT),
    user: process.env.DB_USER,
    password: (JSON.parse(database) as { password: string }).password,
    database: process.env.DB_NAME,
    // The trimmed mysql2 has no code generator (deploy/esbuild-plugins.js).
    disableEval: true,
  });
  const [user] = await drizzle({ client: pool })
    .select({ email: users.email, username: users.username, bio: users.bio, image: users.image })
    .from(users)
    .where(eq(users.id, Number(payload.sub)));
  return { statusCode: 200, body: JSON.stringify({ user: { ...user, token } }) };
});
