import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signedForceRotateKey, signedNodeDecision, signedRegister } from '../signed-requests.js';
import { saveKey } from '../keys.js';
import { newSigner } from '../../server/testing/harness.js';
import { startTestServer, useCleanups } from '../../server/testing/servers.js';
import { tempDir } from '../../shared/testing/temp-dir.js';
import { runMesh } from '../testing/processes.js';
import type { Signer } from '../signer.js';
import type { MeshConfig } from '../../server/config.js';

// The `mesh` bin against a real mesh HTTP server that needs two sovereign signatures per decision.
const defer = useCleanups();

async function post(url: string, body: unknown): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * A real mesh HTTP server that needs two sovereign signatures per decision, with both sovereign
 * keys saved to files for the `mesh` bin (MESH_KEY), and `env` pointing the bin at the server.
 */
async function twoSovereignMesh(config: Partial<MeshConfig> = {}) {
  const sovereigns = [newSigner(), newSigner()] as const;
  const running = await startTestServer(defer, {
    config: { quorum: 2, sovereignKeys: sovereigns.map((key) => key.publicKey), ...config },
  });
  const tmp = tempDir();
  defer(tmp.cleanup);
  const keyFiles = [join(tmp.dir, 'first.pem'), join(tmp.dir, 'second.pem')] as const;
  await Promise.all(keyFiles.map((keyFile, index) => saveKey(keyFile, sovereigns[index]!.privateKey)));
  /** POST /register of `node` under `nodeId`: the HTTP status. */
  const register = (node: Signer, nodeId: string) =>
    post(`${running.url}/register`, signedRegister(node, { nodeId, tailscaleHostname: `${nodeId}.ts.net` }, { network: 'tana' }));
  return { sovereigns, running, keyFiles, env: { MESH_URL: running.url }, register };
}

describe('mesh pending, mesh decisions and mesh approve under MESH_QUORUM=2', { timeout: 120_000 }, () => {
  it('show each node with the signatures gathered so far', async () => {
    const m = await twoSovereignMesh();
    const { sovereigns, running, env } = m;
    const keyFile = m.keyFiles[1];

    const nodes = { 'validator-1': newSigner(), 'validator-2': newSigner() };
    for (const [nodeId, node] of Object.entries(nodes)) {
      expect(await m.register(node, nodeId)).toBe(200);
    }
    const decision = signedNodeDecision(
      sovereigns[0],
      'approve',
      { nodeId: 'validator-1', nodePublicKey: nodes['validator-1'].publicKey },
      { network: 'tana' },
    );
    expect(await post(`${running.url}/approve/validator-1`, decision)).toBe(202);

    const [pending, decisions] = await Promise.all([runMesh(['pending'], { env }), runMesh(['decisions'], { env })]);
    expect(pending.code).toBe(0);
    expect(pending.stdout.split('\n')[0]).toMatch(/ +REPUTATION +SIGNED$/);
    expect(pending.stdout).toMatch(/^validator-1 +pending .* +1 of 2 approvals$/m);
    expect(pending.stdout).toMatch(/^validator-2 +pending .* +-$/m);
    expect(pending.stdout).toContain('each takes 2 sovereigns signing within 1d; see mesh decisions');
    expect(decisions.code).toBe(0);
    expect(decisions.stdout).toMatch(/^KIND +TARGET +SIGNED +SIGNERS +EXPIRES$/m);
    expect(decisions.stdout).toMatch(
      new RegExp(
        `^approve +validator-1 +1 of 2 approvals +${sovereigns[0].publicKey.slice(0, 8)}…${sovereigns[0].publicKey.slice(-4)} +`,
        'm',
      ),
    );

    // The second sovereign signs through the CLI: the quorum is met and the node is active.
    const approved = await runMesh(['approve', 'validator-1', '--yes'], { env: { ...env, MESH_KEY: keyFile } });
    expect(approved).toMatchObject({ code: 0, stdout: 'Node validator-1 approved: active.\n' });
    const after = await runMesh(['pending', '--json'], { env });
    expect(JSON.parse(after.stdout)).toMatchObject({ nodes: [{ id: 'validator-2' }], decisions: [] });
  });

  it('show a forced key rotation waiting, with the new key it names, until the second sovereign signs the same key', async () => {
    const m = await twoSovereignMesh();
    const { sovereigns, running, env } = m;
    const keyFile = m.keyFiles[1];
    const short = (key: string) => `${key.slice(0, 8)}…${key.slice(-4)}`;

    const lost = newSigner();
    const node = { nodeId: 'validator-1', nodePublicKey: lost.publicKey };
    expect(await m.register(lost, 'validator-1')).toBe(200);
    for (const [index, sovereign] of sovereigns.entries()) {
      const approval = signedNodeDecision(sovereign, 'approve', node, { network: 'tana' });
      expect(await post(`${running.url}/approve/validator-1`, approval)).toBe(index === 0 ? 202 : 200);
    }
    const next = newSigner();
    const rotation = signedForceRotateKey(sovereigns[0], { ...node, newPublicKey: next.publicKey }, { network: 'tana' });
    expect(await post(`${running.url}/force-rotate-key/validator-1`, rotation)).toBe(202);

    const [pending, decisions] = await Promise.all([runMesh(['pending'], { env }), runMesh(['decisions'], { env })]);
    expect(pending.code).toBe(0);
    expect(pending.stdout).toContain('no node is waiting for approval');
    expect(pending.stdout).toContain(`  validator-1: 1 of 2 forced key rotations to ${short(next.publicKey)}`);
    expect(decisions.code).toBe(0);
    expect(decisions.stdout).toMatch(
      new RegExp(
        `^force-rotate +validator-1 +1 of 2 forced key rotations to ${short(next.publicKey)} +${short(sovereigns[0].publicKey)} +`,
        'm',
      ),
    );

    // The second sovereign signs the same new key through the CLI: the rotation takes effect.
    const rotated = await runMesh(['force-rotate-key', 'validator-1', next.publicKey, '--yes'], {
      env: { ...env, MESH_KEY: keyFile },
    });
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain(`Node validator-1 now has key ${next.publicKey} and is pending`);
    const after = await runMesh(['pending', '--json'], { env });
    expect(JSON.parse(after.stdout)).toMatchObject({
      nodes: [{ id: 'validator-1', public_key: next.publicKey, status: 'pending' }],
      decisions: [],
    });
  });

  it('mesh enrollment create prints the tally and the command that signs the same key; the second sovereign running it gets the secret', async () => {
    const { sovereigns, keyFiles, env } = await twoSovereignMesh({ admission: ['manual', 'enrollment-key'] });

    const first = await runMesh(
      ['enrollment', 'create', '--note', "rack 7's", '--tag', 'tag:validator', '--uses', '2', '--expires-in', '1h'],
      { env: { ...env, MESH_KEY: keyFiles[0] } },
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Signed the creation of an enrollment key (reusable 2 times, until');
    expect(first.stdout).toContain('1 of 2 enrollment key creations; pending until 1 more sovereign signs it');
    expect(first.stdout).not.toMatch(/mesh-ek-/);
    const expiresAt = /--expires-at (\S+) /.exec(first.stdout)?.[1] as string;
    expect(first.stdout).toContain(
      `another sovereign signs it with: mesh enrollment create --uses 2 --expires-at ${expiresAt} --tag tag:validator --note 'rack 7'\\''s'`,
    );

    const decisions = await runMesh(['decisions'], { env });
    expect(decisions.code).toBe(0);
    expect(decisions.stdout).toMatch(/^enrollment-key-create +\S+ +1 of 2 enrollment key creations +/m);
    expect(decisions.stdout).toContain('enrollment keys waiting (another sovereign signs the same key with):');
    expect(decisions.stdout).toContain(`mesh enrollment create --uses 2 --expires-at ${expiresAt} --tag tag:validator`);

    // The second sovereign runs that command: the quorum is met, and its answer alone has the secret.
    const second = await runMesh(
      [
        'enrollment',
        'create',
        '--uses',
        '2',
        '--expires-at',
        expiresAt,
        '--tag',
        'tag:validator',
        '--note',
        "rack 7's",
        '--json',
      ],
      { env: { ...env, MESH_KEY: keyFiles[1] } },
    );
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      secret: expect.stringMatching(/^mesh-ek-[0-9a-f]{64}$/),
      key: { maxUses: 2, note: "rack 7's", tags: ['tag:validator'], createdBy: sovereigns[1].publicKey },
      decision: { effective: true, signatures: 2 },
    });
    expect(JSON.parse((await runMesh(['decisions', '--json'], { env })).stdout)).toMatchObject({ decisions: [] });

    const both = await runMesh(['enrollment', 'create', '--expires-in', '1h', '--expires-at', expiresAt], {
      env: { ...env, MESH_KEY: keyFiles[0] },
    });
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain('cannot be used with');
  });
});
