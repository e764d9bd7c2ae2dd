import { describeFailure } from './failure.js';
import { buildProgram } from './program.js';

// Known before parsing, which may be what fails: under --json, errors are JSON as well.
const json = process.argv.slice(2).includes('--json');

try {
  await buildProgram({ jsonErrors: json }).parseAsync(process.argv);
} catch (error) {
  const failure = describeFailure(error);
  if (json && failure.exitCode !== 0) {
    process.stderr.write(
      `${JSON.stringify({ error: { code: failure.code, message: failure.detail, exitCode: failure.exitCode } })}\n`,
    );
  } else if (failure.message) {
    process.stderr.write(`error: ${failure.message}\n`);
  }
  // Set, not process.exit(): output still in a pipe's buffer gets written before the process ends.
  process.exitCode = failure.exitCode;
}
