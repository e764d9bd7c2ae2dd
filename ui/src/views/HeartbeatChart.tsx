import type { HeartbeatHistory } from '../../../shared/heartbeat-history.js';
import { formatDuration, formatTime } from '../format.js';

const WIDTH = 640;
const HEIGHT = 96;
const PAD = 6;

/**
 * The retained window as a strip: one tick per heartbeat, and above it the gap since the one
 * before, so a late or missing heartbeat stands out as a peak. Gaps are capped at the offline
 * threshold, past which the node was offline anyway.
 */
export function HeartbeatChart({
  history,
  now,
  intervalMs,
  offlineAfterMs,
}: {
  history: HeartbeatHistory;
  now: number;
  intervalMs: number;
  offlineAfterMs: number;
}) {
  const beats = history.heartbeats;
  const start = Math.max(now - history.retentionMs, beats[0]?.time ?? now);
  const span = Math.max(1, now - start);
  const x = (time: number) => PAD + ((time - start) / span) * (WIDTH - 2 * PAD);
  const top = Math.max(offlineAfterMs, intervalMs * 2);
  const y = (gap: number) => HEIGHT - 22 - (Math.min(gap, top) / top) * (HEIGHT - 34);
  const gaps = beats.slice(1).map((beat, i) => ({ time: beat.time, gap: beat.time - (beats[i]?.time ?? beat.time) }));
  const late = gaps.filter((g) => g.gap > intervalMs * 1.25).length;
  const path = gaps.map((g, i) => `${i === 0 ? 'M' : 'L'}${x(g.time).toFixed(1)},${y(g.gap).toFixed(1)}`).join(' ');
  const summary =
    beats.length === 0
      ? 'No heartbeat in the retained window.'
      : `${beats.length} heartbeats since ${formatTime(beats[0]!.time)}; ${late} arrived late (more than ${formatDuration(intervalMs * 1.25)} after the one before).`;

  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} preserveAspectRatio="none">
        <line class="chart-interval" x1={PAD} x2={WIDTH - PAD} y1={y(intervalMs)} y2={y(intervalMs)} />
        <line class="chart-offline" x1={PAD} x2={WIDTH - PAD} y1={y(offlineAfterMs)} y2={y(offlineAfterMs)} />
        {path && <path class="chart-gaps" d={path} />}
        {beats.map((beat) => (
          <line key={beat.time} class="chart-tick" x1={x(beat.time)} x2={x(beat.time)} y1={HEIGHT - 16} y2={HEIGHT - 4} />
        ))}
      </svg>
      <div class="chart-axis muted" aria-hidden="true">
        <span>{formatTime(start)}</span>
        <span>now</span>
      </div>
      <figcaption class="muted">
        {summary} Line: gap between heartbeats (dashed: interval, red: offline threshold); ticks: each heartbeat
        {history.truncated ? ' (the newest ones only)' : ''}.
      </figcaption>
    </figure>
  );
}
