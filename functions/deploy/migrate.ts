import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import path from 'node:path';
import { migrateDatabase } from '#db/migrate';
import { appPrivileges, migratorPrivileges, provisionUsers, type Account } from '#db/accounts';
import { urlFor } from '#db/urls';
import { parseSettings, setting } from '#lib/config/env';
import { lazy } from '#lib/lazy';

/**
 * Deploy-time function, inside the stage's VPC (the database is not reachable from anywhere else): applies
 * the committed migrations as the migrator user, straight on the primary instance. With
 * `{"provisionUsers": true}` it first creates or updates the two database users as RDS's master user, with
 * the passwords kept in the stage's secrets (a stage's first setup; again after rotating a password).
 * `npm run deploy:migrate` (deploy/migrate.sh) updates and invokes it before every deploy.
 */
interface MigrateEvent {
  provisionUsers?: boolean;
}

const secretsManager = lazy(() => new SecretsManagerClient({}));

/** A database secret as Secrets Manager keeps it for RDS: `{"username": …, "password": …}`. */
async function account(secretId: string): Promise<Account> {
  const { SecretString } = await secretsManager().send(new GetSecretValueCommand({ SecretId: secretId }));
  const { username, password } = JSON.parse(SecretString ?? '{}') as { username?: string; password?: string };
  if (!username || typeof password !== 'string')
    throw new Error(`secret ${secretId} lacks a username or a password`);
  return { user: username, password };
}

export const handler = async (event: MigrateEvent | null) => {
  const settings = parseSettings(process.env, {
    DB_NAME: setting.required,
    DB_HOST: setting.required,
    DB_PORT: setting.port,
    DB_TLS: setting.tls,
    DB_MIGRATOR_SECRET: setting.required,
    DB_APP_SECRET: setting.required,
  });
  const database = settings.DB_NAME;
  const tls = settings.DB_TLS === 'rds' ? '?ssl=Amazon%20RDS' : '';
  const server = `mysql://${settings.DB_HOST}:${settings.DB_PORT}`;
  const [migrator, app] = await Promise.all([
    account(settings.DB_MIGRATOR_SECRET),
    account(settings.DB_APP_SECRET),
  ]);
  if (event?.provisionUsers) {
    // Needed only to provision users, so a plain migration runs without it.
    const { DB_ADMIN_SECRET } = parseSettings(process.env, { DB_ADMIN_SECRET: setting.required });
    const admin = await account(DB_ADMIN_SECRET);
    await provisionUsers(`${urlFor(server, '', admin)}${tls}`, { database, app, migrator });
  }
  // The bundle's migrations sit in db/migrations beside it (serverless.yml: package.patterns).
  await migrateDatabase(
    `${urlFor(server, database, migrator)}${tls}`,
    path.join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), 'db', 'migrations'),
  );
  return {
    database,
    migrated: true,
    ...(event?.provisionUsers && {
      users: { [migrator.user]: migratorPrivileges, [app.user]: appPrivileges },
    }),
  };
};
