/**
 * The child side of a forked worker (the benchmark's load generator, the soak's traffic): messages
 * to the parent over the IPC channel, and the one job it is sent, answered with its result or its
 * error before the process exits.
 */

/** Sends a message to the parent; without an IPC channel (run by hand) it is printed as a JSON line. */
export function sendToParent(message: object): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
      return;
    }
    process.send(message, () => resolve());
  });
}

/**
 * Runs the one job the parent sends, answers `{type: 'result'}` or `{type: 'error'}`, and exits.
 * The process also exits when the parent goes away, and after `hardLimitMs(job)` whatever happens.
 */
export function runForkedJob<J, R>(name: string, run: (job: J) => Promise<R>, hardLimitMs: (job: J) => number): void {
  process.once('disconnect', () => process.exit(2));
  process.once('message', (job: J) => {
    setTimeout(() => {
      process.stderr.write(`${name}: hard time limit reached\n`);
      process.exit(3);
    }, hardLimitMs(job)).unref();
    run(job).then(
      async (result) => {
        await sendToParent({ type: 'result', result });
        process.exit(0);
      },
      async (error: unknown) => {
        await sendToParent({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        process.exit(1);
      },
    );
  });
}
