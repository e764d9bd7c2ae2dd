import { styleText } from 'node:util';
import type { NodeStatus } from '../../shared/fields.js';
import type { NodeView, SelfPreservation, ServiceHealth, ServiceView } from '../../shared/responses.js';

type Style = Parameters<typeof styleText>[0];

export const STATUS_STYLE: Record<NodeStatus, Style> = { active: 'green', pending: 'yellow', offline: 'gray', denied: 'red' };
const HEALTH_STYLE: Record<ServiceHealth['status'], Style> = { up: 'green', down: 'red', unknown: 'gray' };

/** Where a command's result goes: a human table, or JSON for scripts. */
export class Output {
  constructor(
    readonly json: boolean,
    /** Colour only for a person at a terminal, and never when NO_COLOR asks so. */
    readonly color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  ) {}

  /** Prints `data` as JSON in --json mode, else the human text `render` makes of it. */
  result<T>(data: T, render: (data: T) => string): void {
    process.stdout.write(this.json ? `${JSON.stringify(data, null, 2)}\n` : `${render(data)}\n`);
  }

  status(status: NodeStatus): string {
    return this.color ? styleText(STATUS_STYLE[status], status) : status;
  }

  table<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>): string {
    const cells = rows.map((row) => columns.map((column) => column.value(row)));
    const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((row) => (row[i] as string).length)));
    const line = (values: string[], styled: (value: string, i: number) => string) =>
      values
        .map((value, i) => styled(i === values.length - 1 ? value : value.padEnd(widths[i] as number), i))
        .join('  ')
        .trimEnd();
    const header = line(
      columns.map((column) => column.header),
      (value) => (this.color ? styleText('bold', value) : value),
    );
    const body = cells.map((row, r) =>
      line(row, (value, i) => {
        const style = columns[i]?.style?.(rows[r] as T);
        return style && this.color ? styleText(style, value) : value;
      }),
    );
    return [header, ...body].join('\n');
  }

  /** Aligned `label  value` lines. */
  fields(entries: ReadonlyArray<readonly [string, string]>): string {
    const width = Math.max(...entries.map(([label]) => label.length));
    return entries.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd()).join('\n');
  }
}

export interface Column<T> {
  header: string;
  value(row: T): string;
  style?(row: T): Style | undefined;
}

export function when(ms: number | null, now = Date.now()): string {
  if (ms === null) return 'never';
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)}Z (${ago(now - ms)})`;
}

function ago(ms: number): string {
  if (ms < 0) return 'in the future';
  return ms < 1000 ? 'just now' : `${duration(ms)} ago`;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)}h`;
  return `${Math.round(ms / 86_400_000)}d`;
}

/** The sweeper's self-preservation state in a line: for `mesh info` and `mesh topology`. */
export function selfPreservationText(state: SelfPreservation, now = Date.now()): string {
  if (state.active) {
    const until = state.until === null ? '' : `, ${new Date(state.until).toISOString()} at the latest`;
    return `ON since ${when(state.since, now)}: ${state.silentNodes} of ${state.activeNodes} active nodes went silent at once; nobody is marked offline until heartbeats come back${until}`;
  }
  return state.draining ? 'off, draining: the nodes still silent when it ran out go offline a few per sweep' : 'off';
}

const servicesText = (services: ServiceView[]): string =>
  services.length ? services.map((service) => `${service.type}:${service.port}`).join(',') : '-';

/** A share as a whole percentage (`97%`), or `-` when mesh could observe no interval. */
export const percent = (share: number | null): string => (share === null ? '-' : `${Math.floor(share * 100)}%`);

/** A node's uptime in one line: `hour 100%, day 97%, week 99%; 18 missed today, regularity 98%, first seen …`. */
export function uptimeText(uptime: NodeView['uptime'], now = Date.now()): string {
  return `hour ${percent(uptime.hour)}, day ${percent(uptime.day)}, week ${percent(uptime.week)}; ${uptime.missed} missed in the last day, regularity ${percent(uptime.regularity)}, first seen ${when(uptime.firstSeen, now)}`;
}

/** The node table of `mesh nodes` and `mesh pending`. */
export function nodeTable(out: Output, nodes: NodeView[], now = Date.now(), extra: ReadonlyArray<Column<NodeView>> = []): string {
  if (nodes.length === 0) return 'no nodes';
  return out.table(nodes, [
    { header: 'ID', value: (node) => node.id },
    { header: 'STATUS', value: (node) => node.status, style: (node) => STATUS_STYLE[node.status] },
    { header: 'HOSTNAME', value: (node) => node.tailscale_hostname },
    { header: 'IP', value: (node) => node.tailscale_ip ?? '-' },
    { header: 'SERVICES', value: (node) => servicesText(node.services) },
    { header: 'LAST HEARTBEAT', value: (node) => (node.last_heartbeat === null ? 'never' : ago(now - node.last_heartbeat)) },
    { header: 'UPTIME 1D', value: (node) => percent(node.uptime.day) },
    { header: 'REPUTATION', value: (node) => (node.reputation === null ? '-' : String(node.reputation)) },
    ...extra,
  ]);
}

/** One node in full, as `mesh node` and the prompt of `mesh approve` show it. */
export function nodeDetails(out: Output, node: NodeView, now = Date.now()): string {
  return (
    out.fields([
      ['id', node.id],
      ['status', out.status(node.status)],
      ['public key', node.public_key],
      ['hostname', node.tailscale_hostname],
      ['ip', node.tailscale_ip ?? '-'],
      ['location', locationText(node)],
      ['registered', when(node.registered_at, now)],
      ['approved', node.approved_at === null ? 'no' : `${when(node.approved_at, now)} by ${node.approved_by ?? '?'}`],
      ['last heartbeat', when(node.last_heartbeat, now)],
      ['uptime', uptimeText(node.uptime, now)],
      ['reputation', node.reputation === null ? '-' : `${node.reputation} of 100`],
      ['services', node.services.length ? '' : '-'],
    ]) + (node.services.length ? `\n${indent(out.table(node.services, serviceColumns(now)))}` : '')
  );
}

/** `eu-west / eu-west-1a`, either half `-` when unknown; `-` when the node declared neither. */
export function locationText(node: Pick<NodeView, 'region' | 'zone'>): string {
  if (!node.region && !node.zone) return '-';
  return `${node.region ?? '-'} / ${node.zone ?? '-'}`;
}

/** A probe's finding: `up (0.4ms)`, `down`, or `unknown` before mesh has probed the service. */
export function healthText(health: ServiceHealth): string {
  return health.status === 'up' && health.latencyMs !== null ? `up (${health.latencyMs}ms)` : health.status;
}

const serviceColumns = (now: number): ReadonlyArray<Column<ServiceView>> => [
  { header: 'TYPE', value: (service) => service.type },
  { header: 'PORT', value: (service) => String(service.port) },
  { header: 'HEALTH', value: (service) => healthText(service.health), style: (service) => HEALTH_STYLE[service.health.status] },
  { header: 'CHECKED', value: (service) => (service.health.checkedAt === null ? '-' : ago(now - service.health.checkedAt)) },
  { header: 'PUBLIC KEY', value: (service) => service.publicKey ?? '-' },
];

export const indent = (text: string, by = '  '): string =>
  text
    .split('\n')
    .map((line) => by + line)
    .join('\n');
