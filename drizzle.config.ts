import { defineConfig } from 'drizzle-kit';

// Only `drizzle-kit generate` uses this file: it diffs db/schema against the committed snapshots and needs
// no database. Migrations are applied by db/migrate.ts (see ARCHITECTURE.md §4).
export default defineConfig({
  dialect: 'mysql',
  schema: './db/schema/index.ts',
  out: './db/migrations',
});
