import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { startTs, type Running } from '../../shared/testing/processes.js';
import { tempDir } from '../../shared/testing/temp-dir.js';
import { listeningUrl, runMesh, startMeshServer } from './processes.js';

export interface CliMesh<Name extends string> {
  /** A path in the mesh's temporary directory: its database, the key files. */
  file(name: string): string;
  /** MESH_URL of the mesh process; filled in by beforeAll, so `{ env }` can be taken at once. */
  env: Record<string, string>;
  /** The public key of each key made at start (`keys.sovereign`, …); filled in by beforeAll. */
  keys: Record<Name, string>;
  /** runMesh options that sign with the key file `name` (e.g. 'sovereign.pem'). */
  withKey(name: string): { env: Record<string, string> };
  /** `mesh keygen` into file(name); the public key it printed. */
  keygen(name: string): Promise<string>;
}

/**
 * The set-up of the CLI end-to-end tests, as an operator starts a mesh: keys made with `mesh keygen`
 * (`<name>.pem` for each of `keys`, `sovereign` among them), the sovereign bootstrapped into a new
 * database, and the server started as its own process. Registers the beforeAll that starts it and
 * the afterAll that stops it (and checks it exited cleanly) in the calling test file.
 *
 * Each `mesh` run is a node + tsx start: about 1.7 s of CPU, several seconds on a busy 2-core
 * machine, hence the generous hook timeouts; the keys are made side by side.
 */
export function useCliMesh<const Name extends string = 'sovereign'>(
  options: { keys?: readonly Name[]; env?: Record<string, string> } = {},
): CliMesh<Name> {
  const names = options.keys ?? (['sovereign'] as Name[]);
  const tmp = tempDir();
  const file = (name: string) => join(tmp.dir, name);
  const env: Record<string, string> = {};
  const keys = {} as Record<Name, string>;
  let server: Running | undefined;

  const keygen = async (name: string): Promise<string> => {
    const made = await runMesh(['keygen', '--out', file(name), '--json']);
    expect(made).toMatchObject({ code: 0 });
    return (JSON.parse(made.stdout) as { publicKey: string }).publicKey;
  };

  beforeAll(async () => {
    const made = await Promise.all(names.map((name) => keygen(`${name}.pem`)));
    names.forEach((name, index) => (keys[name] = made[index] as string));
    const database = { MESH_DB_PATH: file('mesh.db'), ...options.env };
    const sovereign = (keys as Partial<Record<string, string>>).sovereign;
    if (sovereign === undefined) throw new Error("useCliMesh: the keys include 'sovereign', which it bootstraps");
    expect(await startTs('scripts/sovereign-bootstrap.ts', [sovereign, 'e2e sovereign'], database).exited).toBe(0);
    // Kept before waiting, so afterAll stops it whatever happens next.
    server = startMeshServer(database);
    env.MESH_URL = await listeningUrl(server);
  }, 120_000);

  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
    tmp.cleanup();
  }, 60_000);

  return { file, env, keys, keygen, withKey: (name) => ({ env: { ...env, MESH_KEY: file(name) } }) };
}
