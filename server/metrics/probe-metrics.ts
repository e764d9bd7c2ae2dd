import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { SERVICE_HEALTH_STATUSES, type ServiceHealth } from '../../shared/responses.js';

type ProbeStatus = 'up' | 'down';

const PROBE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The service probes' metrics, in mesh's registry. Labels are health statuses only: never a node id,
 * an address or a service type, so their number stays bounded whatever registers.
 */
export class ProbeMetrics {
  readonly #probes: Counter;
  readonly #duration: Histogram;
  readonly #changes: Counter;

  /** `healthOfActiveServices` is read at a scrape: the health of every service of every active node. */
  constructor(registry: Registry, healthOfActiveServices: () => Iterable<ServiceHealth['status']>) {
    const registers = [registry];
    this.#probes = new Counter({
      name: 'mesh_service_probes_total',
      help: 'Service probes (TCP connects to an active node’s registered services), by result',
      labelNames: ['status'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'mesh_service_probe_duration_seconds',
      help: 'Time one service probe took, up to MESH_SERVICE_PROBE_TIMEOUT_MS, by result',
      labelNames: ['status'],
      buckets: PROBE_BUCKETS,
      registers,
    });
    this.#changes = new Counter({
      name: 'mesh_service_health_changes_total',
      help: 'Services found in a new health status (each a service.health event), by the new status',
      labelNames: ['status'],
      registers,
    });
    new Gauge({
      name: 'mesh_services',
      help: 'Services of active nodes, by health',
      labelNames: ['health'],
      registers,
      collect() {
        const counts = new Map(SERVICE_HEALTH_STATUSES.map((status) => [status, 0]));
        for (const status of healthOfActiveServices()) counts.set(status, (counts.get(status) ?? 0) + 1);
        for (const [status, n] of counts) this.labels(status).set(n);
      },
    });
  }

  probed(status: ProbeStatus, seconds: number): void {
    this.#probes.labels(status).inc();
    this.#duration.labels(status).observe(seconds);
  }

  changed(status: ProbeStatus): void {
    this.#changes.labels(status).inc();
  }
}
