import { useEffect, useState } from 'preact/hooks';
import type { MeshEvent } from '../../../shared/events.js';
import type { HeartbeatHistory } from '../../../shared/heartbeat-history.js';
import { api } from '../api.js';
import { Card, Empty, HeartbeatAge, ServiceHealthBadge, StatusBadge } from '../components.js';
import { describeFailure } from '../errors.js';
import { formatTime } from '../format.js';
import { live } from '../live.js';
import { href } from '../router.js';
import { fingerprint } from '../sovereign-key.js';
import { useNow, useStore } from '../store.js';
import { DecisionPanel } from './DecisionPanel.js';
import { EventTable } from './Events.js';
import { HeartbeatChart } from './HeartbeatChart.js';
import { KeyPanel } from './KeyPanel.js';

const HISTORY_PAGES = 10;

/** The node's events from the retained log, read page by page (bounded), then followed live. */
function useNodeHistory(nodeId: string): { events: readonly MeshEvent[]; error: string | null } {
  const { events: recent, revision } = useStore(live);
  const [loaded, setLoaded] = useState<{ events: MeshEvent[]; through: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    setLoaded(null);
    void (async () => {
      const events: MeshEvent[] = [];
      let since = 0;
      for (let page = 0; page < HISTORY_PAGES; page += 1) {
        const result = await api.events.list.query({ nodeId, sinceRevision: since, limit: 500 });
        events.push(...result.events);
        if (result.nextSinceRevision <= since || result.events.length < 500) {
          since = result.nextSinceRevision;
          break;
        }
        since = result.nextSinceRevision;
      }
      if (current) setLoaded({ events, through: since });
    })().catch((failure: unknown) => current && setError(describeFailure(failure)));
    return () => {
      current = false;
    };
  }, [nodeId]);
  const later = recent.filter((event) => event.nodeId === nodeId && event.revision > (loaded?.through ?? revision));
  return { events: [...(loaded?.events ?? []), ...later].reverse(), error };
}

function useHeartbeats(nodeId: string, lastHeartbeat: number | null): HeartbeatHistory | null {
  const [history, setHistory] = useState<HeartbeatHistory | null>(null);
  useEffect(() => {
    let current = true;
    api.node.heartbeats
      .query({ nodeId })
      .then((result) => current && setHistory(result))
      .catch(() => current && setHistory(null));
    return () => {
      current = false;
    };
  }, [nodeId, lastHeartbeat]);
  return history;
}

export function NodeDetail({ nodeId }: { nodeId: string }) {
  const state = useStore(live);
  const now = useNow();
  const node = state.nodes.get(nodeId);
  const history = useNodeHistory(nodeId);
  const heartbeats = useHeartbeats(nodeId, node?.last_heartbeat ?? null);

  return (
    <div class="view">
      <p class="breadcrumbs">
        <a href={href('/nodes')}>Nodes</a> / <span>{nodeId}</span>
      </p>
      <h1 class="view-title">
        {nodeId} {node && <StatusBadge status={node.status} />}
      </h1>
      {!node ? (
        <Empty>mesh has no node {nodeId} now: it was removed, or never registered. Its history is below.</Empty>
      ) : (
        <div class="grid-2">
          <Card title="Registration">
            <dl class="facts">
              <dt>Node id</dt>
              <dd class="mono">{node.id}</dd>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={node.status} />
              </dd>
              <dt>Public key</dt>
              <dd class="mono wrap">{fingerprint(node.public_key)}</dd>
              <dt>Hostname</dt>
              <dd class="mono">{node.tailscale_hostname}</dd>
              <dt>IP</dt>
              <dd class="mono">{node.tailscale_ip ?? '—'}</dd>
              <dt>Region / zone</dt>
              <dd class="mono">{node.region || node.zone ? `${node.region ?? '—'} / ${node.zone ?? '—'}` : '—'}</dd>
              <dt>Registered</dt>
              <dd>{formatTime(node.registered_at)}</dd>
              <dt>Approved</dt>
              <dd>{node.approved_at === null ? '—' : formatTime(node.approved_at)}</dd>
              <dt>Approved by</dt>
              <dd class="mono wrap">{node.approved_by ? fingerprint(node.approved_by) : '—'}</dd>
              <dt>Last heartbeat</dt>
              <dd>
                <HeartbeatAge node={node} now={now} />
                {node.last_heartbeat !== null && <span class="muted"> · {formatTime(node.last_heartbeat)}</span>}
              </dd>
            </dl>
          </Card>
          <div class="stack">
            <Card title="Services">
              {node.services.length === 0 ? (
                <Empty>This node offers no service.</Empty>
              ) : (
                <table class="table compact">
                  <thead>
                    <tr>
                      <th scope="col">Type</th>
                      <th scope="col">Port</th>
                      <th scope="col">Health</th>
                      <th scope="col">Service key</th>
                    </tr>
                  </thead>
                  <tbody>
                    {node.services.map((service) => (
                      <tr key={`${service.type}:${service.port}`}>
                        <td>
                          <a href={href(`/nodes?service=${encodeURIComponent(service.type)}`)}>{service.type}</a>
                        </td>
                        <td class="mono">{service.port}</td>
                        <td>
                          <ServiceHealthBadge health={service.health} now={now} />
                        </td>
                        <td class="mono wrap">{service.publicKey ? fingerprint(service.publicKey) : '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
            <Card title="Decide">
              <KeyPanel sovereigns={null} />
              <DecisionPanel node={node} />
            </Card>
          </div>
        </div>
      )}
      {node && (
        <Card title="Heartbeats in the retained window">
          {heartbeats && state.info ? (
            <HeartbeatChart
              history={heartbeats}
              now={now + state.skewMs}
              intervalMs={state.info.heartbeatIntervalMs}
              offlineAfterMs={state.info.offlineAfterMs}
            />
          ) : (
            <Empty>Loading…</Empty>
          )}
        </Card>
      )}
      <Card title="History" actions={<a href={href(`/events?node=${encodeURIComponent(nodeId)}`)}>In the events feed</a>}>
        {history.error && (
          <p class="notice notice-error" role="alert">
            {history.error}
          </p>
        )}
        {history.events.length === 0 ? (
          <Empty>No event about this node is retained.</Empty>
        ) : (
          <EventTable events={history.events} label={`Events of ${nodeId}`} />
        )}
      </Card>
    </div>
  );
}
