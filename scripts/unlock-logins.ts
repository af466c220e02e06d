import { loginAttemptRepository } from '#db/repositories/login-attempts';
import { databaseOf } from '#db/urls';
import { loginThrottle } from '#lib/auth/throttle';
import { developmentDatabaseUrl, usingDatabase } from './local-server';

/**
 * `npm run db:unlock [-- e-mail]`: lifts login throttling on the development database (DB_NAME, else
 * `conduit`), for one e-mail or for everyone, e.g. after five wrong passwords locked a developer out for 15
 * minutes. Never meant for a deployed stage: there the window simply runs out.
 */
const email = process.argv[2];
developmentDatabaseUrl()
  .then(async (url) => {
    const dropped = await usingDatabase(url, (db) => loginThrottle(loginAttemptRepository(db)).unlock(email));
    console.log(`cleared ${dropped} login count(s) for ${email ?? 'everyone'} in ${databaseOf(url)}`);
  })
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
