import { defineConfig } from 'drizzle-kit';

// Generates the committed SQL migrations under db/migrations: `npm run db:generate`.
export default defineConfig({
  dialect: 'sqlite',
  schema: './db/schema.ts',
  out: './db/migrations',
});
