import { redactUrl, databaseUrl } from '../db/database.js';
import { checkDatabaseLocation } from '../db/location.js';
import { startMesh } from './app.js';
import { loadConfig, unknownVariableWarnings, type MeshConfig } from './config.js';
import { consoleLogger, type Logger } from './log.js';
import { createPinoLogger } from './logging/pino-logger.js';
import { describeStartupFailure, STARTUP_EXIT } from './startup-failure.js';

// Until the configuration is read, problems are reported as plain lines.
let logger: Logger = consoleLogger;
let config: MeshConfig | undefined;

async function main(): Promise<void> {
  for (const warning of unknownVariableWarnings()) logger.info(warning);
  config = loadConfig();
  logger = createPinoLogger({ level: config.logLevel, format: config.logFormat });
  const url = databaseUrl({ url: config.dbUrl, path: config.dbPath });
  checkDatabaseLocation(url, config.dbUrl ? 'MESH_DB_URL' : 'MESH_DB_PATH');
  const running = await startMesh(config, { logger });
  const graceMs = config.shutdownGraceMs;
  let stopping = false;
  const shutdown = (signal: string) => {
    // npm passes a terminal's Ctrl-C on to mesh, which got it from the terminal already, and a
    // supervisor may repeat itself: a stop under way is never cut short by a signal it can catch.
    if (stopping) {
      logger.info(
        `${signal} again while stopping: ignored; mesh stops once the requests in flight are answered (at most MESH_SHUTDOWN_GRACE_MS, ${graceMs} ms). SIGKILL stops it at once`,
      );
      return;
    }
    stopping = true;
    logger.info(`${signal}: shutting down`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  // Before the start line: a supervisor may signal the pid the moment it reads it, and without a
  // handler the default action would kill mesh mid-write instead of closing it.
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // The pid is the process to signal: mesh runs as this one process, under npm, bun or a supervisor.
  logger.info(
    `mesh ${running.mesh.version} on ${config.host}:${running.port}, pid ${process.pid}, network "${config.network}", database ${redactUrl(
      url,
    )}, ${running.mesh.registry.nodeCount} nodes`,
    {
      version: running.mesh.version,
      host: config.host,
      port: running.port,
      network: config.network,
      nodes: running.mesh.registry.nodeCount,
      metrics: config.metrics,
    },
  );
  if (running.mesh.registry.sovereigns().length === 0) {
    logger.info('no sovereign key yet: set MESH_SOVEREIGN_KEYS or run `npm run sovereign:bootstrap -- <publicKeyHex>`');
  }
}

main().catch((error: unknown) => {
  const known = describeStartupFailure(error, config);
  // An operator error is one plain line, whatever the log format: it is read by a person at a terminal or in journald.
  if (known) consoleLogger.error(known.message);
  else logger.error('mesh could not start', error);
  process.exit(known?.exitCode ?? STARTUP_EXIT.unexpected);
});
