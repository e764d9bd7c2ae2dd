import { defineConfig } from 'vitest/config';

// Sized for the slowest machine the suite runs on: 2 cores shared with other work. There a test
// that starts processes (the CLI, the server, through tsx) pays 1 to 3 s for each start, and the
// CLI end-to-end file chains several; a hang still fails, within a minute.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    reporters: ['default', './scripts/testing/counts-reporter.ts'],
    // MESH_TEST_DB_URL (db/testing/test-database.ts): the files then share one database, one at a time.
    fileParallelism: !process.env.MESH_TEST_DB_URL,
  },
});
