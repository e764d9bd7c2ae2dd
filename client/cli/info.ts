import type { Command } from 'commander';
import { CliContext } from './context.js';
import { duration, selfPreservationText } from './output.js';

export function addInfoCommand(program: Command): void {
  program
    .command('info')
    .description("show mesh's version, network id, timings and clock")
    .action(async (_options: unknown, command: Command) => {
      const ctx = CliContext.of(command);
      const info = await ctx.client().info();
      // Signatures older or newer than maxSkewMs by mesh's clock are refused: show how far apart the clocks are.
      const skew = Date.now() - info.serverTime;
      const clocks =
        Math.abs(skew) < 1000
          ? 'agrees with this machine'
          : `this machine is ${duration(Math.abs(skew))} ${skew > 0 ? 'ahead' : 'behind'}`;
      ctx.out.result(info, () =>
        ctx.out.fields([
          ['mesh', `${info.version} (protocol ${info.protocol})`],
          ['network', info.network],
          ['server time', `${new Date(info.serverTime).toISOString()} (${clocks})`],
          ['heartbeat every', duration(info.heartbeatIntervalMs)],
          ['offline after', duration(info.offlineAfterMs)],
          ['max clock skew', duration(info.maxSkewMs)],
          ['self-preservation', selfPreservationText(info.selfPreservation)],
        ]),
      );
    });
}
