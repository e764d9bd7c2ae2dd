import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signedNodeDecision, signedRegister } from '../../client/signed-requests.js';
import { startMesh } from '../app.js';
import { sweepOnce } from '../sweeper.js';
import { silentLogger } from '../log.js';
import { newSigner, testConfig, TestClock } from '../testing/harness.js';
import { Scrape } from '../testing/prometheus.js';
import { driveRestWorkflow, newSecrets } from '../testing/rest-workflow.js';
import { startTestServer, useCleanups } from '../testing/servers.js';
import { tempDir } from '../../shared/testing/temp-dir.js';

const defer = useCleanups();

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('GET /metrics', () => {
  it('counts what the REST workflow does, by route template, procedure and reason, never by node or key', async () => {
    const temp = tempDir();
    defer(() => temp.cleanup());
    const clock = new TestClock(Date.now());
    const sovereign = newSigner();
    const running = await startMesh(
      testConfig({
        host: '127.0.0.1',
        port: 0,
        dbUrl: `file:${join(temp.dir, 'mesh.db')}`,
        sovereignKeys: [sovereign.publicKey],
      }),
      { logger: silentLogger, clock },
    );
    defer(async () => running.close());

    const before = await Scrape.of(running.url);
    expect(before.value('mesh_registrations_total')).toBe(0);
    const secrets = newSecrets();
    const { nodeKey } = await driveRestWorkflow(running.url, sovereign, secrets);
    const after = await Scrape.of(running.url);

    expect(after.value('mesh_http_requests_total', { route: '/register', method: 'POST', status_class: '2xx' })).toBe(2);
    expect(after.value('mesh_http_requests_total', { route: '/register', status_class: '4xx' })).toBe(9);
    expect(after.value('mesh_http_requests_total', { route: '/nodes/:id' })).toBe(2);
    expect(after.value('mesh_http_requests_total', { route: 'unmatched' })).toBe(1);
    expect(after.value('mesh_http_request_duration_seconds', { route: '/heartbeat' })).toBe(3);
    expect(after.value('mesh_procedure_calls_total', { procedure: 'node.register', transport: 'rest', outcome: 'ok' })).toBe(2);
    expect(after.value('mesh_procedure_calls_total', { procedure: 'node.register', outcome: 'BAD_SIGNATURE' })).toBe(1);

    expect(after.value('mesh_registrations_total')).toBe(2);
    expect(after.value('mesh_approvals_total')).toBe(1);
    expect(after.value('mesh_denials_total')).toBe(1);
    expect(after.value('mesh_removals_total')).toBe(1);
    expect(after.value('mesh_events_committed_total', { type: 'sovereign.added' })).toBe(1);
    for (const reason of ['missing', 'bad_signature', 'stale', 'future', 'replay']) {
      expect(after.value('mesh_signature_failures_total', { reason }), reason).toBe(1);
    }
    for (const code of [
      'NODE_ID_TAKEN',
      'NOT_SOVEREIGN',
      'NODE_NOT_FOUND',
      'LAST_SOVEREIGN',
      'METHOD_NOT_ALLOWED',
      'ROUTE_NOT_FOUND',
    ]) {
      expect(after.value('mesh_refusals_total', { code }), code).toBeGreaterThanOrEqual(1);
    }
    expect(after.value('mesh_refusals_total', { code: 'PAYLOAD_TOO_LARGE' })).toBe(1);
    expect(after.value('mesh_refusals_total', { code: 'INVALID_INPUT' })).toBe(4);

    expect(after.value('mesh_heartbeats_accepted_total')).toBe(1);
    expect(after.value('mesh_heartbeats_refused_total', { reason: 'NODE_DENIED' })).toBe(1);
    expect(after.value('mesh_heartbeat_batch_size')).toBe(2);
    expect(after.value('mesh_heartbeat_commit_duration_seconds')).toBe(2);
    expect(after.value('mesh_signature_verifications_total', { where: 'inline' })).toBeGreaterThanOrEqual(10);

    expect(after.value('mesh_nodes', { status: 'denied' })).toBe(1);
    expect(after.value('mesh_nodes', { status: 'active' })).toBe(0);
    expect(after.value('mesh_sovereign_keys')).toBe(1);
    expect(after.value('mesh_event_log_revision')).toBe(running.mesh.registry.revision);
    expect(after.value('mesh_event_log_events')).toBeGreaterThanOrEqual(8);
    expect(after.value('mesh_database_file_bytes')).toBeGreaterThan(0);
    expect(after.value('mesh_database_wal_bytes')).toBeGreaterThan(0);
    expect(after.value('mesh_database_disk_available_bytes')).toBeGreaterThan(0);
    expect(after.value('mesh_database_disk_size_bytes')).toBeGreaterThanOrEqual(
      after.value('mesh_database_disk_available_bytes'),
    );
    expect(after.value('mesh_process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(after.value('mesh_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(after.value('mesh_info', { network: 'tana' })).toBe(1);

    // Labels are templates, procedures, codes and reasons: never a node id, a key or a raw path.
    const labels = after.labelValues();
    for (const secretish of [nodeKey, sovereign.publicKey, 'validator-1', 'validator-2', 'ghost', '/no/such/path']) {
      expect(
        labels.some((label) => label.includes(secretish)),
        secretish,
      ).toBe(false);
    }

    // A watcher is counted while it is connected.
    const stream = new AbortController();
    const watching = await fetch(`${running.url}/events`, { signal: stream.signal });
    expect(watching.status).toBe(200);
    await until(async () => (await Scrape.of(running.url)).value('mesh_watchers', { transport: 'rest' }) === 1);
    stream.abort();
    await until(async () => (await Scrape.of(running.url)).value('mesh_watchers', { transport: 'rest' }) === 0);

    // The sweeper marks a silent node offline, and says so.
    const node = newSigner();
    const register = signedRegister(node, { nodeId: 'quiet', tailscaleHostname: 'quiet.ts.net' }, { network: 'tana' });
    await fetch(`${running.url}/register`, { method: 'POST', body: JSON.stringify(register) });
    const approval = signedNodeDecision(
      sovereign,
      'approve',
      { nodeId: 'quiet', nodePublicKey: node.publicKey },
      { network: 'tana' },
    );
    const approved = await fetch(`${running.url}/approve/quiet`, {
      method: 'POST',
      body: JSON.stringify({ ...approval, nodeId: undefined }),
    });
    expect(approved.status).toBe(200);
    clock.advance(running.mesh.config.offlineAfterMs + 1);
    await sweepOnce(running.mesh);
    const swept = await Scrape.of(running.url);
    expect(swept.value('mesh_sweeper_passes_total', { outcome: 'ok' })).toBe(1);
    expect(swept.value('mesh_sweeper_pass_duration_seconds')).toBe(1);
    expect(swept.value('mesh_sweeper_nodes_offlined_total')).toBe(1);
    expect(swept.value('mesh_nodes', { status: 'offline' })).toBe(1);
  });

  it('is one registry per mesh: two meshes in one process count apart', async () => {
    const a = await startTestServer(defer);
    const b = await startTestServer(defer);
    await fetch(`${a.url}/health`);
    await fetch(`${a.url}/health`);
    expect((await Scrape.of(a.url)).value('mesh_http_requests_total', { route: '/health' })).toBe(2);
    expect((await Scrape.of(b.url)).value('mesh_http_requests_total', { route: '/health' })).toBe(0);
  });

  it('counts tRPC calls by procedure and transport, under the one /trpc route', async () => {
    const running = await startTestServer(defer);
    expect((await fetch(`${running.url}/trpc/info`)).status).toBe(200);
    expect((await fetch(`${running.url}/trpc/node.get?input=${encodeURIComponent('{"json":{"nodeId":"nobody"}}')}`)).status).toBe(
      404,
    );
    const scrape = await Scrape.of(running.url);
    expect(scrape.value('mesh_procedure_calls_total', { procedure: 'info', transport: 'trpc-http', outcome: 'ok' })).toBe(1);
    expect(scrape.value('mesh_procedure_calls_total', { procedure: 'node.get', outcome: 'NODE_NOT_FOUND' })).toBe(1);
    expect(scrape.value('mesh_refusals_total', { code: 'NODE_NOT_FOUND' })).toBe(1);
    expect(scrape.value('mesh_http_requests_total', { route: '/trpc' })).toBe(2);
  });

  it('is off with MESH_METRICS=false', async () => {
    const running = await startTestServer(defer, { config: { metrics: false } });
    const response = await fetch(`${running.url}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ success: false, error: { code: 'ROUTE_NOT_FOUND' } });
  });
});
