/**
 * The machine's own limit for a signed heartbeat: Ed25519 verifications per second with
 * node:crypto on one thread, over heartbeat-sized messages and one cached KeyObject per key (as
 * mesh's SignatureVerifier keeps them). Runs in the orchestrator while nothing else is loaded.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { newEd25519Key } from '../../shared/sign.js';
import { heartbeatMessage } from '../../shared/messages.js';

export interface VerifyLimit {
  perSecond: number;
  verified: number;
  elapsedMs: number;
}

export function measureEd25519Verify(options: { keys?: number; durationMs?: number } = {}): VerifyLimit {
  const keyCount = options.keys ?? 256;
  const durationMs = options.durationMs ?? 2_000;
  const samples: { key: KeyObject; message: Buffer; signature: Buffer }[] = [];
  for (let index = 0; index < keyCount; index++) {
    const privateKey = newEd25519Key();
    const message = Buffer.from(
      heartbeatMessage('bench', {
        nodeId: `bench-${String(index).padStart(6, '0')}`,
        tailscaleIP: '100.64.0.1',
        timestamp: Date.now() + index,
      }),
    );
    samples.push({ key: createPublicKey(privateKey), message, signature: sign(null, message, privateKey) });
  }
  const round = () => {
    let valid = 0;
    for (const sample of samples) if (verify(null, sample.message, sample.key, sample.signature)) valid += 1;
    if (valid !== samples.length) throw new Error('a benchmark signature did not verify');
  };
  // Warm-up, then whole rounds until the time is up.
  const warmupEnd = performance.now() + 200;
  while (performance.now() < warmupEnd) round();
  const started = performance.now();
  let verified = 0;
  while (performance.now() - started < durationMs) {
    round();
    verified += samples.length;
  }
  const elapsedMs = performance.now() - started;
  return { perSecond: (verified * 1000) / elapsedMs, verified, elapsedMs };
}
