import type { NodeView } from '../../shared/responses.js';

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export function formatTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

export function shortKey(key: string): string {
  return key.length > 16 ? `${key.slice(0, 8)}…${key.slice(-8)}` : key;
}

export type Health = 'fresh' | 'late' | 'silent' | 'none';

/**
 * How a node's last heartbeat looks against mesh's timings: within one interval it is fresh; past
 * it, late; past the offline threshold, silent (the sweeper marks such a node offline).
 */
export function heartbeatHealth(node: NodeView, now: number, intervalMs: number, offlineAfterMs: number): Health {
  if (node.last_heartbeat === null) return 'none';
  const age = now - node.last_heartbeat;
  if (age <= intervalMs * 1.25) return 'fresh';
  if (age < offlineAfterMs) return 'late';
  return 'silent';
}

export const HEALTH_WORDS: Record<Health, string> = {
  fresh: 'heartbeat on time',
  late: 'heartbeat late',
  silent: 'no heartbeat within the offline threshold',
  none: 'no heartbeat yet',
};
