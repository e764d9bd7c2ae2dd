import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { NETWORK_ID_PATTERN } from '../shared/messages.js';
import { newPublicKeySchema } from '../shared/fields.js';
import { describeIssues } from '../shared/issues.js';

const milliseconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true');

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const LOG_FORMATS = ['json', 'text'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];

const keyListSchema = z
  .string()
  .default('')
  .transform((list) =>
    list
      .split(',')
      .map((key) => key.trim())
      .filter((key) => key !== ''),
  )
  .pipe(z.array(newPublicKeySchema));

const configSchema = z.object({
  MESH_PORT: z.coerce.number().int().min(0).max(65535).default(8190),
  MESH_HOST: z.string().min(1).default('0.0.0.0'),
  MESH_DB_PATH: z.string().min(1).default('./mesh.db'),
  MESH_DB_URL: z.string().min(1).optional(),
  MESH_NETWORK: z.string().regex(NETWORK_ID_PATTERN, 'must be 1-64 lowercase letters, digits, ".", "_" or "-"').default('tana'),
  MESH_MAX_SKEW_MS: milliseconds(300_000),
  MESH_HEARTBEAT_INTERVAL_MS: milliseconds(120_000),
  MESH_OFFLINE_AFTER_MS: milliseconds(300_000),
  MESH_SWEEP_INTERVAL_MS: milliseconds(30_000),
  MESH_HEARTBEAT_RETENTION_MS: milliseconds(24 * 60 * 60 * 1000),
  MESH_EVENT_RETENTION_MS: milliseconds(7 * 24 * 60 * 60 * 1000),
  MESH_EVENT_POLL_MS: milliseconds(200),
  // Verification threads beside the main thread; none on a single core, where they would only compete.
  MESH_VERIFY_THREADS: z.coerce
    .number()
    .int()
    .min(0)
    .max(64)
    .default(Math.min(4, availableParallelism() - 1)),
  MESH_SOVEREIGN_KEYS: keyListSchema,
  MESH_LOG_REQUESTS: flag(true),
  MESH_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  // Unset: JSON lines for a collector, readable text when a person watches the terminal.
  MESH_LOG_FORMAT: z.enum(LOG_FORMATS).optional(),
  MESH_METRICS: flag(true),
});

export interface MeshConfig {
  port: number;
  host: string;
  dbPath: string;
  dbUrl: string | undefined;
  network: string;
  maxSkewMs: number;
  heartbeatIntervalMs: number;
  offlineAfterMs: number;
  sweepIntervalMs: number;
  heartbeatRetentionMs: number;
  eventRetentionMs: number;
  eventPollMs: number;
  verifyThreads: number;
  sovereignKeys: string[];
  logRequests: boolean;
  logLevel: LogLevel;
  /** undefined: chosen by whether stdout is a terminal. */
  logFormat: LogFormat | undefined;
  /** Serve GET /metrics. */
  metrics: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads mesh's configuration from the environment; a bad value names its variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): MeshConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration: ${describeIssues(parsed.error.issues)}`);
  }
  const c = parsed.data;
  return {
    port: c.MESH_PORT,
    host: c.MESH_HOST,
    dbPath: c.MESH_DB_PATH,
    dbUrl: c.MESH_DB_URL,
    network: c.MESH_NETWORK,
    maxSkewMs: c.MESH_MAX_SKEW_MS,
    heartbeatIntervalMs: c.MESH_HEARTBEAT_INTERVAL_MS,
    offlineAfterMs: c.MESH_OFFLINE_AFTER_MS,
    sweepIntervalMs: c.MESH_SWEEP_INTERVAL_MS,
    heartbeatRetentionMs: c.MESH_HEARTBEAT_RETENTION_MS,
    eventRetentionMs: c.MESH_EVENT_RETENTION_MS,
    eventPollMs: c.MESH_EVENT_POLL_MS,
    verifyThreads: c.MESH_VERIFY_THREADS,
    sovereignKeys: c.MESH_SOVEREIGN_KEYS,
    logRequests: c.MESH_LOG_REQUESTS,
    logLevel: c.MESH_LOG_LEVEL,
    logFormat: c.MESH_LOG_FORMAT,
    metrics: c.MESH_METRICS,
  };
}
