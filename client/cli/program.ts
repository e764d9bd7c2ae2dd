import { Command, Option } from 'commander';
import { collectUrls, DEFAULT_URL } from './context.js';
import { addDecisionCommands } from './decisions.js';
import { addEnrollmentCommands } from './enrollment.js';
import { addInfoCommand } from './info.js';
import { addKeyCommands } from './keys.js';
import { addNodeCommands } from './node.js';
import { addNodeQueries } from './nodes.js';
import { addKeyRotationCommands } from './rotate-key.js';
import { addSignCommands } from './sign.js';
import { addQuorumCommands } from './quorum.js';
import { addSovereignCommands } from './sovereign.js';
import { addWatchCommand } from './watch.js';
import { packageVersion } from '../../shared/version.js';

const version = packageVersion();

/** The `mesh` command line. Subcommands made with .command() inherit the help and error settings. */
export function buildProgram(options: { jsonErrors?: boolean } = {}): Command {
  const program = new Command('mesh')
    .description('Operate mesh, the coordination service of the Tana validator network.')
    .version(version)
    .addOption(
      new Option('--url <url>', `mesh URL; several (comma-separated or repeated) are tried in order (default: ${DEFAULT_URL})`)
        .env('MESH_URL')
        .argParser(collectUrls),
    )
    .addOption(new Option('--key <file>', 'private key for signing: Ed25519, PKCS#8 PEM').env('MESH_KEY'))
    .option('--json', 'print JSON for scripts instead of tables')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  // Under --json, main prints commander's errors as JSON instead; settings reach the subcommands made below.
  if (options.jsonErrors) program.configureOutput({ outputError: () => {} }).showHelpAfterError(false);
  addKeyCommands(program);
  addInfoCommand(program);
  addNodeQueries(program);
  addDecisionCommands(program);
  addSovereignCommands(program);
  addQuorumCommands(program);
  addEnrollmentCommands(program);
  addNodeCommands(program);
  addKeyRotationCommands(program);
  addSignCommands(program);
  addWatchCommand(program);
  // Dispatched by bin/mesh.js before this program runs: they open the database, which the SDK never does.
  program.addHelpText(
    'after',
    `
Host commands (on the machine that runs mesh; they read MESH_* like the server):
  serve                start mesh in this process (the configuration of the README's table)
  backup <file>        write a consistent snapshot of the running mesh's database
  restore <file>       put a backup back as the database (mesh stopped)
  bootstrap <publicKeyHex> [description]
                       add the first sovereign key (--recover: replace every lost one)`,
  );
  return program;
}
