import { describeFailure } from './failure.js';
import { buildProgram } from './program.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  const { message, exitCode } = describeFailure(error);
  if (message) process.stderr.write(`error: ${message}\n`);
  // Set, not process.exit(): output still in a pipe's buffer gets written before the process ends.
  process.exitCode = exitCode;
}
