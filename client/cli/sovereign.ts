import type { Command } from 'commander';
import { CliContext } from './context.js';
import { when } from './output.js';

export function addSovereignCommands(program: Command): void {
  const sovereign = program.command('sovereign').description('list, add and remove sovereign keys');

  sovereign
    .command('ls')
    .description('list the sovereign keys')
    .action(async (_options: unknown, command: Command) => {
      const ctx = CliContext.of(command);
      const list = await ctx.client().trpc.sovereign.list.query();
      ctx.out.result(list, ({ sovereigns }) =>
        ctx.out.table(sovereigns, [
          { header: 'PUBLIC KEY', value: (s) => s.public_key },
          { header: 'DESCRIPTION', value: (s) => s.description || '-' },
          { header: 'ADDED', value: (s) => when(s.added_at) },
          { header: 'ADDED BY', value: (s) => (s.added_by ? `${s.added_by.slice(0, 16)}…` : '(bootstrap)') },
        ]),
      );
    });

  sovereign
    .command('add')
    .description('add a sovereign key (signed with an existing sovereign key)')
    .argument('<pubkey>', 'the new sovereign public key, 64 hex characters')
    .option('--description <text>', 'who holds the key, for the list', '')
    .action(async (publicKey: string, options: { description: string }, command: Command) => {
      const ctx = CliContext.of(command);
      const result = await ctx.client().addSovereign(await ctx.key(), publicKey, options.description);
      ctx.out.result(result, () => result.message);
    });

  sovereign
    .command('remove')
    .description('remove a sovereign key (signed with a sovereign key; the last one cannot go)')
    .argument('<pubkey>', 'the sovereign public key to remove')
    .action(async (publicKey: string, _options: unknown, command: Command) => {
      const ctx = CliContext.of(command);
      const result = await ctx.client().removeSovereign(await ctx.key(), publicKey);
      ctx.out.result(result, () => result.message);
    });
}
