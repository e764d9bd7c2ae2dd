import { redactUrl, databaseUrl } from '../db/database.js';
import { startMesh } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { consoleLogger, type Logger } from './log.js';
import { createPinoLogger } from './logging/pino-logger.js';

// Until the configuration is read, a bad variable is reported as a plain line.
let logger: Logger = consoleLogger;

async function main(): Promise<void> {
  const config = loadConfig();
  logger = createPinoLogger({ level: config.logLevel, format: config.logFormat });
  const running = await startMesh(config, { logger });
  logger.info(
    `mesh ${running.mesh.version} on ${config.host}:${running.port}, network "${config.network}", database ${redactUrl(
      databaseUrl({ url: config.dbUrl, path: config.dbPath }),
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
  const shutdown = (signal: string) => {
    logger.info(`${signal}: shutting down`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) logger.error(error.message);
  else logger.error('mesh could not start', error);
  process.exit(1);
});
