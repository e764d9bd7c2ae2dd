import { createInterface } from 'node:readline/promises';
import { CliError, EXIT } from './failure.js';

/** Asks on the terminal; anything but yes stops the command before it signs. */
export async function confirm(question: string): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new CliError('nothing signed: confirming needs a terminal; pass --yes to sign without asking', EXIT.usage);
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('nothing signed: not confirmed', EXIT.refused);
  } finally {
    prompt.close();
  }
}
