import type { ComponentChildren } from 'preact';
import type { NodeStatus } from '../../shared/fields.js';
import type { NodeView, ServiceHealth } from '../../shared/responses.js';
import { HEALTH_WORDS, formatDuration, heartbeatHealth } from './format.js';
import { live } from './live.js';
import { href } from './router.js';
import { useStore } from './store.js';

export function StatusBadge({ status }: { status: NodeStatus }) {
  return <span class={`badge badge-${status}`}>{status}</span>;
}

/** The age of a node's last heartbeat, coloured by health, with the health in words for screen readers. */
export function HeartbeatAge({ node, now }: { node: NodeView; now: number }) {
  const { info } = useStore(live);
  const health = heartbeatHealth(node, now, info?.heartbeatIntervalMs ?? 120_000, info?.offlineAfterMs ?? 300_000);
  const text = node.last_heartbeat === null ? 'never' : `${formatDuration(now - node.last_heartbeat)} ago`;
  return (
    <span class={`age age-${health}`} title={HEALTH_WORDS[health]}>
      <span class="dot" aria-hidden="true" />
      {text}
      <span class="visually-hidden">, {HEALTH_WORDS[health]}</span>
    </span>
  );
}

export function NodeLink({ id }: { id: string }) {
  return (
    <a class="node-link" href={href(`/nodes/${encodeURIComponent(id)}`)}>
      {id}
    </a>
  );
}

export function Card({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card" aria-label={title}>
      <header class="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

const SERVICE_HEALTH_CLASS = { up: 'fresh', down: 'silent', unknown: 'none' } as const;

/** What mesh's last TCP probe of a service found, coloured like heartbeat ages. */
export function ServiceHealthBadge({ health, now }: { health: ServiceHealth; now: number }) {
  const text =
    health.status === 'up'
      ? `up${health.latencyMs === null ? '' : ` · ${health.latencyMs.toFixed(1)} ms`}`
      : health.status === 'down'
        ? 'down'
        : 'not checked yet';
  const checked = health.checkedAt === null ? 'never probed' : `probed ${formatDuration(now - health.checkedAt)} ago`;
  return (
    <span class={`age age-${SERVICE_HEALTH_CLASS[health.status]}`} title={checked}>
      <span class="dot" aria-hidden="true" />
      {text}
      <span class="visually-hidden">, {checked}</span>
    </span>
  );
}
