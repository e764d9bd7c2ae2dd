import { describe, expect, it } from 'vitest';
import { waitUntil } from '../../shared/testing/wait.js';
import { useCleanups } from '../testing/servers.js';
import { acceptingListener, closedPort, hangingListener } from '../testing/tcp-listeners.js';
import { tcpConnect } from './tcp-connect.js';

const defer = useCleanups();

describe('tcpConnect against real listeners on 127.0.0.1', () => {
  it('finds a listening service up, with its latency, and closes the connection it opened', async () => {
    const listener = await acceptingListener();
    defer(() => listener.close());
    const result = await tcpConnect('127.0.0.1', listener.port, 5_000);
    expect(result.status).toBe('up');
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    // Nothing is left open on the service's side: the prober hung up.
    await waitUntil(() => listener.closedByPeer === 1, 'the listener to see the probe hang up');
    expect(listener.accepted).toBe(1);
  });

  it('finds a service that accepts and never answers up at once: a TCP probe waits for no data', async () => {
    const listener = await acceptingListener();
    defer(() => listener.close());
    // A timeout far beyond the test's own: the answer cannot come from it.
    expect(await tcpConnect('127.0.0.1', listener.port, 600_000)).toMatchObject({ status: 'up' });
  });

  it('finds a closed port down, without waiting for the timeout', async () => {
    const port = await closedPort();
    expect(await tcpConnect('127.0.0.1', port, 600_000)).toEqual({ status: 'down', latencyMs: null });
  });

  it('finds a listener whose connections hang down once the timeout has passed', async () => {
    const listener = await hangingListener();
    defer(() => listener.close());
    let patientSettled = false;
    const patient = tcpConnect('127.0.0.1', listener.port, 600_000).finally(() => (patientSettled = true));
    expect(await tcpConnect('127.0.0.1', listener.port, 200)).toEqual({ status: 'down', latencyMs: null });
    // A connect with all the time in the world is still waiting: the listener hangs, it does not refuse.
    expect(patientSettled).toBe(false);
    await listener.close();
    expect(await patient).toEqual({ status: 'down', latencyMs: null });
  });
});
