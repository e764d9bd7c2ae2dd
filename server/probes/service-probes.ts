import type { MeshContext } from '../context.js';
import type { Logger } from '../log.js';
import { ProbeMetrics } from '../metrics/probe-metrics.js';
import type { ProbeTarget } from '../registry/service-health.js';
import { recordHealthChange } from '../services/service-health.js';
import { writeAndPublish } from '../write.js';
import { ServiceProber, type Scheduler } from './service-prober.js';
import { tcpConnect } from './tcp-connect.js';

export interface ServiceProbes {
  /** Probes every active node's services now and resolves once each result is recorded. */
  probeAll(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServiceProbeOptions {
  schedule?: Scheduler;
  connect?: typeof tcpConnect;
}

/**
 * Probes one service and records what it found. A new status is a service.health event, written
 * like any other change, so discovery answers, watchers and other mesh processes all see it; the
 * same status again only moves the check time and latency in this process's registry.
 */
async function probeAndRecord(
  mesh: MeshContext,
  logger: Logger,
  metrics: ProbeMetrics,
  connect: typeof tcpConnect,
  target: ProbeTarget,
  stopping: AbortSignal,
): Promise<void> {
  // Leader-only, as the sweeper: one process probes, the others learn the changes from the events log.
  if (!mesh.leader.isLeader) return;
  const started = performance.now();
  const result = await connect(target.ip, target.port, mesh.config.serviceProbeTimeoutMs, stopping);
  // Cut short by shutdown: the service was not found down, mesh stopped looking.
  if (stopping.aborted) return;
  metrics.probed(result.status, (performance.now() - started) / 1000);
  const health = { status: result.status, checkedAt: mesh.clock.now(), latencyMs: result.latencyMs };
  const previous = mesh.registry.serviceHealth(target);
  // The node was removed, denied or moved while the probe was out: the result is about nothing it offers.
  if (previous === undefined) return;
  if (previous.status === health.status) {
    mesh.registry.touchServiceHealth(target, health);
    return;
  }
  const written = await mesh.leader.unlessFenced(`service health of ${target.nodeId}`, logger, () =>
    writeAndPublish(
      mesh.database,
      mesh.hub,
      mesh.leader.fenced((tx, record) =>
        recordHealthChange(tx, record, health.checkedAt, target, health, mesh.registry.getNode(target.nodeId)),
      ),
    ),
  );
  if (!written) return;
  metrics.changed(health.status);
  // The event's own log line names the node; this one says which service, and what was found.
  logger.info(`service ${target.type}:${target.port} of node ${target.nodeId} is ${health.status}`, {
    nodeId: target.nodeId,
    service: target.type,
    port: target.port,
    health: health.status,
    latencyMs: health.latencyMs,
  });
}

/**
 * Starts probing the services of active nodes every MESH_SERVICE_PROBE_INTERVAL_MS, on the leader
 * only (see LeaderLease: the other processes skip their rounds' probes) (not at all when
 * it is 0; probeAll() still works, for tests and tools). Only the registry's active nodes are
 * probed, at the address and ports they registered: nobody can point mesh at another host.
 */
export function startServiceProbes(mesh: MeshContext, logger: Logger, options: ServiceProbeOptions = {}): ServiceProbes {
  const metrics = new ProbeMetrics(mesh.metrics.registry, function* () {
    for (const target of mesh.registry.probeTargets()) yield mesh.registry.serviceHealth(target)?.status ?? 'unknown';
  });
  const connect = options.connect ?? tcpConnect;
  const prober = new ServiceProber({
    intervalMs: mesh.config.serviceProbeIntervalMs,
    concurrency: mesh.config.serviceProbeConcurrency,
    targets: () => mesh.registry.probeTargets(),
    probe: (target, stopping) =>
      probeAndRecord(mesh, logger, metrics, connect, target, stopping).catch((error: unknown) =>
        logger.error('recording a service probe failed', error, { nodeId: target.nodeId, service: target.type }),
      ),
    ...(options.schedule ? { schedule: options.schedule } : {}),
  });
  if (mesh.config.serviceProbeIntervalMs > 0) prober.start();
  return prober;
}
