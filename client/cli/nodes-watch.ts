import type { NodeStatus } from '../../shared/fields.js';
import type { PeerChange } from '../peers.js';
import type { CliContext } from './context.js';
import { nodeTable, type Output } from './output.js';

const VERB: Record<PeerChange['type'], string> = { added: 'added  ', updated: 'updated', removed: 'removed' };

/** One line for a person: time, what happened, the node, its status and address. */
export function describeChange(out: Output, change: PeerChange, at = Date.now()): string {
  const { node } = change;
  return `${new Date(at).toISOString()}  ${VERB[change.type]}  ${node.id}  ${out.status(node.status)}  ${node.tailscale_hostname}  ${node.tailscale_ip ?? '-'}`;
}

/**
 * `mesh nodes --watch`: the informer's list as a table (JSON: one line per node as `added`), then
 * a line per change until Ctrl-C. While mesh cannot be reached it says so once on stderr and goes
 * on from where it was when mesh is back.
 */
export async function watchNodes(
  ctx: CliContext,
  filter: { status?: NodeStatus; service?: string; region?: string },
): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let listed = false;
  let lastError: string | undefined;
  const print = (change: PeerChange) => {
    if (!listed && !ctx.out.json) return;
    process.stdout.write(`${ctx.out.json ? JSON.stringify(change) : describeChange(ctx.out, change)}\n`);
  };
  const informer = ctx.client().peers({
    ...filter,
    onChange: print,
    onError: (error) => {
      if (error.message !== lastError) process.stderr.write(`mesh nodes --watch: ${error.message}; retrying\n`);
      lastError = error.message;
    },
  });
  try {
    await Promise.race([informer.ready, new Promise((resolve) => stop.signal.addEventListener('abort', resolve))]);
    if (!stop.signal.aborted && !ctx.out.json) {
      const nodes = [...informer.peers.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
      process.stdout.write(`${nodes.length ? nodeTable(ctx.out, nodes) : 'no node matches'}\n`);
    }
    listed = true;
    await new Promise((resolve) => {
      if (stop.signal.aborted) resolve(undefined);
      stop.signal.addEventListener('abort', resolve);
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await informer.close();
  }
}
