/**
 * etcd 3.4 as the benchmark's comparison at today's scale: Debian's etcd-server package, started on
 * 127.0.0.1 with a temporary data directory and free ports, and stopped with the other children.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cleanEnv } from '../../shared/testing/processes.js';
import { freePort, spawnProgram, stopChild } from './processes.js';
import type { RunningServer } from './servers.js';
import { fetchOnce } from './servers.js';
import { workFile } from './workspace.js';

/** etcd's version line, or null when no etcd is installed (`apt-get install etcd-server`). */
export function etcdVersion(): string | null {
  const probe = spawnSync('etcd', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return null;
  return probe.stdout.match(/etcd Version: (\S+)/)?.[1] ?? probe.stdout.split('\n')[0]?.trim() ?? 'unknown';
}

/** Starts a one-member etcd and resolves once GET /health answers that it is healthy. */
export async function startEtcd(timeoutMs = 30_000): Promise<RunningServer> {
  const dataDir = workFile('etcd');
  mkdirSync(dataDir, { recursive: true });
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawnProgram(
    'etcd',
    [
      '--name=bench',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=bench=${peer}`,
      '--log-level=warn',
    ],
    cleanEnv({}),
  );
  let output = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-20_000);
  });
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      const answer = await fetchOnce(client, '/health', {}, 1_000);
      if (answer.status === 200 && answer.body.toString('utf8').includes('"true"')) {
        return { child, pid: child.pid ?? -1, origin: client, output: () => output };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stopChild(child, 2_000);
  throw new Error(`etcd did not become healthy on ${client} within ${timeoutMs} ms: ${output.trim().slice(-1_000)}`);
}
