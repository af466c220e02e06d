import { accountNamesFor, appPrivileges, migratorPrivileges, provisionUsers, required } from '#db/accounts';

/**
 * `npm run db:users`: creates (or brings up to date) the service's two database users on a server, as its
 * administrator (see db/accounts.ts).
 *
 *   DB_ADMIN_URL=mysql://admin:…@host:3306 DB_NAME=conduit DB_APP_PASSWORD=… DB_MIGRATOR_PASSWORD=… npm run db:users
 */
const database = process.env.DB_NAME || 'conduit';
const names = accountNamesFor(database);
Promise.resolve()
  .then(async () => {
    const users = {
      database,
      app: { user: names.app, password: required('DB_APP_PASSWORD') },
      migrator: { user: names.migrator, password: required('DB_MIGRATOR_PASSWORD') },
    };
    await provisionUsers(required('DB_ADMIN_URL'), users);
    console.log(
      `users ${users.migrator.user} (${migratorPrivileges.join(', ')}) and ${users.app.user} ` +
        `(${appPrivileges.join(', ')}) hold exactly these privileges on ${database}`,
    );
  })
  .catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
