import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, unknownVariableWarnings } from './config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 8190,
      host: '0.0.0.0',
      dbPath: './mesh.db',
      dbUrl: undefined,
      network: 'tana',
      maxSkewMs: 300_000,
      maxFutureSkewMs: 30_000,
      heartbeatIntervalMs: 120_000,
      offlineAfterMs: 300_000,
      sweepIntervalMs: 30_000,
      heartbeatRetentionMs: 600_000,
      eventRetentionMs: 604_800_000,
      uptimeRetentionMs: 691_200_000,
      eventPollMs: 200,
      dbBusyTimeoutMs: 5000,
      dbCheckpointIntervalMs: 1000,
      selfPreservationRatio: 0.15,
      selfPreservationMaxMs: 900_000,
      offlineRate: 10,
      autoDenyAfterMissed: 0,
      verifyThreads: expect.any(Number),
      sovereignKeys: [],
      rateLimitPerMinute: 60,
      rateLimitBurst: 60,
      maxPending: 1000,
      pendingTtlMs: 604_800_000,
      allowedOrigins: [],
      logRequests: true,
      logLevel: 'info',
      logFormat: undefined,
      metrics: true,
      shutdownGraceMs: 10_000,
      serviceProbeIntervalMs: 60_000,
      serviceProbeTimeoutMs: 5_000,
      serviceProbeConcurrency: 16,
      quorum: 1,
      quorumWindowMs: 24 * 60 * 60 * 1000,
      identity: {
        mode: 'off',
        socketPath: '/var/run/tailscale/tailscaled.sock',
        tags: [],
        tailnetPrefixes: ['100.64.0.0/10', 'fd7a:115c:a1e0::/48'],
        timeoutMs: 2_000,
      },
      admission: ['manual'],
      admissionUrl: undefined,
      admissionTimeoutMs: 2_000,
      admissionIdentityApprove: false,
      leaderLeaseMs: 15_000,
    });
  });

  it('reads the Tailscale identity settings, refusing a mode, prefix or tag it does not know', () => {
    expect(
      loadConfig({
        MESH_IDENTITY: 'required',
        MESH_TAILSCALE_SOCKET: '/run/ts/tailscaled.sock',
        MESH_IDENTITY_TAGS: 'tag:validator, tag:sentry-2',
        MESH_TAILNET_PREFIXES: '127.0.0.0/8,::1/128',
        MESH_IDENTITY_TIMEOUT_MS: '500',
      }).identity,
    ).toEqual({
      mode: 'required',
      socketPath: '/run/ts/tailscaled.sock',
      tags: ['tag:validator', 'tag:sentry-2'],
      tailnetPrefixes: ['127.0.0.0/8', '::1/128'],
      timeoutMs: 500,
    });
    expect(loadConfig({ MESH_IDENTITY_TAGS: '' }).identity.tags).toEqual([]);
    expect(() => loadConfig({ MESH_IDENTITY: 'strict' })).toThrow(/MESH_IDENTITY/);
    expect(() => loadConfig({ MESH_TAILNET_PREFIXES: '100.64.0.0' })).toThrow(/MESH_TAILNET_PREFIXES.*CIDR/);
    expect(() => loadConfig({ MESH_TAILNET_PREFIXES: '100.64.0.0/10,fd7a::/200' })).toThrow(/MESH_TAILNET_PREFIXES/);
    expect(() => loadConfig({ MESH_IDENTITY_TAGS: 'validator' })).toThrow(/MESH_IDENTITY_TAGS.*tag:/);
    expect(() => loadConfig({ MESH_IDENTITY_TIMEOUT_MS: '0' })).toThrow(/MESH_IDENTITY_TIMEOUT_MS/);
  });

  it('reads MESH_QUORUM and MESH_QUORUM_WINDOW_MS, and refuses a quorum below 1', () => {
    expect(loadConfig({ MESH_QUORUM: '3', MESH_QUORUM_WINDOW_MS: '600000' })).toMatchObject({
      quorum: 3,
      quorumWindowMs: 600_000,
    });
    expect(() => loadConfig({ MESH_QUORUM: '0' })).toThrow(/MESH_QUORUM: must be at least 1/);
    expect(() => loadConfig({ MESH_QUORUM_WINDOW_MS: '0' })).toThrow(/MESH_QUORUM_WINDOW_MS/);
  });

  it('reads the admission policies, and refuses a list it cannot honour by name', () => {
    expect(
      loadConfig({
        MESH_ADMISSION: 'enrollment-key, http',
        MESH_ADMISSION_URL: 'http://127.0.0.1:9000/admit',
        MESH_ADMISSION_TIMEOUT_MS: '750',
      }),
    ).toMatchObject({
      admission: ['enrollment-key', 'http'],
      admissionUrl: 'http://127.0.0.1:9000/admit',
      admissionTimeoutMs: 750,
    });
    expect(loadConfig({ MESH_ADMISSION: 'identity,enrollment-key', MESH_IDENTITY: 'advisory' })).toMatchObject({
      admission: ['identity', 'enrollment-key'],
      identity: { mode: 'advisory' },
      admissionIdentityApprove: false,
    });
    expect(
      loadConfig({
        MESH_ADMISSION: 'identity',
        MESH_IDENTITY: 'required',
        MESH_IDENTITY_TAGS: 'tag:validator',
        MESH_ADMISSION_IDENTITY_APPROVE: 'true',
      }).admissionIdentityApprove,
    ).toBe(true);
    expect(() => loadConfig({ MESH_ADMISSION: 'manual,identity' })).toThrow(
      /MESH_ADMISSION: names identity but MESH_IDENTITY is off/,
    );
    expect(() =>
      loadConfig({
        MESH_ADMISSION: 'manual',
        MESH_IDENTITY: 'advisory',
        MESH_IDENTITY_TAGS: 'tag:validator',
        MESH_ADMISSION_IDENTITY_APPROVE: 'true',
      }),
    ).toThrow(/MESH_ADMISSION_IDENTITY_APPROVE: is true but MESH_ADMISSION does not name identity/);
    expect(() =>
      loadConfig({ MESH_ADMISSION: 'identity', MESH_IDENTITY: 'advisory', MESH_ADMISSION_IDENTITY_APPROVE: 'true' }),
    ).toThrow(/MESH_ADMISSION_IDENTITY_APPROVE: is true but MESH_IDENTITY_TAGS is empty/);
    expect(() =>
      loadConfig({ MESH_ADMISSION: 'identity', MESH_IDENTITY: 'advisory', MESH_ADMISSION_IDENTITY_APPROVE: 'yes' }),
    ).toThrow(/MESH_ADMISSION_IDENTITY_APPROVE/);
    expect(() => loadConfig({ MESH_ADMISSION: 'stake' })).toThrow(/MESH_ADMISSION.*"stake", which is not a policy/);
    expect(() => loadConfig({ MESH_ADMISSION: 'manual,manual' })).toThrow(/MESH_ADMISSION.*twice/);
    expect(() => loadConfig({ MESH_ADMISSION: ',' })).toThrow(/MESH_ADMISSION.*at least one/);
    expect(() => loadConfig({ MESH_ADMISSION: 'http' })).toThrow(/MESH_ADMISSION_URL.*required/);
    expect(() => loadConfig({ MESH_ADMISSION_URL: 'http://127.0.0.1:9000/' })).toThrow(/MESH_ADMISSION_URL.*does not name http/);
    expect(() => loadConfig({ MESH_ADMISSION: 'http', MESH_ADMISSION_URL: 'ftp://x/' })).toThrow(/MESH_ADMISSION_URL/);
  });

  it('reads the service probe settings: an interval of 0 turns probes off; a timeout or concurrency of 0 is refused', () => {
    expect(
      loadConfig({
        MESH_SERVICE_PROBE_INTERVAL_MS: '0',
        MESH_SERVICE_PROBE_TIMEOUT_MS: '250',
        MESH_SERVICE_PROBE_CONCURRENCY: '4',
      }),
    ).toMatchObject({ serviceProbeIntervalMs: 0, serviceProbeTimeoutMs: 250, serviceProbeConcurrency: 4 });
    expect(() => loadConfig({ MESH_SERVICE_PROBE_TIMEOUT_MS: '0' })).toThrow(/MESH_SERVICE_PROBE_TIMEOUT_MS/);
    expect(() => loadConfig({ MESH_SERVICE_PROBE_CONCURRENCY: '0' })).toThrow(/MESH_SERVICE_PROBE_CONCURRENCY/);
    expect(() => loadConfig({ MESH_SERVICE_PROBE_INTERVAL_MS: '-1' })).toThrow(/MESH_SERVICE_PROBE_INTERVAL_MS/);
  });

  it('reads every variable, lowering sovereign keys', () => {
    const key = 'D75A980182B10AB7D54BFED3C964073A0EE172F3DAA62325AF021A68F707511A';
    const config = loadConfig({
      MESH_PORT: '9000',
      MESH_HOST: '127.0.0.1',
      MESH_DB_URL: 'libsql://db.example',
      MESH_NETWORK: 'testnet',
      MESH_MAX_SKEW_MS: '1000',
      MESH_MAX_FUTURE_SKEW_MS: '500',
      MESH_OFFLINE_AFTER_MS: '2000',
      MESH_SWEEP_INTERVAL_MS: '100',
      MESH_HEARTBEAT_RETENTION_MS: '5000',
      MESH_SOVEREIGN_KEYS: ` ${key} , `,
      MESH_RATE_LIMIT_PER_MINUTE: '6',
      MESH_RATE_LIMIT_BURST: '3',
      MESH_MAX_PENDING: '50',
      MESH_PENDING_TTL_MS: '86400000',
      MESH_ALLOWED_ORIGINS: 'https://Ops.example.ts.net, http://127.0.0.1:5173',
      MESH_LOG_REQUESTS: 'false',
      MESH_LOG_LEVEL: 'warn',
      MESH_LOG_FORMAT: 'text',
      MESH_METRICS: 'false',
      MESH_SHUTDOWN_GRACE_MS: '2500',
      MESH_DB_BUSY_TIMEOUT_MS: '750',
      MESH_DB_CHECKPOINT_INTERVAL_MS: '0',
      MESH_SELF_PRESERVATION_RATIO: '0.5',
      MESH_SELF_PRESERVATION_MAX_MS: '60000',
      MESH_OFFLINE_RATE: '3',
      MESH_AUTO_DENY_AFTER_MISSED: '30',
      MESH_LEADER_LEASE_MS: '3000',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      dbUrl: 'libsql://db.example',
      network: 'testnet',
      maxSkewMs: 1000,
      maxFutureSkewMs: 500,
      offlineAfterMs: 2000,
      sweepIntervalMs: 100,
      heartbeatRetentionMs: 5000,
      sovereignKeys: [key.toLowerCase()],
      rateLimitPerMinute: 6,
      rateLimitBurst: 3,
      maxPending: 50,
      pendingTtlMs: 86_400_000,
      allowedOrigins: ['https://ops.example.ts.net', 'http://127.0.0.1:5173'],
      logRequests: false,
      logLevel: 'warn',
      logFormat: 'text',
      metrics: false,
      shutdownGraceMs: 2500,
      dbBusyTimeoutMs: 750,
      dbCheckpointIntervalMs: 0,
      selfPreservationRatio: 0.5,
      selfPreservationMaxMs: 60_000,
      leaderLeaseMs: 3000,
      offlineRate: 3,
      autoDenyAfterMissed: 30,
    });
  });

  it.each([
    [{ MESH_PORT: 'abc' }, /MESH_PORT/],
    [{ MESH_PORT: '70000' }, /MESH_PORT/],
    [{ MESH_NETWORK: 'Bad Net' }, /MESH_NETWORK/],
    [{ MESH_OFFLINE_AFTER_MS: '-5' }, /MESH_OFFLINE_AFTER_MS/],
    [{ MESH_SOVEREIGN_KEYS: 'abc' }, /MESH_SOVEREIGN_KEYS/],
    [{ MESH_LOG_LEVEL: 'verbose' }, /MESH_LOG_LEVEL/],
    [{ MESH_LOG_FORMAT: 'xml' }, /MESH_LOG_FORMAT/],
    [{ MESH_METRICS: 'yes' }, /MESH_METRICS/],
    [{ MESH_RATE_LIMIT_PER_MINUTE: '0' }, /MESH_RATE_LIMIT_PER_MINUTE/],
    [{ MESH_RATE_LIMIT_BURST: '1.5' }, /MESH_RATE_LIMIT_BURST/],
    [{ MESH_MAX_PENDING: 'many' }, /MESH_MAX_PENDING/],
    [{ MESH_PENDING_TTL_MS: '-1' }, /MESH_PENDING_TTL_MS/],
    // An origin is what a browser sends: no path, no wildcard.
    [{ MESH_ALLOWED_ORIGINS: 'https://ops.example/' }, /MESH_ALLOWED_ORIGINS.*scheme:\/\/host/],
    [{ MESH_ALLOWED_ORIGINS: '*' }, /MESH_ALLOWED_ORIGINS/],
    [{ MESH_SELF_PRESERVATION_RATIO: '0' }, /MESH_SELF_PRESERVATION_RATIO: must be more than 0/],
    [{ MESH_SELF_PRESERVATION_RATIO: '1.5' }, /MESH_SELF_PRESERVATION_RATIO: must be at most 1/],
    [{ MESH_OFFLINE_RATE: '0' }, /MESH_OFFLINE_RATE/],
    [{ MESH_AUTO_DENY_AFTER_MISSED: '-1' }, /MESH_AUTO_DENY_AFTER_MISSED: must not be negative/],
    // A small-order key would let one signature pass for every message: it never becomes a sovereign.
    [{ MESH_SOVEREIGN_KEYS: '01'.padEnd(64, '0') }, /MESH_SOVEREIGN_KEYS.*small-order/],
    // An empty network once became "tana" without a word.
    [
      { MESH_NETWORK: '' },
      /^invalid configuration: MESH_NETWORK is set but empty \(unset it for the default, or give a value\)$/,
    ],
    [{ MESH_PORT: '' }, /MESH_PORT is set but empty/],
    [
      { MESH_DB_URL: 'postgres://mesh:secret@db/mesh' },
      /^invalid configuration: MESH_DB_URL: unsupported scheme "postgres:": mesh keeps its data in SQLite or libSQL/,
    ],
    [
      { MESH_MAX_SKEW_MS: '60000', MESH_MAX_FUTURE_SKEW_MS: '60001' },
      /MESH_MAX_FUTURE_SKEW_MS: must not exceed MESH_MAX_SKEW_MS \(60000\)/,
    ],
    [{ MESH_MAX_FUTURE_SKEW_MS: '0' }, /MESH_MAX_FUTURE_SKEW_MS/],
    [{ MESH_DB_BUSY_TIMEOUT_MS: '-1' }, /MESH_DB_BUSY_TIMEOUT_MS/],
    [{ MESH_DB_CHECKPOINT_INTERVAL_MS: '-5' }, /MESH_DB_CHECKPOINT_INTERVAL_MS/],
  ])('names the variable of a bad value: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('accepts at most 30 s from the future by default, and never more than from the past', () => {
    expect(loadConfig({}).maxFutureSkewMs).toBe(30_000);
    expect(loadConfig({ MESH_MAX_SKEW_MS: '10000' })).toMatchObject({ maxSkewMs: 10_000, maxFutureSkewMs: 10_000 });
    expect(loadConfig({ MESH_MAX_FUTURE_SKEW_MS: '5000' })).toMatchObject({ maxSkewMs: 300_000, maxFutureSkewMs: 5000 });
  });

  it('takes an empty key list as no keys, and every libSQL URL scheme', () => {
    expect(loadConfig({ MESH_SOVEREIGN_KEYS: '' }).sovereignKeys).toEqual([]);
    expect(loadConfig({ MESH_ALLOWED_ORIGINS: '' }).allowedOrigins).toEqual([]);
    for (const url of [
      'file:/var/lib/mesh/mesh.db',
      'libsql://db.example',
      'https://db.example',
      'ws://127.0.0.1:8080',
      ':memory:',
    ]) {
      expect(loadConfig({ MESH_DB_URL: url }).dbUrl).toBe(url);
    }
  });

  it('never echoes a refused URL beyond its scheme (it may hold a password)', () => {
    expect(() => loadConfig({ MESH_DB_URL: 'postgres://mesh:secret@db/mesh' })).not.toThrow(/secret/);
  });
});

describe('unknownVariableWarnings', () => {
  it('warns about MESH_* variables mesh does not read, suggesting the closest one', () => {
    expect(
      unknownVariableWarnings({
        MESH_PROT: '9000',
        MESH_PORT: '1',
        MESH_URL: 'x',
        MESH_KEY: 'k',
        MESH_WHATEVER_ELSE: '1',
        PATH: '/bin',
      }),
    ).toEqual([
      'warning: MESH_PROT is not a mesh setting and is ignored (did you mean MESH_PORT?)',
      'warning: MESH_WHATEVER_ELSE is not a mesh setting and is ignored',
    ]);
  });
});
