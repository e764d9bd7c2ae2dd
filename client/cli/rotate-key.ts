import { existsSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import type { Command } from 'commander';
import type { KeyRotationResult } from '../../shared/responses.js';
import { generateKey, loadKey, publicKeyHex, saveKey } from '../keys.js';
import { CliContext } from './context.js';
import { CliError, EXIT } from './failure.js';
import { nodeIdOption } from './node-options.js';
import { indent, nodeDetails, Output } from './output.js';
import { confirm } from './prompt.js';

/**
 * The new key: the one in `path` if the file exists (a rotation tried before, or a key made
 * elsewhere), else a new one saved there (mode 0600) before anything is sent, so the key mesh is
 * about to accept is on disk first.
 */
async function newKeyAt(path: string): Promise<{ key: KeyObject; made: boolean }> {
  if (existsSync(path)) return { key: await loadKey(path), made: false };
  const key = generateKey();
  await saveKey(path, key);
  return { key, made: true };
}

export function addKeyRotationCommands(program: Command): void {
  program
    .command('rotate-key')
    .description(
      "replace the node's key (node key --key, and the new key signs too); the old key file is left as it is, the new one is used from then on",
    )
    .addOption(nodeIdOption())
    .option(
      '--new-key <file>',
      'the new key: taken from this file if it exists, else made and saved there, mode 0600 (default: <--key file>.new)',
    )
    .action(async (options: { nodeId: string; newKey?: string }, command: Command) => {
      const ctx = CliContext.of(command);
      const oldKey = await ctx.key();
      const newKeyFile = options.newKey ?? `${ctx.options.key}.new`;
      const { key: newKey, made } = await newKeyAt(newKeyFile);
      const [oldPublicKey, newPublicKey] = [publicKeyHex(oldKey), publicKeyHex(newKey)];
      const client = ctx.client();
      const node = await client.trpc.node.get.query({ nodeId: options.nodeId });
      let result: KeyRotationResult;
      if (node.public_key === newPublicKey) {
        // An earlier run was accepted but its answer lost: nothing left to sign.
        result = {
          success: true,
          nodeId: node.id,
          status: node.status,
          publicKey: newPublicKey,
          message: `Node ${node.id} already signs with key ${newPublicKey}. Status: ${node.status}.`,
        };
      } else if (node.public_key !== oldPublicKey) {
        throw new CliError(
          `node ${node.id} has key ${node.public_key}: neither --key (${oldPublicKey}) nor the new key ${newPublicKey}; nothing signed`,
          EXIT.refused,
        );
      } else {
        result = await client.rotateKey(oldKey, newKey, options.nodeId);
      }
      ctx.out.result({ ...result, keyFile: newKeyFile, newKeyMade: made }, (rotated) =>
        [
          `${rotated.nodeId}: ${rotated.message}`,
          `Sign with ${rotated.keyFile} from now on (restart the agent with --key ${rotated.keyFile});`,
          `mesh refuses the old key in ${ctx.options.key ?? '--key'}, which may be deleted.`,
        ].join('\n'),
      );
    });

  program
    .command('force-rotate-key')
    .description(
      'replace the key of a node whose key is lost (sovereign key; shows the node, asks first): it goes back to pending under the new key',
    )
    .argument('<id>', 'node id')
    .argument('<newPublicKey>', "the node's new public key, 64 hex characters (`mesh keygen` on the node prints it)")
    .option('--yes', 'sign without asking (for scripts); the node is still shown on stderr')
    .action(async (nodeId: string, newPublicKey: string, options: { yes?: boolean }, command: Command) => {
      const ctx = CliContext.of(command);
      const key = await ctx.key();
      const client = ctx.client();
      const [network, node] = await Promise.all([client.network(), client.trpc.node.get.query({ nodeId })]);
      const shown = new Output(false, Boolean(process.stderr.isTTY) && !process.env.NO_COLOR);
      process.stderr.write(
        `force a new key ${newPublicKey} on this node, network "${network}":\n${indent(nodeDetails(shown, node))}\n`,
      );
      if (!options.yes) await confirm(`Sign "force-rotate-key ${nodeId}" with sovereign key ${publicKeyHex(key)}?`);
      // Signed over the key shown above: if the node changed since, mesh refuses rather than act on another key.
      const result = await client.forceRotateKey(key, nodeId, newPublicKey, node.public_key);
      ctx.out.result(result, () => result.message);
    });
}
