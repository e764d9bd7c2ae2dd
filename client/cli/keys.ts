import type { Command } from 'commander';
import { generateKey, publicKeyHex, saveKey } from '../keys.js';
import { CliContext } from './context.js';

export function addKeyCommands(program: Command): void {
  program
    .command('keygen')
    .description('make an Ed25519 key, saved as PKCS#8 PEM, mode 0600 (never printed)')
    .option(
      '--out <file>',
      'where to save it (default: --key / MESH_KEY, else mesh-key.pem); an existing file is never overwritten',
    )
    .action(async (options: { out?: string }, command: Command) => {
      const ctx = CliContext.of(command);
      const file = options.out ?? ctx.options.key ?? 'mesh-key.pem';
      const key = generateKey();
      await saveKey(file, key);
      ctx.out.result({ file, publicKey: publicKeyHex(key) }, (saved) =>
        ctx.out.fields([
          ['saved', `${saved.file} (Ed25519, PKCS#8 PEM, mode 0600)`],
          ['public key', saved.publicKey],
        ]),
      );
    });
}
