import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Card, Empty, NodeLink } from '../components.js';
import { formatDuration, formatTime } from '../format.js';
import { live } from '../live.js';
import { fingerprint } from '../sovereign-key.js';
import { useNow, useStore } from '../store.js';
import { DecisionPanel, outcomes } from './DecisionPanel.js';
import { KeyPanel } from './KeyPanel.js';

/** The sovereign keys mesh knows, re-read whenever one is added or removed. */
function useSovereigns(): ReadonlySet<string> | null {
  const { events } = useStore(live);
  const changes = events.filter((event) => event.type.startsWith('sovereign.')).length;
  const [keys, setKeys] = useState<ReadonlySet<string> | null>(null);
  useEffect(() => {
    let current = true;
    api.sovereign.list
      .query()
      .then((list) => current && setKeys(new Set(list.sovereigns.map((s) => s.public_key))))
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [changes]);
  return keys;
}

export function Inbox() {
  const state = useStore(live);
  const now = useNow();
  const sovereigns = useSovereigns();
  const decided = useStore(outcomes);
  const pending = [...state.nodes.values()]
    .filter((node) => node.status === 'pending')
    .sort((a, b) => a.registered_at - b.registered_at || a.id.localeCompare(b.id));

  return (
    <div class="view">
      <h1 class="view-title">
        Pending inbox{' '}
        <span class="title-count" data-testid="inbox-count">
          {pending.length}
        </span>
      </h1>
      <KeyPanel sovereigns={sovereigns} />
      {pending.length === 0 ? (
        <Empty>No registration is waiting for a decision.</Empty>
      ) : (
        <ol class="inbox" aria-label="Pending registrations, oldest first">
          {pending.map((node) => (
            <li key={node.id} class="inbox-item" data-testid={`pending-${node.id}`}>
              <div class="inbox-head">
                <h2>
                  <NodeLink id={node.id} />
                </h2>
                <span class="muted">
                  registered {formatDuration(now + state.skewMs - node.registered_at)} ago · {formatTime(node.registered_at)}
                </span>
              </div>
              <dl class="facts facts-inline">
                <dt>Key fingerprint</dt>
                <dd class="mono">{fingerprint(node.public_key)}</dd>
                <dt>Hostname</dt>
                <dd class="mono">{node.tailscale_hostname}</dd>
                <dt>IP</dt>
                <dd class="mono">{node.tailscale_ip ?? 'not given'}</dd>
                <dt>Region / zone</dt>
                <dd class="mono">{node.region || node.zone ? `${node.region ?? '—'} / ${node.zone ?? '—'}` : 'not given'}</dd>
                <dt>Services</dt>
                <dd>
                  {node.services.length === 0
                    ? 'none'
                    : node.services.map((s) => (
                        <span key={`${s.type}:${s.port}`} class="service-pill">
                          {s.type}:{s.port}
                          {s.publicKey ? <span class="muted"> · key {s.publicKey.slice(0, 8)}…</span> : null}
                        </span>
                      ))}
                </dd>
              </dl>
              <DecisionPanel node={node} />
            </li>
          ))}
        </ol>
      )}
      {decided.length > 0 && (
        <Card title="Decided from this page">
          <ul class="outcomes">
            {decided.map((outcome) => (
              <li key={outcome.nodeId} class={outcome.ok ? 'notice notice-ok' : 'notice notice-error'}>
                <NodeLink id={outcome.nodeId} />: {outcome.text}
              </li>
            ))}
          </ul>
        </Card>
      )}
    </div>
  );
}
