import { newEd25519Key } from '../../shared/sign.js';
import { freshTestDatabaseUrl, testDatabaseUrl } from '../../db/testing/test-database.js';
import { signedNodeDecision, signedRegister } from '../../client/signed-requests.js';
import { Signer } from '../../client/signer.js';
import { loadConfig, type MeshConfig } from '../config.js';
import { createContext } from '../context.js';
import { silentLogger, type Logger } from '../log.js';
import { createMesh, type Mesh } from '../mesh.js';
import { createCaller } from '../routers/_app.js';

/** A clock the test moves by hand, so health timing is tested without sleeping. */
export class TestClock {
  constructor(public time = Date.UTC(2026, 10, 24, 12, 0, 0)) {}
  now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

export function testConfig(overrides: Partial<MeshConfig> = {}): MeshConfig {
  // Service probes off: test nodes register made-up addresses, and a test that wants probes runs them.
  const env = {
    MESH_DB_URL: testDatabaseUrl(),
    MESH_LOG_REQUESTS: 'false',
    MESH_VERIFY_THREADS: '0',
    MESH_SERVICE_PROBE_INTERVAL_MS: '0',
  };
  return { ...loadConfig(env), ...overrides };
}

export function newSigner(clock?: TestClock): Signer {
  return new Signer(newEd25519Key(), clock?.now);
}

export interface TestMesh {
  mesh: Mesh;
  api: ReturnType<typeof createCaller>;
  clock: TestClock;
  sovereign: Signer;
  network: string;
}

/**
 * A mesh on an in-memory libSQL database (or the emptied one at MESH_TEST_DB_URL) with the real
 * migrations, one sovereign key bootstrapped through MESH_SOVEREIGN_KEYS, and a caller for its
 * procedures.
 */
export async function createTestMesh(
  options: { config?: Partial<MeshConfig>; clock?: TestClock; logger?: Logger } = {},
): Promise<TestMesh> {
  const clock = options.clock ?? new TestClock();
  const sovereign = newSigner(clock);
  const config = testConfig({ sovereignKeys: [sovereign.publicKey], ...options.config });
  if (config.dbUrl === testDatabaseUrl()) config.dbUrl = await freshTestDatabaseUrl();
  const mesh = await createMesh(config, { clock, logger: options.logger ?? silentLogger });
  return { mesh, api: createCaller(createContext(mesh)), clock, sovereign, network: config.network };
}
export { tempDir } from '../../shared/testing/temp-dir.js';

/** A node registered (with `fields` beside its id and hostname) and approved by the test's sovereign: active. */
export async function activeNode(
  t: TestMesh,
  nodeId: string,
  fields: { tailscaleIP?: string; region?: string } = {},
): Promise<Signer> {
  const node = newSigner(t.clock);
  const options = { network: t.network };
  await t.api.node.register(signedRegister(node, { nodeId, tailscaleHostname: `${nodeId}.ts.net`, ...fields }, options));
  await t.api.sovereign.approve(signedNodeDecision(t.sovereign, 'approve', { nodeId, nodePublicKey: node.publicKey }, options));
  return node;
}
