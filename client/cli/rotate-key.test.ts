import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadKey, publicKeyHex } from '../keys.js';
import { useCliMesh } from '../testing/cli-mesh.js';
import { runMesh, startMeshCli } from '../testing/processes.js';

// `mesh rotate-key` and `mesh force-rotate-key` end to end: the bin against a mesh server process.
const { env, file, keygen, withKey } = useCliMesh();

const asSovereign = () => withKey('sovereign.pem');

/** A node registered with a new key in `name` and approved: active. */
async function activeNode(nodeId: string, name: string): Promise<string> {
  const publicKey = await keygen(name);
  const node = ['--node-id', nodeId, '--hostname', `${nodeId}.ts.net`, '--service', 'ledger:8080'];
  expect(await runMesh(['register', ...node], withKey(name))).toMatchObject({ code: 0 });
  expect(await runMesh(['approve', nodeId, '--yes'], asSovereign())).toMatchObject({ code: 0 });
  return publicKey;
}

describe('mesh rotate-key and force-rotate-key, against a mesh process', { timeout: 180_000 }, () => {
  it('rotate-key makes the new key (0600) before sending, keeps the old file, and the agent works on with the new key', async () => {
    const oldPublicKey = await activeNode('validator-007', 'node.pem');
    const oldPem = readFileSync(file('node.pem'), 'utf8');

    const rotated = await runMesh(['rotate-key', '--node-id', 'validator-007', '--json'], withKey('node.pem'));
    expect(rotated.code).toBe(0);
    const result = JSON.parse(rotated.stdout) as { status: string; publicKey: string; keyFile: string; newKeyMade: boolean };
    expect(result).toMatchObject({ status: 'active', keyFile: `${file('node.pem')}.new`, newKeyMade: true });
    expect(statSync(result.keyFile).mode & 0o777).toBe(0o600);
    expect(publicKeyHex(await loadKey(result.keyFile))).toBe(result.publicKey);
    expect(result.publicKey).not.toBe(oldPublicKey);
    // The old key file is untouched; mesh refuses it now.
    expect(readFileSync(file('node.pem'), 'utf8')).toBe(oldPem);
    const [oldBeat, shown] = await Promise.all([
      runMesh(['heartbeat', '--node-id', 'validator-007'], withKey('node.pem')),
      runMesh(['node', 'validator-007', '--json'], { env }),
    ]);
    expect(oldBeat.code).toBe(1);
    expect(oldBeat.stderr).toMatch(/\[BAD_SIGNATURE\]/);
    expect(JSON.parse(shown.stdout)).toMatchObject({ public_key: result.publicKey, status: 'active' });

    // Run again (as after a lost answer): the same new key file, nothing more to sign.
    const again = await runMesh(['rotate-key', '--node-id', 'validator-007'], withKey('node.pem'));
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain(`already signs with key ${result.publicKey}`);

    // The agent, restarted with the new key, registers (an update) and heartbeats as before.
    const agent = startMeshCli(
      [
        'agent',
        '--node-id',
        'validator-007',
        '--hostname',
        'validator-007.ts.net',
        '--service',
        'ledger:8080',
        '--interval',
        '200',
      ],
      withKey('node.pem.new').env,
    );
    try {
      await agent.waitFor(/validator-007: Registration updated\. Status: active\./);
    } finally {
      expect(await agent.stop()).toBe(0);
    }
    expect(agent.output).not.toMatch(/BAD_SIGNATURE|REPLAYED_TIMESTAMP/);
    // Once the agent stopped: two signers of one key in the same millisecond are a replay to mesh.
    const beats = await runMesh(['heartbeat', '--node-id', 'validator-007'], withKey('node.pem.new'));
    expect(beats).toMatchObject({ code: 0 });
  });

  it('rotate-key takes an existing --new-key file, and refuses a key another node holds without touching anything', async () => {
    await activeNode('validator-008', 'eight.pem');
    const taken = await activeNode('validator-018', 'eighteen.pem');
    const refused = await runMesh(
      ['rotate-key', '--node-id', 'validator-008', '--new-key', file('eighteen.pem')],
      withKey('eight.pem'),
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`this public key is already registered as node validator-018 [PUBLIC_KEY_TAKEN]`);
    const shown = JSON.parse((await runMesh(['node', 'validator-008', '--json'], { env })).stdout) as { public_key: string };
    expect(shown.public_key).not.toBe(taken);
    expect(await runMesh(['heartbeat', '--node-id', 'validator-008'], withKey('eight.pem'))).toMatchObject({ code: 0 });
  });

  it('force-rotate-key puts the node back to pending under the new key; approved again, the new key heartbeats', async () => {
    await activeNode('validator-017', 'lost.pem');
    const replacement = await keygen('replacement.pem');

    const forced = await runMesh(['force-rotate-key', 'validator-017', replacement, '--yes'], asSovereign());
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`Node validator-017 now has key ${replacement} and is pending`);
    expect(forced.stderr).toContain(`force a new key ${replacement} on this node, network "tana":`);
    const [pending, lostBeat] = await Promise.all([
      runMesh(['pending'], { env }),
      runMesh(['heartbeat', '--node-id', 'validator-017'], withKey('lost.pem')),
    ]);
    expect(pending.stdout).toMatch(/^validator-017 +pending/m);
    expect(lostBeat.stderr).toMatch(/\[BAD_SIGNATURE\]/);

    expect(await runMesh(['approve', 'validator-017', '--yes'], asSovereign())).toMatchObject({ code: 0 });
    const beat = await runMesh(['heartbeat', '--node-id', 'validator-017'], withKey('replacement.pem'));
    expect(beat).toMatchObject({ code: 0, stdout: 'validator-017: heartbeat received, status active\n' });
  });
});
