import type { MeshEvent } from '../../../shared/events.js';
import { Empty, NodeLink } from '../components.js';
import { formatTime, shortKey } from '../format.js';
import {
  EVENT_LABELS,
  EVENT_TYPE_LIST as EVENT_TYPES,
  pendingFullText,
  rateLimitedText,
  selfPreservationText,
} from '../labels.js';
import { live } from '../live.js';
import { navigate } from '../router.js';
import { useStore } from '../store.js';

export function EventRow({ event }: { event: MeshEvent }) {
  return (
    <tr>
      <td class="mono">{event.revision}</td>
      <td>{formatTime(event.time)}</td>
      <td>
        <span class={`event-type event-${event.type.replace('.', '-')}`} title={EVENT_LABELS[event.type]}>
          {event.type}
        </span>
      </td>
      <td>
        {event.nodeId ? (
          <NodeLink id={event.nodeId} />
        ) : event.publicKey ? (
          <span class="mono">{shortKey(event.publicKey)}</span>
        ) : event.selfPreservation ? (
          selfPreservationText(event.selfPreservation)
        ) : event.rateLimited ? (
          rateLimitedText(event.rateLimited)
        ) : event.pendingFull ? (
          pendingFullText(event.pendingFull)
        ) : (
          '—'
        )}
      </td>
      <td class="mono">{event.actor === 'system' ? 'system' : shortKey(event.actor)}</td>
    </tr>
  );
}

export function EventTable({ events, label }: { events: readonly MeshEvent[]; label: string }) {
  return (
    <div class="table-wrap">
      <table class="table" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">Revision</th>
            <th scope="col">Time</th>
            <th scope="col">Event</th>
            <th scope="col">Node or key</th>
            <th scope="col">Signed by</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <EventRow key={event.revision} event={event} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Events({ query }: { query: URLSearchParams }) {
  const state = useStore(live);
  const type = query.get('type') ?? '';
  const nodeId = query.get('node') ?? '';
  const setFilter = (name: 'type' | 'node', value: string) => {
    const next = new URLSearchParams(query);
    if (value) next.set(name, value);
    else next.delete(name);
    const qs = next.toString();
    navigate(`/events${qs ? `?${qs}` : ''}`);
  };
  const nodeIds = [...new Set(state.events.flatMap((event) => (event.nodeId ? [event.nodeId] : [])))].sort();
  const shown = state.events
    .filter((event) => (type === '' || event.type === type) && (nodeId === '' || event.nodeId === nodeId))
    .slice()
    .reverse();

  return (
    <div class="view">
      <h1 class="view-title">Events</h1>
      <form class="toolbar" onSubmit={(event) => event.preventDefault()}>
        <div class="field">
          <label for="filter-type">Type</label>
          <select id="filter-type" value={type} onChange={(event) => setFilter('type', event.currentTarget.value)}>
            <option value="">All</option>
            {EVENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {t} ({EVENT_LABELS[t]})
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-node">Node</label>
          <select id="filter-node" value={nodeId} onChange={(event) => setFilter('node', event.currentTarget.value)}>
            <option value="">All</option>
            {[...new Set([...nodeIds, ...(nodeId ? [nodeId] : [])])].map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </div>
        <p class="muted toolbar-count" aria-live="polite">
          {shown.length} events, newest first, live
        </p>
      </form>
      {shown.length === 0 ? <Empty>No event matches.</Empty> : <EventTable events={shown} label="Events, newest first" />}
    </div>
  );
}
