/**
 * The floor for mesh's start-up at scale: a fresh process reads every row of the nodes and services
 * tables once through @libsql/client, the driver mesh uses, and prints how long SQLite took.
 * Run by the benchmark as its own process (TABLE_READ_DB names the file), like mesh's start-up.
 */
import { createClient } from '@libsql/client';

const path = process.env.TABLE_READ_DB;
if (!path) throw new Error('TABLE_READ_DB is not set');
const client = createClient({ url: `file:${path}` });
// The seeding connection may still be letting go of the file: wait for it rather than fail.
await client.execute('PRAGMA busy_timeout = 30000');
const timed = async (sql: string) => {
  const started = performance.now();
  const result = await client.execute(sql);
  return { ms: performance.now() - started, rows: result.rows.length };
};
const nodes = await timed('SELECT * FROM nodes');
const services = await timed('SELECT * FROM services');
client.close();
process.stdout.write(
  `table-read ${JSON.stringify({ nodesMs: nodes.ms, nodes: nodes.rows, servicesMs: services.ms, services: services.rows })}\n`,
);
