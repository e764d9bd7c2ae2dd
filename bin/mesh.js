#!/usr/bin/env node
// `mesh`: the operator's CLI, plus the host commands that run beside the database (serve, backup,
// restore), which are not part of the client SDK. In a checkout the TypeScript runs as it is
// (through tsx on Node, natively on Bun), so an edit needs no build; an installed package holds only
// the compiled dist/.
import { existsSync } from 'node:fs';

const HOST_COMMANDS = {
  serve: 'server/main',
  backup: 'scripts/backup',
  restore: 'scripts/restore',
  bootstrap: 'scripts/sovereign-bootstrap',
};

const command = process.argv[2];
const entry = Object.hasOwn(HOST_COMMANDS, command) ? HOST_COMMANDS[command] : 'client/cli/main';
// A host command's own arguments follow it, as if it had been started by itself.
if (entry !== 'client/cli/main') process.argv.splice(2, 1);

const source = new URL(`../${entry}.ts`, import.meta.url);
if (existsSync(source)) {
  if (!process.versions.bun) {
    const { register } = await import('tsx/esm/api');
    register({ tsconfig: new URL('../tsconfig.json', import.meta.url).pathname });
  }
  await import(source.href);
} else {
  await import(new URL(`../dist/${entry}.js`, import.meta.url).href);
}
