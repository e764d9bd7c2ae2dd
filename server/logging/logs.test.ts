import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signedHeartbeat, signedNodeDecision, signedRegister } from '../../client/signed-requests.js';
import { startMesh } from '../app.js';
import { sweepOnce } from '../sweeper.js';
import { newSigner, testConfig, TestClock } from '../testing/harness.js';
import { driveRestWorkflow, newSecrets } from '../testing/rest-workflow.js';
import { useCleanups } from '../testing/servers.js';
import { createPinoLogger } from './pino-logger.js';
import { tempDir } from '../../shared/testing/temp-dir.js';

const defer = useCleanups();

interface LogLine {
  level: string;
  time: string;
  msg: string;
  [field: string]: unknown;
}

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

const parseLines = (lines: string[]): LogLine[] => lines.map((line) => JSON.parse(line) as LogLine);

describe('server logs', () => {
  it('are JSON lines: one per request, one per state change, and none holds a secret', async () => {
    const temp = tempDir();
    defer(() => temp.cleanup());
    const { lines, destination } = capture();
    const clock = new TestClock(Date.now());
    const sovereign = newSigner();
    const running = await startMesh(
      testConfig({
        host: '127.0.0.1',
        port: 0,
        dbUrl: `file:${join(temp.dir, 'mesh.db')}`,
        sovereignKeys: [sovereign.publicKey],
        logRequests: true,
      }),
      { logger: createPinoLogger({ level: 'debug', format: 'json', destination }), clock },
    );
    defer(async () => running.close());
    const secrets = newSecrets();
    const { answers } = await driveRestWorkflow(running.url, sovereign, secrets);

    // A node goes silent, is marked offline, and comes back.
    const node = newSigner(clock);
    const options = { network: 'tana' };
    const post = (path: string, body: unknown) => fetch(`${running.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    await post('/register', signedRegister(node, { nodeId: 'quiet', tailscaleHostname: 'quiet.ts.net' }, options));
    const approval = signedNodeDecision(sovereign, 'approve', { nodeId: 'quiet', nodePublicKey: node.publicKey }, options);
    await post('/approve/quiet', { ...approval, nodeId: undefined });
    clock.advance(running.mesh.config.offlineAfterMs + 1);
    await sweepOnce(running.mesh);
    expect((await post('/heartbeat', signedHeartbeat(node, { nodeId: 'quiet' }, options))).status).toBe(200);
    await running.close();

    const log = parseLines(lines);
    for (const line of log)
      expect([typeof line.level, typeof line.time, typeof line.msg]).toEqual(['string', 'string', 'string']);

    // Every answer has its request line, found by the id the client was given.
    const requests = new Map(
      log.filter((line) => line.requestId !== undefined && line.status !== undefined).map((l) => [l.requestId, l]),
    );
    for (const answer of answers) {
      const id = answer.headers.get('x-request-id');
      expect(id, `${answer.method} ${answer.path}`).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
      expect(requests.get(id), `${answer.method} ${answer.path}`).toMatchObject({
        level: 'info',
        method: answer.method,
        status: answer.status,
        durationMs: expect.any(Number) as unknown,
      });
    }
    expect(requests.get(answers.find((a) => a.path === '/approve/validator-1')?.headers.get('x-request-id'))).toMatchObject({
      route: '/approve/:nodeId',
    });

    // State changes, at info, with the node and the key that made them.
    const change = (event: string, nodeId: string | null, publicKey?: string) =>
      log.find(
        (line) => line.event === event && line.nodeId === nodeId && (publicKey === undefined || line.publicKey === publicKey),
      );
    expect(change('node.approved', 'validator-1')).toMatchObject({
      level: 'info',
      actor: sovereign.publicKey,
      msg: 'node validator-1 approved',
    });
    expect(change('node.denied', 'validator-2')).toMatchObject({ level: 'info', actor: sovereign.publicKey });
    expect(change('node.removed', 'validator-1')).toMatchObject({ level: 'info', actor: sovereign.publicKey });
    expect(change('sovereign.added', null)).toMatchObject({ level: 'info', actor: sovereign.publicKey });
    expect(change('sovereign.removed', null)).toMatchObject({
      level: 'info',
      msg: expect.stringMatching(/^sovereign key [0-9a-f]{64} removed$/) as unknown,
    });
    expect(change('node.offline', 'quiet')).toMatchObject({ level: 'info', actor: 'system' });
    expect(change('node.online', 'quiet')).toMatchObject({ level: 'info', actor: node.publicKey, msg: 'node quiet back online' });

    // No private key (PEM, its base64 body or raw hex), no signature, no request body.
    const text = lines.join('');
    const pemBodies = secrets.privateKeysPem.map((pem) =>
      pem
        .split('\n')
        .filter((l) => l && !l.startsWith('-----'))
        .join(''),
    );
    const forbidden = [...secrets.privateKeysPem, ...pemBodies, ...secrets.privateKeysHex, ...secrets.signatures];
    expect(forbidden.length).toBeGreaterThan(20);
    for (const secret of forbidden) expect(text.includes(secret), secret.slice(0, 16)).toBe(false);
    expect(text).not.toContain('x'.repeat(100));
    expect(text).not.toContain('100.64.0.9');
  });

  it('keep a proxy’s request id, and replace one that is not an id', async () => {
    const { lines, destination } = capture();
    const running = await startMesh(testConfig({ host: '127.0.0.1', port: 0, logRequests: true }), {
      logger: createPinoLogger({ level: 'info', format: 'json', destination }),
    });
    defer(async () => running.close());
    const kept = await fetch(`${running.url}/health`, { headers: { 'x-request-id': 'proxy-7f3a.1' } });
    expect(kept.headers.get('x-request-id')).toBe('proxy-7f3a.1');
    const replaced = await fetch(`${running.url}/health`, { headers: { 'x-request-id': 'two words\u00e9' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-/);
    await running.close();
    expect(
      parseLines(lines)
        .filter((line) => line.route === '/health')
        .map((line) => line.requestId),
    ).toEqual(['proxy-7f3a.1', replaced.headers.get('x-request-id')]);
  });

  it('carry an error with its cause chain, and honour the level', () => {
    const { lines, destination } = capture();
    const logger = createPinoLogger({ level: 'error', format: 'json', destination });
    logger.info('not at this level');
    const root = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    logger.error('commit failed', new Error('write failed', { cause: root }), { requestId: 'r1' });
    const [line, ...rest] = parseLines(lines);
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      level: 'error',
      msg: 'commit failed',
      requestId: 'r1',
      err: { message: 'write failed', cause: { message: 'disk I/O error', code: 'SQLITE_IOERR' } },
    });
  });

  it('are readable text when asked for', () => {
    const { lines, destination } = capture();
    createPinoLogger({ level: 'info', format: 'text', destination }).info('mesh started', { port: 8190 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/INFO.*mesh started.*"port":8190/);
    expect(() => void JSON.parse(lines[0] ?? '')).toThrow();
  });
});
