import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { NETWORK_ID_PATTERN } from '../shared/messages.js';
import { newPublicKeySchema } from '../shared/fields.js';
import { describeIssues } from '../shared/issues.js';
import { DEFAULT_BUSY_TIMEOUT_MS } from '../db/database.js';
import { IDENTITY_MODES } from '../shared/identity.js';
import { DEFAULT_TAILNET_PREFIXES, type IdentitySettings } from './settings/identity-settings.js';
import { ADMISSION_POLICIES, isAdmissionPolicy, type AdmissionPolicyName } from './settings/admission-policies.js';
import { DEFAULT_CHECKPOINT_INTERVAL_MS } from '../db/checkpoints.js';

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

const count = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Browser origins allowed besides mesh's own: `scheme://host[:port]`, as a browser sends them in Origin. */
const originListSchema = z
  .string()
  .default('')
  .transform((list) =>
    list
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
  )
  .pipe(
    z.array(
      z
        .string()
        .regex(/^https?:\/\/[^/?#\s]+$/i, 'each origin is scheme://host[:port], e.g. https://ops.example.ts.net')
        .transform((origin) => origin.toLowerCase()),
    ),
  );

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

const commaList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((list) =>
      list
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    );

/** MESH_TAILNET_PREFIXES: where Tailscale (or Headscale) hands out node addresses. */
const tailnetPrefixesSchema = commaList(DEFAULT_TAILNET_PREFIXES.join(',')).pipe(
  z
    .array(z.union([z.cidrv4(), z.cidrv6()], { error: 'each prefix is a CIDR, e.g. 100.64.0.0/10 or fd7a:115c:a1e0::/48' }))
    .min(1, 'name at least one prefix'),
);

/** MESH_IDENTITY_TAGS: ACL tags as tailscale writes them (tailcfg.CheckTag). */
const identityTagsSchema = commaList('').pipe(
  z.array(z.string().regex(/^tag:[A-Za-z][A-Za-z0-9-]*$/, 'each tag is tag:<name>, e.g. tag:validator')),
);

/** MESH_ADMISSION: policy names, comma-separated, each once; one that this build does not provide is refused by name. */
const admissionListSchema = commaList('manual')
  .superRefine((names, ctx) => {
    if (names.length === 0)
      ctx.addIssue({ code: 'custom', message: `must name at least one of ${ADMISSION_POLICIES.join(', ')}` });
    for (const name of names) {
      if (!isAdmissionPolicy(name)) {
        ctx.addIssue({ code: 'custom', message: `names "${name}", which is not a policy: use ${ADMISSION_POLICIES.join(', ')}` });
      }
    }
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', message: 'names a policy twice' });
  })
  .transform((names) => names as AdmissionPolicyName[]);

/** What @libsql/client opens: a local SQLite file, or a libSQL server (sqld, Turso). */
const SUPPORTED_DB_SCHEMES = ['file:', 'libsql:', 'http:', 'https:', 'ws:', 'wss:'];

const variablesSchema = z.object({
  MESH_PORT: z.coerce.number().int().min(0).max(65535).default(8190),
  MESH_HOST: z.string().min(1).default('0.0.0.0'),
  MESH_DB_PATH: z.string().min(1).default('./mesh.db'),
  MESH_DB_URL: z
    .string()
    .min(1)
    .superRefine((url, ctx) => {
      if (url === ':memory:' || SUPPORTED_DB_SCHEMES.some((scheme) => url.startsWith(scheme))) return;
      const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? 'none';
      ctx.addIssue({
        code: 'custom',
        message: `unsupported scheme "${scheme}": mesh keeps its data in SQLite or libSQL (${SUPPORTED_DB_SCHEMES.join(', ')} or :memory:); unset it to use the file at MESH_DB_PATH`,
      });
    })
    .optional(),
  MESH_NETWORK: z.string().regex(NETWORK_ID_PATTERN, 'must be 1-64 lowercase letters, digits, ".", "_" or "-"').default('tana'),
  MESH_MAX_SKEW_MS: milliseconds(300_000),
  // Much less than the past: a timestamp accepted from the future locks its key out until the clock
  // passes it, since the key's next timestamps must be later still.
  // Unset: DEFAULT_MAX_FUTURE_SKEW_MS, or MESH_MAX_SKEW_MS when that is less.
  MESH_MAX_FUTURE_SKEW_MS: z.coerce.number().int().positive().optional(),
  MESH_HEARTBEAT_INTERVAL_MS: milliseconds(120_000),
  MESH_OFFLINE_AFTER_MS: milliseconds(300_000),
  MESH_SWEEP_INTERVAL_MS: milliseconds(30_000),
  // Raw rows are the dashboard's recent history only (uptime comes from the hourly rollup): at
  // 1,000,000 nodes every minute of window is 500,000 rows.
  MESH_HEARTBEAT_RETENTION_MS: milliseconds(10 * 60 * 1000),
  MESH_EVENT_RETENTION_MS: milliseconds(7 * 24 * 60 * 60 * 1000),
  // A week of uptime, and a day more so that the week's window never starts in a pruned hour.
  MESH_UPTIME_RETENTION_MS: milliseconds(8 * 24 * 60 * 60 * 1000),
  MESH_EVENT_POLL_MS: milliseconds(200),
  MESH_DB_BUSY_TIMEOUT_MS: milliseconds(DEFAULT_BUSY_TIMEOUT_MS),
  // 0: mesh never checkpoints its WAL (Litestream does, as it asks to).
  MESH_DB_CHECKPOINT_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0, 'must not be negative (0: mesh never checkpoints)')
    .default(DEFAULT_CHECKPOINT_INTERVAL_MS),
  MESH_SELF_PRESERVATION_RATIO: z.coerce
    .number()
    .gt(0, 'must be more than 0')
    .max(1, 'must be at most 1 (a share of the active nodes)')
    .default(0.15),
  MESH_SELF_PRESERVATION_MAX_MS: milliseconds(15 * 60 * 1000),
  MESH_OFFLINE_RATE: z.coerce.number().int().positive().default(10),
  MESH_AUTO_DENY_AFTER_MISSED: z.coerce.number().int().min(0, 'must not be negative (0: off)').default(0),
  // Verification threads beside the main thread; none on a single core, where they would only compete.
  MESH_VERIFY_THREADS: z.coerce
    .number()
    .int()
    .min(0)
    .max(64)
    .default(Math.min(4, availableParallelism() - 1)),
  MESH_SOVEREIGN_KEYS: keyListSchema,
  MESH_RATE_LIMIT_PER_MINUTE: count(60),
  MESH_RATE_LIMIT_BURST: count(60),
  MESH_MAX_PENDING: count(1000),
  MESH_PENDING_TTL_MS: milliseconds(7 * 24 * 60 * 60 * 1000),
  MESH_ALLOWED_ORIGINS: originListSchema,
  MESH_LOG_REQUESTS: flag(true),
  MESH_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  // Unset: JSON lines for a collector, readable text when a person watches the terminal.
  MESH_LOG_FORMAT: z.enum(LOG_FORMATS).optional(),
  MESH_METRICS: flag(true),
  // How long a stop waits for requests in flight before it cuts them.
  MESH_SHUTDOWN_GRACE_MS: milliseconds(10_000),
  MESH_SERVICE_PROBE_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  MESH_SERVICE_PROBE_TIMEOUT_MS: milliseconds(5_000),
  MESH_SERVICE_PROBE_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(16),
  MESH_IDENTITY: z.enum(IDENTITY_MODES).default('off'),
  MESH_TAILSCALE_SOCKET: z.string().min(1).default('/var/run/tailscale/tailscaled.sock'),
  MESH_IDENTITY_TAGS: identityTagsSchema,
  MESH_TAILNET_PREFIXES: tailnetPrefixesSchema,
  MESH_IDENTITY_TIMEOUT_MS: milliseconds(2_000),
  // Sovereign signatures a decision takes (approve, deny, remove, sovereign add and remove), and
  // how long a signature waits for the others: a day lets sovereigns in other time zones co-sign.
  MESH_QUORUM: z.coerce.number().int().min(1, 'must be at least 1 (1: one sovereign decides alone)').max(100).default(1),
  MESH_QUORUM_WINDOW_MS: milliseconds(24 * 60 * 60 * 1000),
  MESH_ADMISSION: admissionListSchema,
  MESH_ADMISSION_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:9000/admit' })
    .optional(),
  MESH_ADMISSION_TIMEOUT_MS: milliseconds(2_000),
  // The identity policy approves a tagged machine whose evidence matches, without a sovereign: off
  // unless an operator chooses it, as it hands admission to whoever may tag machines in the tailnet.
  MESH_ADMISSION_IDENTITY_APPROVE: flag(false),
  // Several processes on one database: how long the leader's lease lasts unless renewed (a third of it).
  MESH_LEADER_LEASE_MS: milliseconds(15_000),
});

const DEFAULT_MAX_FUTURE_SKEW_MS = 30_000;

const configSchema = variablesSchema.superRefine((c, ctx) => {
  if (c.MESH_MAX_FUTURE_SKEW_MS !== undefined && c.MESH_MAX_FUTURE_SKEW_MS > c.MESH_MAX_SKEW_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['MESH_MAX_FUTURE_SKEW_MS'],
      message: `must not exceed MESH_MAX_SKEW_MS (${c.MESH_MAX_SKEW_MS}): a timestamp from the future locks its key out until then`,
    });
  }
  const http = c.MESH_ADMISSION.includes('http');
  if (http && !c.MESH_ADMISSION_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['MESH_ADMISSION_URL'],
      message: 'is required when MESH_ADMISSION names http: the URL registrations are posted to',
    });
  }
  if (c.MESH_ADMISSION.includes('identity') && c.MESH_IDENTITY === 'off') {
    ctx.addIssue({
      code: 'custom',
      path: ['MESH_ADMISSION'],
      message:
        'names identity but MESH_IDENTITY is off, so no evidence would be taken: set MESH_IDENTITY=advisory (the policy refuses what does not match at registration) or required',
    });
  }
  if (c.MESH_ADMISSION_IDENTITY_APPROVE && !c.MESH_ADMISSION.includes('identity')) {
    ctx.addIssue({
      code: 'custom',
      path: ['MESH_ADMISSION_IDENTITY_APPROVE'],
      message: 'is true but MESH_ADMISSION does not name identity, so it would never apply: add identity, or unset it',
    });
  }
  if (c.MESH_ADMISSION_IDENTITY_APPROVE && c.MESH_IDENTITY_TAGS.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['MESH_ADMISSION_IDENTITY_APPROVE'],
      message:
        'is true but MESH_IDENTITY_TAGS is empty: approving on identity alone is only for machines carrying a tag you name (e.g. tag:validator)',
    });
  }
  if (!http && c.MESH_ADMISSION_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['MESH_ADMISSION_URL'],
      message: 'is set but MESH_ADMISSION does not name http, so it would never be asked: add http, or unset it',
    });
  }
});

export interface MeshConfig {
  port: number;
  host: string;
  dbPath: string;
  dbUrl: string | undefined;
  network: string;
  /** How far in the past a signed request's timestamp may be. */
  maxSkewMs: number;
  /** How far in the future it may be (at most maxSkewMs). */
  maxFutureSkewMs: number;
  heartbeatIntervalMs: number;
  offlineAfterMs: number;
  sweepIntervalMs: number;
  heartbeatRetentionMs: number;
  eventRetentionMs: number;
  /** How long the uptime rollup keeps its hours (at least the week uptime covers, to be whole). */
  uptimeRetentionMs: number;
  eventPollMs: number;
  /** How long a write waits for another connection's write lock before it is refused as busy (503). */
  dbBusyTimeoutMs: number;
  /** How often mesh checkpoints the WAL of its database file; 0: never (Litestream does). */
  dbCheckpointIntervalMs: number;
  /** More than this share of the active nodes going offline in one offline window: mesh itself is probably cut off. */
  selfPreservationRatio: number;
  /** Self-preservation ends after this long at the latest. */
  selfPreservationMaxMs: number;
  /** After self-preservation ran out: at most this many silent nodes marked offline per sweep pass. */
  offlineRate: number;
  /** Heartbeat intervals an offline node may miss in a row before it is denied; 0: never. */
  autoDenyAfterMissed: number;
  verifyThreads: number;
  sovereignKeys: string[];
  /** Unauthenticated writes (registrations, heartbeats of nodes not approved) per source address: refill per minute. */
  rateLimitPerMinute: number;
  /** ... and how many may come at once. */
  rateLimitBurst: number;
  /** Pending registrations mesh holds at most: a new one beyond is refused until a sovereign decides or one expires. */
  maxPending: number;
  /** A registration still pending this long after it was made is removed by the sweeper. */
  pendingTtlMs: number;
  /** Browser origins besides mesh's own that may open a WebSocket. */
  allowedOrigins: string[];
  logRequests: boolean;
  logLevel: LogLevel;
  /** undefined: chosen by whether stdout is a terminal. */
  logFormat: LogFormat | undefined;
  /** Serve GET /metrics. */
  metrics: boolean;
  shutdownGraceMs: number;
  /** How often each active node's services are probed; 0: never. */
  serviceProbeIntervalMs: number;
  serviceProbeTimeoutMs: number;
  /** Service probes in flight at most. */
  serviceProbeConcurrency: number;
  /** The Tailscale identity check of registrations (server/identity/). */
  identity: IdentitySettings;
  /** Distinct sovereigns who must sign the same decision before it takes effect; 1: each decides alone. */
  quorum: number;
  /** How long a sovereign's signature on a decision counts while it waits for the quorum. */
  quorumWindowMs: number;
  /** The admission policies checked at registration, in order (README, Admission policies). */
  admission: AdmissionPolicyName[];
  /** Where the http policy posts registrations. */
  admissionUrl: string | undefined;
  /** How long the http policy waits for an answer before it refuses. */
  admissionTimeoutMs: number;
  /** Whether the identity policy approves at once a registration whose evidence matches (MESH_IDENTITY_TAGS set). */
  admissionIdentityApprove: boolean;
  /** How long the leader's lease lasts unless renewed: the longest a dead leader's work waits for another. */
  leaderLeaseMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads mesh's configuration from the environment; a bad value names its variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): MeshConfig {
  // A variable set to nothing is a mistake more often than a wish for the default (MESH_NETWORK= once
  // silently became "tana"); only an empty list means what it says.
  const empty = SERVER_VARIABLES.filter((name) => env[name] === '' && !LISTS.includes(name));
  if (empty.length > 0) {
    throw new ConfigError(
      `invalid configuration: ${empty.map((name) => `${name} is set but empty (unset it for the default, or give a value)`).join('; ')}`,
    );
  }
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
    maxFutureSkewMs: c.MESH_MAX_FUTURE_SKEW_MS ?? Math.min(DEFAULT_MAX_FUTURE_SKEW_MS, c.MESH_MAX_SKEW_MS),
    heartbeatIntervalMs: c.MESH_HEARTBEAT_INTERVAL_MS,
    offlineAfterMs: c.MESH_OFFLINE_AFTER_MS,
    sweepIntervalMs: c.MESH_SWEEP_INTERVAL_MS,
    heartbeatRetentionMs: c.MESH_HEARTBEAT_RETENTION_MS,
    eventRetentionMs: c.MESH_EVENT_RETENTION_MS,
    uptimeRetentionMs: c.MESH_UPTIME_RETENTION_MS,
    eventPollMs: c.MESH_EVENT_POLL_MS,
    dbBusyTimeoutMs: c.MESH_DB_BUSY_TIMEOUT_MS,
    dbCheckpointIntervalMs: c.MESH_DB_CHECKPOINT_INTERVAL_MS,
    selfPreservationRatio: c.MESH_SELF_PRESERVATION_RATIO,
    selfPreservationMaxMs: c.MESH_SELF_PRESERVATION_MAX_MS,
    offlineRate: c.MESH_OFFLINE_RATE,
    autoDenyAfterMissed: c.MESH_AUTO_DENY_AFTER_MISSED,
    verifyThreads: c.MESH_VERIFY_THREADS,
    sovereignKeys: c.MESH_SOVEREIGN_KEYS,
    rateLimitPerMinute: c.MESH_RATE_LIMIT_PER_MINUTE,
    rateLimitBurst: c.MESH_RATE_LIMIT_BURST,
    maxPending: c.MESH_MAX_PENDING,
    pendingTtlMs: c.MESH_PENDING_TTL_MS,
    allowedOrigins: c.MESH_ALLOWED_ORIGINS,
    logRequests: c.MESH_LOG_REQUESTS,
    logLevel: c.MESH_LOG_LEVEL,
    logFormat: c.MESH_LOG_FORMAT,
    metrics: c.MESH_METRICS,
    shutdownGraceMs: c.MESH_SHUTDOWN_GRACE_MS,
    serviceProbeIntervalMs: c.MESH_SERVICE_PROBE_INTERVAL_MS,
    serviceProbeTimeoutMs: c.MESH_SERVICE_PROBE_TIMEOUT_MS,
    serviceProbeConcurrency: c.MESH_SERVICE_PROBE_CONCURRENCY,
    identity: {
      mode: c.MESH_IDENTITY,
      socketPath: c.MESH_TAILSCALE_SOCKET,
      tags: c.MESH_IDENTITY_TAGS,
      tailnetPrefixes: c.MESH_TAILNET_PREFIXES,
      timeoutMs: c.MESH_IDENTITY_TIMEOUT_MS,
    },
    quorum: c.MESH_QUORUM,
    quorumWindowMs: c.MESH_QUORUM_WINDOW_MS,
    admission: c.MESH_ADMISSION,
    admissionUrl: c.MESH_ADMISSION_URL,
    admissionTimeoutMs: c.MESH_ADMISSION_TIMEOUT_MS,
    admissionIdentityApprove: c.MESH_ADMISSION_IDENTITY_APPROVE,
    leaderLeaseMs: c.MESH_LEADER_LEASE_MS,
  };
}

const LISTS: readonly string[] = ['MESH_SOVEREIGN_KEYS', 'MESH_ALLOWED_ORIGINS', 'MESH_IDENTITY_TAGS'];
const SERVER_VARIABLES = Object.keys(variablesSchema.shape) as Array<keyof typeof variablesSchema.shape>;
/** Read by the `mesh` CLI, which shares the environment of a host that runs mesh. */
const CLI_VARIABLES = ['MESH_URL', 'MESH_KEY', 'MESH_NODE_ID', 'MESH_ENROLLMENT_KEY'];
const KNOWN_VARIABLES: readonly string[] = [...SERVER_VARIABLES, ...CLI_VARIABLES];

/**
 * Warnings for MESH_* variables mesh does not read: usually a typo (MESH_PROT=9000), which would
 * otherwise leave the setting at its default without a word.
 */
export function unknownVariableWarnings(env: Record<string, string | undefined> = process.env): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('MESH_') && !KNOWN_VARIABLES.includes(name))
    .sort()
    .map((name) => {
      const closest = KNOWN_VARIABLES.map((known) => ({ known, distance: editDistance(name, known) })).sort(
        (a, b) => a.distance - b.distance,
      )[0];
      const hint = closest && closest.distance <= 3 ? ` (did you mean ${closest.known}?)` : '';
      return `warning: ${name} is not a mesh setting and is ignored${hint}`;
    });
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
