import type { NodeStatus } from '../../../shared/fields.js';
import type { NodeView } from '../../../shared/responses.js';
import { Card, Empty, HeartbeatAge, NodeLink, StatusBadge } from '../components.js';
import { formatDuration, formatTime } from '../format.js';
import { STATUSES as NODE_STATUSES, STATUS_LABELS as STATUS_WORDS, selfPreservationState } from '../labels.js';
import { live } from '../live.js';
import { href } from '../router.js';
import { useNow, useStore } from '../store.js';

function byId(a: NodeView, b: NodeView): number {
  return a.id.localeCompare(b.id);
}

export function Overview() {
  const state = useStore(live);
  const now = useNow();
  const nodes = [...state.nodes.values()].sort(byId);
  const counts = Object.fromEntries(NODE_STATUSES.map((status) => [status, 0])) as Record<NodeStatus, number>;
  for (const node of nodes) counts[node.status] += 1;
  const serviceTypes = new Map<string, NodeView[]>();
  for (const node of nodes) {
    for (const service of node.services) {
      const list = serviceTypes.get(service.type) ?? [];
      if (!list.includes(node)) list.push(node);
      serviceTypes.set(service.type, list);
    }
  }
  const info = state.info;

  return (
    <div class="view">
      <h1 class="view-title">Overview</h1>
      <ul class="counts" aria-label="Nodes by status">
        {NODE_STATUSES.map((status) => (
          <li key={status} class={`count count-${status}`}>
            <a href={href(`/nodes?status=${status}`)}>
              <span class="count-number" data-testid={`count-${status}`}>
                {counts[status]}
              </span>
              <span class="count-label">{STATUS_WORDS[status]}</span>
            </a>
          </li>
        ))}
        <li class="count count-total">
          <a href={href('/nodes')}>
            <span class="count-number" data-testid="count-total">
              {nodes.length}
            </span>
            <span class="count-label">Registered</span>
          </a>
        </li>
      </ul>

      <div class="grid-2">
        <Card title="Network">
          {info ? (
            <dl class="facts">
              <dt>Network id</dt>
              <dd data-testid="network-id">
                <code>{info.network}</code>
              </dd>
              <dt>mesh version</dt>
              <dd>
                {info.version} <span class="muted">({info.protocol})</span>
              </dd>
              <dt>Server time</dt>
              <dd>{formatTime(now + state.skewMs)}</dd>
              <dt>Clock skew</dt>
              <dd>
                {Math.abs(state.skewMs) < 1000
                  ? 'under 1 s'
                  : `this browser is ${formatDuration(Math.abs(state.skewMs))} ${state.skewMs > 0 ? 'behind' : 'ahead of'} mesh`}
                <span class="muted"> (mesh accepts ±{formatDuration(info.maxSkewMs)})</span>
              </dd>
              <dt>Heartbeat interval</dt>
              <dd>{formatDuration(info.heartbeatIntervalMs)}</dd>
              <dt>Offline after</dt>
              <dd>{formatDuration(info.offlineAfterMs)} of silence</dd>
              <dt>Self-preservation</dt>
              <dd data-testid="self-preservation">
                {selfPreservationState(info.selfPreservation)}
                {info.selfPreservation.until !== null && (
                  <span class="muted"> (until {formatTime(info.selfPreservation.until)} at the latest)</span>
                )}
              </dd>
              <dt>Events revision</dt>
              <dd>{state.revision}</dd>
            </dl>
          ) : (
            <Empty>Loading…</Empty>
          )}
        </Card>

        <Card title="Services">
          {serviceTypes.size === 0 ? (
            <Empty>No node offers a service yet.</Empty>
          ) : (
            <ul class="service-groups">
              {[...serviceTypes.entries()]
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([type, offering]) => (
                  <li key={type} class="service-group">
                    <a class="service-type" href={href(`/nodes?service=${encodeURIComponent(type)}`)}>
                      {type}
                    </a>
                    <span class="muted">
                      {offering.filter((node) => node.status === 'active').length} of {offering.length} active
                    </span>
                    <ul class="chips">
                      {offering.map((node) => (
                        <li key={node.id} class={`chip chip-${node.status}`}>
                          <NodeLink id={node.id} />
                        </li>
                      ))}
                    </ul>
                  </li>
                ))}
            </ul>
          )}
        </Card>
      </div>

      <div class="status-columns">
        {NODE_STATUSES.map((status) => {
          const group = nodes.filter((node) => node.status === status);
          return (
            <section key={status} class={`status-column column-${status}`} aria-label={`${STATUS_WORDS[status]} nodes`}>
              <h2>
                <StatusBadge status={status} /> <span class="column-count">{group.length}</span>
              </h2>
              {group.length === 0 ? (
                <Empty>None</Empty>
              ) : (
                <ul class="node-list" data-testid={`group-${status}`}>
                  {group.map((node) => (
                    <li key={node.id}>
                      <NodeLink id={node.id} />
                      <span class="node-host">{node.tailscale_hostname}</span>
                      <HeartbeatAge node={node} now={now} />
                    </li>
                  ))}
                </ul>
              )}
            </section>
          );
        })}
      </div>
    </div>
  );
}
