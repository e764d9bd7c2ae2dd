import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { signedRegister } from '../../client/signed-requests.js';
import { readEventsAfter } from '../events/log.js';
import { newSigner, TestClock } from '../testing/harness.js';
import { startTestServer, useCleanups } from '../testing/servers.js';
import { RATE_LIMITED_WINDOW_MS, reportRateLimited } from './rate-limit-report.js';
import { RateLimitTally } from './rate-limit-tally.js';

const defer = useCleanups();

/** POST /register from the loopback address `from`, so each caller has a bucket of its own. */
function registerFrom(url: string, from: string, clock: TestClock, nodeId: string): Promise<number> {
  const body = JSON.stringify(
    signedRegister(newSigner(clock), { nodeId, tailscaleHostname: `${nodeId}.ts.net` }, { network: 'tana' }),
  );
  return new Promise((resolve, reject) => {
    const call = request(
      `${url}/register`,
      { method: 'POST', localAddress: from, headers: { 'content-type': 'application/json' } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    call.on('error', reject);
    call.end(body);
  });
}

describe('mesh.rate-limited events', () => {
  it('sum up a window of refusals in one event, and the next window in another', async () => {
    const clock = new TestClock();
    const running = await startTestServer(defer, { clock, config: { rateLimitBurst: 1, rateLimitPerMinute: 1 } });
    const { mesh, url } = running;
    let next = 0;
    const flood = async (from: string, times: number) => {
      const statuses: number[] = [];
      for (let i = 0; i < times; i++) statuses.push(await registerFrom(url, from, clock, `n${next++}`));
      return statuses;
    };
    expect(await flood('127.0.0.1', 4)).toEqual([200, 429, 429, 429]);
    expect(await flood('127.0.0.2', 3)).toEqual([200, 429, 429]);

    clock.advance(RATE_LIMITED_WINDOW_MS);
    const windowEnd = clock.now();
    await reportRateLimited(mesh);
    // A window with nothing refused writes nothing.
    clock.advance(RATE_LIMITED_WINDOW_MS);
    expect(await reportRateLimited(mesh)).toBeNull();

    expect(await flood('127.0.0.3', 3)).toEqual([200, 429, 429]);
    clock.advance(RATE_LIMITED_WINDOW_MS);
    await reportRateLimited(mesh);

    const events = await readEventsAfter(mesh.database.db, 0, 100, { types: ['mesh.rate-limited'] });
    expect(events.map((event) => [event.actor, event.rateLimited])).toEqual([
      [
        'system',
        {
          from: windowEnd - RATE_LIMITED_WINDOW_MS,
          to: windowEnd,
          addresses: 2,
          refusals: 5,
          sample: ['127.0.0.1', '127.0.0.2'],
        },
      ],
      [
        'system',
        {
          from: windowEnd + RATE_LIMITED_WINDOW_MS,
          to: windowEnd + 2 * RATE_LIMITED_WINDOW_MS,
          addresses: 1,
          refusals: 2,
          sample: ['127.0.0.3'],
        },
      ],
    ]);
  });

  it('name at most ten addresses, however many were refused', () => {
    const tally = new RateLimitTally(0);
    for (let address = 0; address < 50; address++) for (let i = 0; i <= address % 3; i++) tally.refused(`10.0.0.${address}`);
    const summary = tally.take(1000);
    expect(summary).toMatchObject({ from: 0, to: 1000, addresses: 50, refusals: 99 });
    expect(summary?.sample).toHaveLength(10);
    expect(summary?.sample.every((address) => Number(address.split('.')[3]) % 3 === 2)).toBe(true);
  });
});
