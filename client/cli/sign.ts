import { InvalidArgumentError, type Command } from 'commander';
import { publicKeyHexSchema } from '../../shared/fields.js';
import type { NodeDecisionAction } from '../../shared/actions.js';
import { NETWORK_ID_PATTERN } from '../../shared/messages.js';
import {
  signedHeartbeat,
  signedNodeDecision,
  signedRegister,
  signedSovereignAdd,
  signedSovereignRemove,
} from '../signed-requests.js';
import { Signer } from '../signer.js';
import { CliContext } from './context.js';
import { ipOption, nodeIdOption, registrationOf, withRegistrationOptions, type RegistrationOptions } from './node-options.js';

function networkId(value: string): string {
  if (!NETWORK_ID_PATTERN.test(value)) throw new InvalidArgumentError('must be 1-64 lowercase letters, digits, ".", "_" or "-"');
  return value;
}

function publicKey(value: string): string {
  const parsed = publicKeyHexSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError('must be an Ed25519 public key: 64 hexadecimal characters');
  return parsed.data;
}

/**
 * Prints the body to stdout; to a person, also how to send it. The key is loaded and the network
 * learnt (from --network, or else from mesh) before anything is signed.
 */
async function printSigned(
  command: Command,
  path: string,
  sign: (signer: Signer, network: string, ctx: CliContext) => Promise<object> | object,
) {
  const ctx = CliContext.of(command);
  const { network } = command.optsWithGlobals<{ network?: string }>();
  const signer = new Signer(await ctx.key());
  const body = await sign(signer, network ?? (await ctx.client().network()), ctx);
  process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  if (process.stderr.isTTY) {
    process.stderr.write(
      `# send within the clock skew mesh allows (5 min by default):\n#   ... | curl -sS -X POST ${ctx.urls[0]}${path} -H 'content-type: application/json' --data-binary @-\n`,
    );
  }
}

export function addSignCommands(program: Command): void {
  const sign = program
    .command('sign')
    .description('print a signed JSON body for the REST API (curl); sends nothing')
    .option('--network <id>', 'sign for this network id instead of asking mesh (needs no connection)', networkId);

  withRegistrationOptions(sign.command('register').description("POST /register body, signed with the node's key")).action(
    (options: RegistrationOptions, command: Command) =>
      printSigned(command, '/register', (signer, network) => signedRegister(signer, registrationOf(options), { network })),
  );

  sign
    .command('heartbeat')
    .description("POST /heartbeat body, signed with the node's key")
    .addOption(nodeIdOption())
    .addOption(ipOption())
    .action((options: { nodeId: string; ip?: string }, command: Command) =>
      printSigned(command, '/heartbeat', (signer, network) =>
        signedHeartbeat(signer, { nodeId: options.nodeId, tailscaleIP: options.ip }, { network }),
      ),
    );

  for (const action of ['approve', 'deny', 'remove'] as const satisfies NodeDecisionAction[]) {
    sign
      .command(action)
      .description(`POST /${action}/<id> body, signed with a sovereign key`)
      .argument('<id>', 'node id')
      .option('--node-key <pubkey>', "the node's registered public key, instead of asking mesh", publicKey)
      .action((nodeId: string, options: { nodeKey?: string }, command: Command) =>
        printSigned(command, `/${action}/${encodeURIComponent(nodeId)}`, async (signer, network, ctx) => {
          const nodePublicKey = options.nodeKey ?? (await ctx.client().trpc.node.get.query({ nodeId })).public_key;
          return signedNodeDecision(signer, action, { nodeId, nodePublicKey }, { network });
        }),
      );
  }

  sign
    .command('sovereign-add')
    .description('POST /sovereign/add body, signed with a sovereign key')
    .argument('<pubkey>', 'the new sovereign public key')
    .option('--description <text>', 'who holds the key', '')
    .action((key: string, options: { description: string }, command: Command) =>
      printSigned(command, '/sovereign/add', (signer, network) =>
        signedSovereignAdd(signer, { publicKey: key, description: options.description }, { network }),
      ),
    );

  sign
    .command('sovereign-remove')
    .description('POST /sovereign/remove body, signed with a sovereign key')
    .argument('<pubkey>', 'the sovereign public key to remove')
    .action((key: string, _options: unknown, command: Command) =>
      printSigned(command, '/sovereign/remove', (signer, network) => signedSovereignRemove(signer, key, { network })),
    );
}
