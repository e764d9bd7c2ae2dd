import { useState } from 'preact/hooks';
import type { NodeView } from '../../../shared/responses.js';
import { Empty, HeartbeatAge, NodeLink, StatusBadge } from '../components.js';
import { formatTime } from '../format.js';
import { STATUSES as NODE_STATUSES } from '../labels.js';
import { live } from '../live.js';
import { navigate } from '../router.js';
import { useNow, useStore } from '../store.js';

type Column = 'id' | 'status' | 'hostname' | 'ip' | 'registered' | 'heartbeat';

const COLUMNS: Array<{ key: Column; label: string; value: (node: NodeView) => string | number }> = [
  { key: 'id', label: 'Node', value: (node) => node.id },
  { key: 'status', label: 'Status', value: (node) => node.status },
  { key: 'hostname', label: 'Hostname', value: (node) => node.tailscale_hostname },
  { key: 'ip', label: 'IP', value: (node) => node.tailscale_ip ?? '' },
  { key: 'registered', label: 'Registered', value: (node) => node.registered_at },
  { key: 'heartbeat', label: 'Last heartbeat', value: (node) => node.last_heartbeat ?? 0 },
];

function matches(node: NodeView, search: string): boolean {
  if (search === '') return true;
  const needle = search.toLowerCase();
  return [node.id, node.tailscale_hostname, node.tailscale_ip ?? '', node.public_key, ...node.services.map((s) => s.type)].some(
    (field) => field.toLowerCase().includes(needle),
  );
}

export function Nodes({ query }: { query: URLSearchParams }) {
  const state = useStore(live);
  const now = useNow();
  const [search, setSearch] = useState(query.get('q') ?? '');
  const status = query.get('status') ?? '';
  const service = query.get('service') ?? '';
  const [sort, setSort] = useState<{ column: Column; descending: boolean }>({ column: 'id', descending: false });

  const setFilter = (name: 'status' | 'service', value: string) => {
    const next = new URLSearchParams(query);
    if (value) next.set(name, value);
    else next.delete(name);
    const qs = next.toString();
    navigate(`/nodes${qs ? `?${qs}` : ''}`);
  };

  const all = [...state.nodes.values()];
  const serviceTypes = [...new Set(all.flatMap((node) => node.services.map((s) => s.type)))].sort();
  const column = COLUMNS.find((c) => c.key === sort.column) ?? COLUMNS[0]!;
  const rows = all
    .filter(
      (node) => (status === '' || node.status === status) && (service === '' || node.services.some((s) => s.type === service)),
    )
    .filter((node) => matches(node, search.trim()))
    .sort((a, b) => {
      const x = column.value(a);
      const y = column.value(b);
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return (sort.descending ? -order : order) || a.id.localeCompare(b.id);
    });

  return (
    <div class="view">
      <h1 class="view-title">Nodes</h1>
      <form class="toolbar" role="search" onSubmit={(event) => event.preventDefault()}>
        <div class="field">
          <label for="node-search">Search</label>
          <input
            id="node-search"
            type="search"
            value={search}
            placeholder="id, hostname, IP, key, service"
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="filter-status">Status</label>
          <select id="filter-status" value={status} onChange={(event) => setFilter('status', event.currentTarget.value)}>
            <option value="">All</option>
            {NODE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-service">Service</label>
          <select id="filter-service" value={service} onChange={(event) => setFilter('service', event.currentTarget.value)}>
            <option value="">All</option>
            {serviceTypes.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </div>
        <p class="muted toolbar-count" aria-live="polite">
          {rows.length} of {all.length} nodes
        </p>
      </form>

      {rows.length === 0 ? (
        <Empty>No node matches.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                {COLUMNS.map((c) => {
                  const active = sort.column === c.key;
                  return (
                    <th key={c.key} scope="col" aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
                      <button
                        type="button"
                        class="sort"
                        onClick={() => setSort({ column: c.key, descending: active ? !sort.descending : false })}
                      >
                        {c.label}
                        <span aria-hidden="true" class="sort-mark">
                          {active ? (sort.descending ? '▼' : '▲') : ''}
                        </span>
                      </button>
                    </th>
                  );
                })}
                <th scope="col">Services</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((node) => (
                <tr key={node.id}>
                  <td>
                    <NodeLink id={node.id} />
                  </td>
                  <td>
                    <StatusBadge status={node.status} />
                  </td>
                  <td class="mono">{node.tailscale_hostname}</td>
                  <td class="mono">{node.tailscale_ip ?? '—'}</td>
                  <td>{formatTime(node.registered_at)}</td>
                  <td>
                    <HeartbeatAge node={node} now={now} />
                  </td>
                  <td>{node.services.map((s) => `${s.type}:${s.port}`).join(', ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
