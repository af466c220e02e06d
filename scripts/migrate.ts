import { migrateDatabase } from '#db/migrate';
import { databaseOf } from '#db/urls';
import { developmentDatabaseUrl } from './local-server';

/** `npm run db:migrate`: applies pending migrations to the development database (DATABASE_URL, else `conduit`). */
developmentDatabaseUrl()
  .then(async (url) => {
    await migrateDatabase(url);
    console.log(`migrated ${databaseOf(url)} on ${new URL(url).host}`);
  })
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
