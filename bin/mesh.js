#!/usr/bin/env node
// `mesh` is TypeScript, run through tsx as `npm start` runs the server: no build step stands
// between a checkout (or an edit) and `npx mesh`.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../client/cli/main.ts');
