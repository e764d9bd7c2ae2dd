import { InvalidArgumentError, type Command } from 'commander';
import { consoleLogger } from '../log.js';
import { startAgent } from '../agent.js';
import { publicKeyHex } from '../keys.js';
import { CliContext } from './context.js';
import { ipOption, nodeIdOption, registrationOf, withRegistrationOptions, type RegistrationOptions } from './node-options.js';

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0)
    throw new InvalidArgumentError('must be a positive whole number of milliseconds');
  return number;
}

export function addNodeCommands(program: Command): void {
  withRegistrationOptions(
    program.command('register').description('register a node, or update its address and services (node key)'),
  ).action(async (options: RegistrationOptions, command: Command) => {
    const ctx = CliContext.of(command);
    const result = await ctx.client().register(await ctx.key(), registrationOf(options));
    ctx.out.result(result, () => `${result.nodeId}: ${result.message}`);
  });

  program
    .command('heartbeat')
    .description('send one heartbeat (node key)')
    .addOption(nodeIdOption())
    .addOption(ipOption())
    .action(async (options: { nodeId: string; ip?: string }, command: Command) => {
      const ctx = CliContext.of(command);
      const result = await ctx.client().heartbeat(await ctx.key(), options.nodeId, options.ip);
      ctx.out.result(result, () => `${result.nodeId}: heartbeat received, status ${ctx.out.status(result.status)}`);
    });

  withRegistrationOptions(program.command('agent').description('register, then heartbeat until SIGTERM; logs state changes only'))
    .option('--interval <ms>', "time between heartbeats (default: mesh's, 2 minutes)", positiveInteger)
    .option('--peer-cache <file>', 'keep the last-known-good active peer list in this JSON file')
    .action(async (options: RegistrationOptions & { interval?: number; peerCache?: string }, command: Command) => {
      const ctx = CliContext.of(command);
      const key = await ctx.key();
      const agent = startAgent({
        client: ctx.client(),
        key,
        registration: registrationOf(options),
        logger: consoleLogger,
        intervalMs: options.interval,
        peerCachePath: options.peerCache,
      });
      // Handlers first: a supervisor may signal the agent as soon as it reads the line below.
      const stopped = new Promise<string>((resolve) => {
        for (const name of ['SIGTERM', 'SIGINT'] as const) process.once(name, () => resolve(name));
      });
      consoleLogger.info(`agent for ${options.nodeId} (key ${publicKeyHex(key)}) on ${ctx.urls.join(', ')}`);
      const signal = await stopped;
      consoleLogger.info(`${signal}: stopping`);
      await agent.stop();
      consoleLogger.info('stopped');
    });
}
