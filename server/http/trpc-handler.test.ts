import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { appRouter } from '../routers/_app.js';
import { trpcInternals } from './trpc-handler.js';

const require = createRequire(import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
};

describe('the tRPC internals the fast path reads', () => {
  it('come from exactly the pinned @trpc/server, so an upgrade is a deliberate change', () => {
    const installed = (require('@trpc/server/package.json') as { version: string }).version;
    expect(manifest.dependencies['@trpc/server']).toBe(installed);
    expect(manifest.dependencies['@trpc/client']).toBe(installed);
  });

  it('still have the shape the fast path expects: a transformer and every procedure by dotted path', () => {
    const { config, procedures } = trpcInternals(appRouter);
    const payload = { at: new Date(0), list: [1n] };
    expect(config.transformer.input.deserialize(config.transformer.output.serialize(payload))).toEqual(payload);
    const types = Object.fromEntries(Object.entries(procedures).map(([path, procedure]) => [path, procedure?._def.type]));
    expect(types).toMatchObject({
      info: 'query',
      'node.register': 'mutation',
      'node.list': 'query',
      'health.heartbeat': 'mutation',
      'events.watch': 'subscription',
    });
  });

  it('refuses a router whose internals moved, with a message that says so', () => {
    const moved = { _def: { _config: {}, procedures: {} } } as unknown as typeof appRouter;
    expect(() => trpcInternals(moved)).toThrow(/tRPC internals changed/);
  });
});
