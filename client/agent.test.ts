import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../server/sweeper.js';
import type { Logger } from '../server/log.js';
import { TestClock } from '../server/testing/harness.js';
import { tempDir } from '../shared/testing/temp-dir.js';
import { startAgent } from './agent.js';
import { createMeshClient } from './client.js';
import { generateKey } from './keys.js';
import { loadPeers } from './peer-cache.js';
import { startRelay } from '../shared/testing/ports.js';
import { waitUntil } from '../shared/testing/wait.js';
import { startLiveMesh, validatorRegistration, type LiveMesh } from './testing/mesh.js';
import { ManualSchedule } from './testing/schedule.js';

// mesh's clock is moved by hand to let a node go offline; signatures carry the real time, so the
// accepted skew is wide.
const clock = new TestClock(Date.now());
let live: LiveMesh;
const tmp = tempDir();
beforeAll(async () => {
  live = await startLiveMesh({ maxSkewMs: 3_600_000 }, { clock });
});
afterAll(async () => {
  await live.close();
  tmp.cleanup();
});

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => lines.push(message),
    warn: (message) => lines.push(`WARN ${message}`),
    error: (message) => lines.push(`ERROR ${message}`),
  };
}

const registration = (nodeId: string) => validatorRegistration(nodeId, { tailscaleIP: '100.64.0.9' });

describe('the validator agent', () => {
  it('registers, heartbeats, and logs state changes only', async () => {
    const client = createMeshClient({ url: live.url });
    const timer = new ManualSchedule();
    const logger = recorder();
    const peerCachePath = join(tmp.dir, 'peers.json');
    const agent = startAgent({
      client,
      key: generateKey(),
      registration: registration('agent-1'),
      logger,
      peerCachePath,
      schedule: timer.schedule,
      random: () => 1,
      now: clock.now,
    });
    // mesh's 2 minute interval, stretched by the full 10% jitter.
    expect(await timer.scheduled(1)).toBe(132_000);
    expect(agent.status).toBe('pending');
    expect(logger.lines).toEqual(['agent-1: Registration successful. Awaiting sovereign approval.']);

    await client.approve(live.sovereignKey, 'agent-1');
    await timer.fire();
    await timer.fire();
    await timer.fire();
    expect(agent.status).toBe('active');
    expect(logger.lines.slice(1)).toEqual(['agent-1: pending → active']);
    expect((await client.trpc.node.get.query({ nodeId: 'agent-1' })).last_heartbeat).toBe(clock.now());
    // The agent's informer saw the node become active and saved it as the last-known-good peer list.
    await waitUntil(async () => (await loadPeers(peerCachePath))?.nodes.some((n) => n.id === 'agent-1') ?? false, 'peer cache');
    expect(agent.peers && [...agent.peers.keys()]).toEqual(['agent-1']);

    // Six silent minutes: mesh's sweeper marks the node offline; the next beat brings it back.
    clock.advance(6 * 60_000);
    expect((await sweepOnce(live.running.mesh)).wentOffline).toEqual(['agent-1']);
    await timer.fire();
    expect(logger.lines.slice(2)).toEqual(['agent-1: active → offline', 'agent-1: offline → active']);

    await agent.stop();
    expect(timer.pending).toBe(false);
  });

  it('registers again after a sovereign removed the node', async () => {
    const client = createMeshClient({ url: live.url });
    const timer = new ManualSchedule();
    const logger = recorder();
    const agent = startAgent({
      client,
      key: generateKey(),
      registration: registration('agent-2'),
      logger,
      schedule: timer.schedule,
    });
    await timer.scheduled(1);
    await client.approve(live.sovereignKey, 'agent-2');
    await timer.fire();
    await client.remove(live.sovereignKey, 'agent-2');
    // The removal is noticed, and the node registers again at once, without a backoff.
    expect(await timer.fire()).toBe(0);
    await timer.fire();
    expect(agent.status).toBe('pending');
    expect(logger.lines.slice(1)).toEqual([
      'agent-2: pending → active',
      'agent-2: mesh no longer knows this node (removed by a sovereign?): registering again',
      'agent-2: Registration successful. Awaiting sovereign approval.',
      'agent-2: active → pending',
    ]);
    expect(logger.lines.filter((line) => line.startsWith('ERROR'))).toEqual([]);
    await agent.stop();
  });

  it('backs off while mesh is unreachable, says so once, and carries on when it is back', async () => {
    const relay = await startRelay();
    const url = relay.url;
    const client = createMeshClient({ url, readAttempts: 1 });
    const timer = new ManualSchedule();
    const logger = recorder();
    const agent = startAgent({
      client,
      key: generateKey(),
      registration: registration('agent-3'),
      logger,
      schedule: timer.schedule,
      intervalMs: 10_000,
      retryDelayMs: 1000,
      random: () => 0.5,
    });
    await timer.scheduled(1);
    for (let i = 0; i < 4; i++) await timer.fire();
    expect(timer.delays).toEqual([1000, 2000, 4000, 8000, 10_000]);
    // Each distinct failure is logged once, not once per attempt.
    const failures = [...logger.lines];
    expect(failures.length).toBeLessThan(5);
    for (const line of failures) expect(line).toMatch(/^ERROR agent-3: mesh is unreachable: .*; retrying with backoff$/);

    const back = await startLiveMesh();
    relay.target = Number(new URL(back.url).port);
    try {
      expect(await timer.fire()).toBe(10_000);
      expect(agent.status).toBe('pending');
      expect(logger.lines.slice(failures.length)).toEqual([
        'agent-3: Registration successful. Awaiting sovereign approval.',
        'agent-3: heartbeats go through again after 5 failed attempt(s)',
      ]);
      await agent.stop();
    } finally {
      await back.close();
      await relay.close();
    }
  });

  it('stops cleanly: the round in progress finishes and nothing more is scheduled', async () => {
    const timer = new ManualSchedule();
    const agent = startAgent({
      client: createMeshClient({ url: live.url }),
      key: generateKey(),
      registration: registration('agent-4'),
      logger: recorder(),
      schedule: timer.schedule,
    });
    await agent.stop();
    expect(agent.status).toBe('pending');
    expect(timer.delays).toEqual([]);
  });
});
