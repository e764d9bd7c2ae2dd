// The build's second half: tsc emits JavaScript only, and the compiled database code reads its SQL
// migrations from beside itself (dist/db/migrations), so they are copied there.
import { cpSync, rmSync } from 'node:fs';

const target = new URL('../dist/db/migrations/', import.meta.url);
rmSync(target, { recursive: true, force: true });
cpSync(new URL('../db/migrations/', import.meta.url), target, { recursive: true });
