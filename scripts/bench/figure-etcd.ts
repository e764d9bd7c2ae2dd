/**
 * The comparison at today's scale: etcd 3.4's unsigned lease keepalives (keepaliveOnce through the
 * etcd3 client, 1,000 leases, 50 concurrent), for as long as mesh's 1,000-node heartbeat figure of
 * the same run. Without an etcd installed, the figure is skipped with the reason.
 */
import { startEtcd, etcdVersion } from './etcd.js';
import type { EtcdKeepaliveJob, LoadResult } from './jobs.js';
import { load, type Measured } from './measure.js';
import { stopChild } from './processes.js';
import { formatCount, formatRate } from './report.js';
import { CONNECTIONS, ETCD_LEASES, MILLION_HEARTBEAT_MS, MILLION_WARMUP_MS, progress } from './settings.js';

export type EtcdFigures = { version: string; leases: number; measured: Measured<LoadResult> } | { unavailable: string };

export async function measureEtcd(): Promise<EtcdFigures> {
  const version = etcdVersion();
  if (!version) {
    progress('etcd: not installed (apt-get install etcd-server): figure skipped');
    return { unavailable: 'no etcd installed (apt-get install etcd-server)' };
  }
  const etcd = await startEtcd();
  try {
    progress(`etcd ${version}: ${formatCount(ETCD_LEASES)} leases, keepaliveOnce from ${CONNECTIONS} loops`);
    const job: EtcdKeepaliveJob = {
      kind: 'etcd-keepalive',
      label: `etcd ${version} keepaliveOnce`,
      origin: etcd.origin,
      leases: ETCD_LEASES,
      connections: CONNECTIONS,
      warmupMs: MILLION_WARMUP_MS,
      durationMs: MILLION_HEARTBEAT_MS,
      maxRequests: 50_000_000,
    };
    const measured = await load<LoadResult>(etcd, job, 600_000);
    progress(`etcd: ${formatRate(measured.result.rate)}`);
    return { version, leases: ETCD_LEASES, measured };
  } finally {
    await stopChild(etcd.child);
  }
}
