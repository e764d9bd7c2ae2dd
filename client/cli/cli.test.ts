import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadKey, publicKeyHex } from '../keys.js';
import { refusingUrl } from '../../shared/testing/ports.js';
import { useCliMesh } from '../testing/cli-mesh.js';
import { runMesh, startMeshCli } from '../testing/processes.js';

// End to end: the `mesh` bin against a mesh server process, as an operator runs them.
const { env, file, keys, keygen, withKey } = useCliMesh({ keys: ['sovereign', 'node'] });

const asSovereign = () => withKey('sovereign.pem');
const asNode = () => withKey('node.pem');
const NODE = ['--node-id', 'validator-002', '--hostname', 'validator-b.ts.net', '--ip', '100.64.0.5'];

// Runs that do not depend on each other go side by side; the timeouts in vitest.config.ts allow for
// the chains that remain.
describe('mesh, the CLI, against a mesh process', { timeout: 120_000 }, () => {
  it('keygen saved keys readable by their owner only and printed only the public key', async () => {
    expect(statSync(file('node.pem')).mode & 0o777).toBe(0o600);
    expect(publicKeyHex(await loadKey(file('node.pem')))).toBe(keys.node);
    const again = await runMesh(['keygen', '--out', file('node.pem')]);
    expect(again).toMatchObject({ code: 4, stdout: '' });
    expect(again.stderr).toMatch(/already exists; refusing to overwrite a key/);
  });

  it('register → pending → approve → nodes shows it active', async () => {
    const registered = await runMesh(['register', ...NODE, '--service', 'ledger:8080', '--service', 't4:8180'], asNode());
    expect(registered).toMatchObject({
      code: 0,
      stdout: 'validator-002: Registration successful. Awaiting sovereign approval.\n',
    });
    // Neither changes anything, so they run side by side. Without a terminal to confirm on, nothing is signed.
    const [pending, unconfirmed] = await Promise.all([
      runMesh(['pending'], { env }),
      runMesh(['approve', 'validator-002'], asSovereign()),
    ]);
    expect(pending.stdout).toMatch(
      /^validator-002 +pending +validator-b\.ts\.net +100\.64\.0\.5 +ledger:8080,t4:8180 +never +- +-$/m,
    );
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/error: nothing signed: confirming needs a terminal; pass --yes/);

    const approved = await runMesh(['approve', 'validator-002', '--yes'], asSovereign());
    expect(approved).toMatchObject({ code: 0, stdout: 'Node validator-002 approved: active.\n' });
    // What was signed was shown first: the node and the key it registered with.
    expect(approved.stderr).toContain('approve this node on network "tana":');
    expect(approved.stderr).toMatch(new RegExp(`public key +${keys.node}`));

    const nodes = await runMesh(['nodes'], { env });
    expect(nodes.stdout.split('\n')[0]).toMatch(/^ID +STATUS +HOSTNAME +IP +SERVICES +LAST HEARTBEAT +UPTIME 1D +REPUTATION$/);
    expect(nodes.stdout).toMatch(/^validator-002 +active +validator-b\.ts\.net/m);
    const best = await runMesh(['nodes', '--sort', 'reputation', '--min-reputation', '0'], { env });
    expect(best.code).toBe(0);
    const refused = await runMesh(['nodes', '--min-reputation', 'lots'], { env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('a reputation is a number from 0 to 100');
  });

  it('watch prints the changes so far and then live ones, and stops on SIGTERM', async () => {
    const watch = startMeshCli(['watch', '--since', '0', '--json'], env);
    const human = startMeshCli(['watch', '--since', '0', '--node', 'validator-002'], env);
    try {
      const [approved] = await watch.waitFor(/^\{"kind":"event".*"type":"node\.approved".*$/m);
      expect(JSON.parse(approved)).toMatchObject({
        event: { nodeId: 'validator-002', actor: keys.sovereign, node: { status: 'active' } },
      });
      await human.waitFor(/#\d+ +node\.approved +validator-002 active +by [0-9a-f]{8}…[0-9a-f]{4}/);
      const denied = await runMesh(['deny', 'validator-002', '--yes'], asSovereign());
      expect(denied.code).toBe(0);
      await watch.waitFor(/"type":"node\.denied"/);
      await human.waitFor(/node\.denied +validator-002 denied/);
      const approvedAgain = await runMesh(['approve', 'validator-002', '--yes'], asSovereign());
      expect(approvedAgain.code).toBe(0);
    } finally {
      expect(await watch.stop()).toBe(0);
      expect(await human.stop()).toBe(0);
    }
  });

  it('nodes --watch prints the list, then each change, and stops on SIGTERM', async () => {
    const watch = startMeshCli(['nodes', '--watch', '--service', 'ledger'], env);
    try {
      await watch.waitFor(/^validator-002 +active +validator-b\.ts\.net/m);
      const denied = await runMesh(['deny', 'validator-002', '--yes'], asSovereign());
      expect(denied.code).toBe(0);
      await watch.waitFor(/Z {2}removed {2}validator-002 {2}denied {2}validator-b\.ts\.net {2}100\.64\.0\.5$/m);
      const approved = await runMesh(['approve', 'validator-002', '--yes'], asSovereign());
      expect(approved.code).toBe(0);
      await watch.waitFor(/Z {2}added {4}validator-002 {2}active {2}validator-b\.ts\.net/m);
    } finally {
      expect(await watch.stop()).toBe(0);
    }
  });

  it('agent heartbeats, registers again after a removal, and stops on SIGTERM', async () => {
    const agent = startMeshCli(['agent', ...NODE, '--service', 'ledger:8080', '--interval', '200'], asNode().env);
    try {
      await agent.waitFor(/validator-002: Registration updated\. Status: active\./);
      const removed = await runMesh(['remove', 'validator-002', '--yes'], asSovereign());
      expect(removed).toMatchObject({ code: 0, stdout: 'Node validator-002 removed.\n' });
      // Only a heartbeat can tell the agent that mesh no longer knows the node.
      await agent.waitFor(/validator-002: active → pending/);
      expect((await runMesh(['pending'], { env })).stdout).toMatch(/^validator-002 +pending/m);
    } finally {
      expect(await agent.stop()).toBe(0);
    }
    // Several beats went by; only the changes were logged (stdout and stderr interleave, so unordered).
    const lines = agent.output
      .trim()
      .split('\n')
      .map((line) => line.replace(/^\S+ /, ''));
    expect(lines.sort()).toEqual(
      [
        `agent for validator-002 (key ${keys.node}) on ${env.MESH_URL}`,
        'validator-002: Registration updated. Status: active.',
        'validator-002: mesh no longer knows this node (removed by a sovereign?): registering again',
        'validator-002: Registration successful. Awaiting sovereign approval.',
        'validator-002: active → pending',
        'SIGTERM: stopping',
        'stopped',
      ].sort(),
    );
  });

  it('sign prints bodies the REST API accepts', async () => {
    const body = await runMesh(['sign', 'approve', 'validator-002', '--network', 'tana', '--node-key', keys.node], asSovereign());
    expect(body.code).toBe(0);
    const approve = await fetch(`${env.MESH_URL}/approve/validator-002`, { method: 'POST', body: body.stdout });
    expect(await approve.json()).toMatchObject({ success: true, status: 'active' });

    const beat = await runMesh(['sign', 'heartbeat', '--node-id', 'validator-002'], asNode());
    const heartbeat = await fetch(`${env.MESH_URL}/heartbeat`, { method: 'POST', body: beat.stdout });
    expect(await heartbeat.json()).toMatchObject({ success: true, status: 'active' });
  });

  it('sovereign add, ls and remove', async () => {
    const second = await keygen('second.pem');
    expect((await runMesh(['sovereign', 'add', second, '--description', 'second'], asSovereign())).stdout).toBe(
      'Sovereign key added.\n',
    );
    const listed = JSON.parse((await runMesh(['sovereign', 'ls', '--json'], { env })).stdout) as {
      sovereigns: Array<{ public_key: string }>;
    };
    expect(listed.sovereigns.map((s) => s.public_key)).toEqual([keys.sovereign, second]);
    expect((await runMesh(['sovereign', 'remove', second], asSovereign())).code).toBe(0);
  });

  it('fails with one clear line and an exit code per kind of failure', async () => {
    const nowhere = await refusingUrl();
    const [unknown, refused, badKey, unreachable, noKey] = await Promise.all([
      runMesh(['node', 'ghost'], { env }),
      runMesh(['approve', 'validator-002', '--yes'], asNode()),
      runMesh(['heartbeat', '--node-id', 'validator-002', '--key', file('mesh.db')], { env }),
      runMesh(['nodes', '--url', nowhere], { env }),
      runMesh(['heartbeat', '--node-id', 'validator-002'], { env }),
    ]);
    expect(unknown).toMatchObject({ code: 1, stdout: '', stderr: 'error: no node ghost is registered [NODE_NOT_FOUND]\n' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /\nerror: the signing key is not a sovereign key: only sovereigns may do this \[NOT_SOVEREIGN\]\n$/,
    );
    expect(badKey).toMatchObject({ code: 4, stdout: '' });
    expect(badKey.stderr).toMatch(/^error: key file .*mesh\.db is unusable: it does not hold a PEM private key/);
    expect(unreachable).toMatchObject({ code: 3, stderr: `error: mesh is unreachable: ${nowhere} (ECONNREFUSED)\n` });
    expect(noKey).toMatchObject({ code: 2, stderr: 'error: this command signs: pass --key <file> or set MESH_KEY\n' });
  });

  it('takes a URL without a scheme, or with a port out of range or one fetch refuses, as a usage error', async () => {
    const [noScheme, tooBig, refusedPort, fromEnv] = await Promise.all([
      runMesh(['nodes', '--url', 'localhost:8190']),
      runMesh(['nodes', '--url', 'http://127.0.0.1:99999']),
      runMesh(['nodes', '--url', 'http://127.0.0.1:6000']),
      runMesh(['nodes'], { env: { MESH_URL: 'localhost:8190' } }),
    ]);
    expect(noScheme.code).toBe(2);
    expect(noScheme.stderr).toMatch(
      /^error: option '--url <url>' argument 'localhost:8190' is invalid\. .*write http:\/\/localhost:8190\n/,
    );
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toMatch(/port 99999 is out of range \(1 to 65535\)/);
    expect(refusedPort.code).toBe(2);
    expect(refusedPort.stderr).toMatch(/port 6000 is one fetch never connects to/);
    expect(fromEnv.code).toBe(2);
  });

  it('prints failures as JSON under --json, with the code and the exit status', async () => {
    const nowhere = await refusingUrl();
    const [unknown, usage, unreachable] = await Promise.all([
      runMesh(['node', 'ghost', '--json'], { env }),
      runMesh(['--json', 'nodes', '--url', 'localhost:8190']),
      runMesh(['nodes', '--json', '--url', nowhere]),
    ]);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(JSON.parse(unknown.stderr)).toEqual({
      error: { code: 'NODE_NOT_FOUND', message: 'no node ghost is registered', exitCode: 1 },
    });
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr)).toMatchObject({ error: { code: 'USAGE', exitCode: 2 } });
    expect(JSON.parse(unreachable.stderr)).toEqual({
      error: { code: 'UNREACHABLE', message: `mesh is unreachable: ${nowhere} (ECONNREFUSED)`, exitCode: 3 },
    });
  });

  it('says in `mesh deny --help` that a denied node can be approved again', async () => {
    const help = await runMesh(['deny', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('leaves discovery until a sovereign approves it again (or removes it)');
    expect(help.stdout).not.toMatch(/for good/);
  });

  it('registers with --region/--zone, lists by --region, and set-region corrects it', async () => {
    await keygen('west.pem');
    const asWest = withKey('west.pem');
    const west = ['--node-id', 'validator-009', '--hostname', 'validator-w.ts.net'];
    expect(await runMesh(['register', ...west, '--region', 'eu-wset', '--zone', 'eu-west-1a'], asWest)).toMatchObject({
      code: 0,
    });
    expect((await runMesh(['register', ...west, '--region', 'EU West'], asWest)).code).not.toBe(0);

    const corrected = await runMesh(
      ['set-region', 'validator-009', '--region', 'eu-west', '--zone', 'eu-west-1a'],
      asSovereign(),
    );
    expect(corrected).toMatchObject({ code: 0, stdout: 'Node validator-009: region eu-west, zone eu-west-1a.\n' });
    const listed = await runMesh(['nodes', '--region', 'eu-west', '--json'], { env });
    const { nodes } = JSON.parse(listed.stdout) as { nodes: Array<{ id: string; region: string; zone: string }> };
    expect(nodes.map((node) => [node.id, node.region, node.zone])).toEqual([['validator-009', 'eu-west', 'eu-west-1a']]);
  });
});
