/**
 * `npm run drill`: the failover drill (scripts/drill/failover.ts) at 1,000 and at 100,000 nodes.
 * Each run: heartbeat and registration load on a primary mesh replicated by `litestream replicate`,
 * SIGKILL of both, the primary's directory deleted, `litestream restore` + `mesh restore`, mesh
 * started on the standby. It prints the recovery point and recovery time of each run as a table
 * (BENCHMARKS.md, "Failover drill"), and exits 1 if a replayed request was accepted.
 *
 *   npm run drill                 both sizes
 *   npm run drill -- 1000         one size
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFailoverDrill, type DrillResult } from './failover.js';

/** Litestream's sync interval here and in deploy/litestream.yml. */
const SYNC_INTERVAL_MS = 500;
const LOAD_MS = 10_000;

interface Row {
  nodes: number;
  result: DrillResult;
}

function describe({ nodes, result }: Row): string {
  const lost = result.lost;
  const heartbeats = lost.filter((ack) => ack.kind === 'heartbeat').length;
  const span = lost.length === 0 ? 0 : Math.max(...lost.map((ack) => ack.ackAt)) - Math.min(...lost.map((ack) => ack.ackAt));
  const refused = result.replays.filter((replay) => replay.status === 401 && replay.code === 'REPLAYED_TIMESTAMP').length;
  return (
    `| ${nodes.toLocaleString('en')} | ${result.acknowledged} | ${lost.length} (${heartbeats} heartbeats, ${lost.length - heartbeats} registrations) ` +
    `| ${span} ms; first lost write acknowledged ${result.recoveryPointMs} ms before the kill ` +
    `| ${(result.restoreMs.litestream / 1000).toFixed(1)} s + ${(result.restoreMs.meshRestore / 1000).toFixed(1)} s ` +
    `| ${(result.recoveryTimeMs / 1000).toFixed(1)} s | ${(result.firstWriteMs / 1000).toFixed(1)} s | ${refused} of ${result.replays.length} |`
  );
}

async function drill(nodes: number): Promise<Row> {
  const workDir = mkdtempSync(join(tmpdir(), 'mesh-drill-'));
  const log = (line: string) => process.stdout.write(`[${nodes} nodes] ${line}\n`);
  try {
    const result = await runFailoverDrill({
      workDir,
      nodes,
      heartbeatingNodes: Math.min(nodes, 500),
      loadMs: LOAD_MS,
      concurrency: 16,
      syncIntervalMs: SYNC_INTERVAL_MS,
      maxFutureSkewMs: 2_000,
      offlineAfterMs: 300_000,
      log,
    });
    await result.close();
    log(
      `recovery point: ${result.lost.length} of ${result.acknowledged} acknowledged writes lost (${result.recoveryPointMs} ms); ` +
        `recovery time ${result.recoveryTimeMs} ms (litestream restore ${Math.round(result.restoreMs.litestream)} ms, ` +
        `mesh restore ${Math.round(result.restoreMs.meshRestore)} ms); first accepted write ${result.firstWriteMs} ms after the kill`,
    );
    return { nodes, result };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

const sizes = process.argv.slice(2).map(Number);
const rows: Row[] = [];
for (const nodes of sizes.length > 0 ? sizes : [1_000, 100_000]) rows.push(await drill(nodes));
process.stdout.write(
  [
    '',
    `Litestream ${SYNC_INTERVAL_MS} ms sync to a directory, ${LOAD_MS / 1000} s of load, 16 connections, MESH_MAX_FUTURE_SKEW_MS=2000:`,
    '',
    '| Nodes | Writes acknowledged | Lost | Span of the lost writes | Restore (litestream + mesh) | Recovery time (kill → first answer) | Kill → first accepted write | Replays refused |',
    '| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |',
    ...rows.map(describe),
    '',
  ].join('\n'),
);
const accepted = rows.flatMap((row) => row.result.replays.filter((replay) => replay.status !== 401));
if (accepted.length > 0) {
  process.stderr.write(`${accepted.length} replayed requests were not refused: ${JSON.stringify(accepted.slice(0, 3))}\n`);
  process.exitCode = 1;
}
