/**
 * The entry of a worker thread named `name` beside the module at `base` (its import.meta.url):
 * compiled JavaScript beside it in dist/; from the source tree, Bun runs the TypeScript itself,
 * while Node's worker threads do not inherit tsx's loader and start through a `.mjs` shim of the
 * same name that registers it.
 */
export function workerEntry(name: string, base: string): URL {
  if (base.endsWith('.js')) return new URL(`./${name}.js`, base);
  return new URL(process.versions.bun ? `./${name}.ts` : `./${name}.mjs`, base);
}
