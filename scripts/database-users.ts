import { accountNamesFor, appPrivileges, migratorPrivileges, provisionUsers } from '#db/accounts';
import { parseSettings, setting } from '#lib/config/env';

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
    const settings = parseSettings(process.env, {
      DB_ADMIN_URL: setting.required,
      DB_APP_PASSWORD: setting.required,
      DB_MIGRATOR_PASSWORD: setting.required,
    });
    const users = {
      database,
      app: { user: names.app, password: settings.DB_APP_PASSWORD },
      migrator: { user: names.migrator, password: settings.DB_MIGRATOR_PASSWORD },
    };
    await provisionUsers(settings.DB_ADMIN_URL, users);
    console.log(
      `users ${users.migrator.user} (${migratorPrivileges.join(', ')}) and ${users.app.user} ` +
        `(${appPrivileges.join(', ')}) hold exactly these privileges on ${database}`,
    );
  })
  .catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
