import type { Command } from 'commander';
import type { NodeDecisionAction } from '../../shared/actions.js';
import { publicKeyHex } from '../keys.js';
import { CliContext } from './context.js';
import { identityDetails } from './identity-output.js';
import { indent, nodeDetails, Output } from './output.js';
import { confirm } from './prompt.js';
import { regionOption, zoneOption } from './node-options.js';

const DESCRIPTIONS: Record<NodeDecisionAction, string> = {
  approve: 'admit a pending node: it becomes active',
  deny: 'refuse a node: it leaves discovery until a sovereign approves it again (or removes it)',
  remove: 'delete a node; its id may register afresh',
};

export function addDecisionCommands(program: Command): void {
  for (const action of ['approve', 'deny', 'remove'] as const) {
    program
      .command(action)
      .description(`${DESCRIPTIONS[action]} (sovereign key; shows the node, asks first)`)
      .argument('<id>', 'node id')
      .option('--yes', 'sign without asking (for scripts); the node is still shown on stderr')
      .action(async (nodeId: string, options: { yes?: boolean }, command: Command) => {
        const ctx = CliContext.of(command);
        const key = await ctx.key();
        const decision = await ctx.client().prepareDecision(key, action, nodeId);
        // The node goes to stderr, so stdout carries only the result, for --json too.
        const shown = new Output(false, Boolean(process.stderr.isTTY) && !process.env.NO_COLOR);
        process.stderr.write(
          `${action} this node on network "${decision.network}":\n${indent(nodeDetails(shown, decision.node) + identityDetails(shown, decision.node.identity))}\n`,
        );
        if (!options.yes) await confirm(`Sign "${action} ${nodeId}" with sovereign key ${publicKeyHex(key)}?`);
        const result = await decision.send();
        ctx.out.result(result, () => result.message);
      });
  }

  program
    .command('set-region')
    .description("set or correct a node's region and zone (sovereign key); an option left out is cleared")
    .argument('<id>', 'node id')
    .addOption(regionOption())
    .addOption(zoneOption())
    .action(async (nodeId: string, options: { region?: string; zone?: string }, command: Command) => {
      const ctx = CliContext.of(command);
      const result = await ctx.client().setRegion(await ctx.key(), nodeId, options);
      ctx.out.result(result, () => result.message);
    });
}
