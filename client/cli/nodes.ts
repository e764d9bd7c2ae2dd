import { InvalidArgumentError, Option, type Command } from 'commander';
import { NODE_STATUSES, type NodeStatus } from '../../shared/fields.js';
import { NODE_LIST_SORTS, type NodeListSort } from '../../shared/requests.js';
import { CliContext } from './context.js';
import type { NodeView, Topology } from '../../shared/responses.js';
import type { IdentityEvidence } from '../../shared/identity.js';
import { identityDetails, identityVerdict } from './identity-output.js';
import { nodeDetails, nodeTable, selfPreservationText, STATUS_STYLE, type Output } from './output.js';
import { pendingUnderQuorum } from './quorum.js';
import { watchNodes } from './nodes-watch.js';

function reputationArg(value: string): number {
  const score = Number(value);
  if (value.trim() === '' || !Number.isFinite(score) || score < 0 || score > 100)
    throw new InvalidArgumentError('a reputation is a number from 0 to 100');
  return score;
}

export function addNodeQueries(program: Command): void {
  program
    .command('nodes')
    .description('list nodes (without --status: all but denied)')
    .addOption(new Option('--status <status>', 'only nodes with this status').choices(NODE_STATUSES))
    .option('--service <type>', 'only nodes offering this service type')
    .option('--region <region>', 'only nodes in this region')
    .addOption(new Option('--sort <by>', 'highest first (uptime: the last day’s), instead of by id').choices(NODE_LIST_SORTS))
    .addOption(
      new Option('--min-reputation <score>', 'only nodes with at least this reputation (0-100)').argParser(reputationArg),
    )
    .addOption(
      new Option(
        '--watch',
        'list, then print each change as it happens (default --status active), resuming by itself (Ctrl-C stops)',
      ).conflicts(['sort', 'minReputation']),
    )
    .action(
      async (
        options: {
          status?: NodeStatus;
          service?: string;
          region?: string;
          sort?: NodeListSort;
          minReputation?: number;
          watch?: boolean;
        },
        command: Command,
      ) => {
        const ctx = CliContext.of(command);
        const { watch, ...filter } = options;
        if (watch) return watchNodes(ctx, filter);
        const list = await ctx.client().trpc.node.list.query(filter);
        ctx.out.result(list, ({ nodes }) => nodeTable(ctx.out, nodes));
      },
    );

  program
    .command('node')
    .description('show one node in full')
    .argument('<id>', 'node id')
    .action(async (nodeId: string, _options: unknown, command: Command) => {
      const ctx = CliContext.of(command);
      const node = await ctx.client().trpc.node.get.query({ nodeId });
      ctx.out.result(node, () => nodeDetails(ctx.out, node) + identityDetails(ctx.out, node.identity));
    });

  program
    .command('topology')
    .description('counts by status, and who offers each service')
    .action(async (_options: unknown, command: Command) => {
      const ctx = CliContext.of(command);
      const topology = await ctx.client().trpc.node.topology.query();
      ctx.out.result(topology, () => topologyText(ctx.out, topology));
    });

  program
    .command('pending')
    .description('list the nodes waiting for a sovereign')
    .action(async (_options: unknown, command: Command) => {
      const ctx = CliContext.of(command);
      const client = ctx.client();
      const [list, waiting] = await Promise.all([client.trpc.node.list.query({ status: 'pending' }), client.decisions()]);
      const identities = await pendingIdentities(ctx, list.nodes);
      const identityTable = identityLines(ctx.out, identities);
      // The evidence is added only once something was checked (MESH_IDENTITY on).
      const evidence = identityTable ? { identities: Object.fromEntries(identities) } : {};
      // Under MESH_QUORUM=1 nothing waits for signatures: the answer stays as it always was.
      if (waiting.quorum <= 1) {
        ctx.out.result({ ...list, ...evidence }, ({ nodes }) =>
          nodes.length
            ? `${nodeTable(ctx.out, nodes)}${identityTable}\n\ndecide with: mesh approve <id> | mesh deny <id>`
            : 'no node is waiting for approval',
        );
        return;
      }
      ctx.out.result(
        { ...list, decisions: waiting.decisions, ...evidence },
        ({ nodes }) => pendingUnderQuorum(ctx.out, nodes, waiting) + identityTable,
      );
    });
}

/** The Tailscale identity evidence of each pending node, from its detail (a few requests at a time). */
async function pendingIdentities(ctx: CliContext, nodes: readonly NodeView[]): Promise<Map<string, IdentityEvidence | null>> {
  const found = new Map<string, IdentityEvidence | null>();
  const queue = [...nodes];
  const worker = async () => {
    for (let node = queue.shift(); node; node = queue.shift()) {
      const detail = await ctx.client().trpc.node.get.query({ nodeId: node.id });
      found.set(node.id, detail.identity);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, nodes.length) }, worker));
  return found;
}

/** The identity evidence of the pending nodes, as a second table; nothing when none was checked (MESH_IDENTITY off). */
function identityLines(out: Output, identities: ReadonlyMap<string, IdentityEvidence | null>): string {
  const rows = [...identities].sort(([a], [b]) => a.localeCompare(b));
  if (rows.every(([, identity]) => identity === null)) return '';
  return (
    '\n\n' +
    out.table(rows, [
      { header: 'NODE', value: ([id]) => id },
      { header: 'IDENTITY', value: ([, identity]) => identityVerdict(identity) },
      { header: 'STABLE ID', value: ([, identity]) => identity?.stableId ?? '-' },
      { header: 'TAGS', value: ([, identity]) => (identity?.tags.length ? identity.tags.join(',') : '-') },
      { header: 'USER', value: ([, identity]) => identity?.user ?? '-' },
      { header: 'REASON', value: ([, identity]) => identity?.reason ?? '-' },
    ])
  );
}

function topologyText(out: Output, topology: Topology): string {
  const { counts } = topology;
  const summary = `network ${topology.network}: ${counts.active} active, ${counts.pending} pending, ${counts.offline} offline, ${counts.denied} denied\nself-preservation ${selfPreservationText(topology.selfPreservation)}`;
  const rows = Object.entries(topology.services).flatMap(([type, providers]) =>
    providers.map((provider) => ({ type, ...provider })),
  );
  if (rows.length === 0) return `${summary}\nno services`;
  return `${summary}\n\n${out.table(rows, [
    { header: 'SERVICE', value: (row) => row.type },
    { header: 'NODE', value: (row) => row.nodeId },
    { header: 'ADDRESS', value: (row) => `${row.hostname}:${row.port}` },
    { header: 'IP', value: (row) => row.ip ?? '-' },
    { header: 'STATUS', value: (row) => row.status, style: (row) => STATUS_STYLE[row.status] },
    { header: 'PUBLIC KEY', value: (row) => row.publicKey ?? '-' },
  ])}`;
}
