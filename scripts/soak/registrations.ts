/**
 * Registrations with fresh keys, signed as the SDK signs them, and the sovereign approving each
 * one it got: a network that keeps growing while it runs.
 */
import { signedNodeDecision, signedRegister } from '../../client/signed-requests.js';
import { Signer } from '../../client/signer.js';
import type { RegisterFields } from '../../shared/requests.js';
import { privateKeyFromSeed } from '../../shared/sign.js';
import { makeNodeKeys } from '../bench/seed.js';
import type { Pool } from 'undici';
import { loopbackPool, post, sleep, Tally } from './http.js';
import type { LegitJob, LegitResult } from './jobs.js';

/** A node that has never been seen: a new key, id `<prefix>-<index>`, signed now. */
export function freshRegistration(prefix: string, index: number, network: string): RegisterFields {
  const key = makeNodeKeys(prefix, 1, index)[0]!;
  const signer = new Signer(privateKeyFromSeed(key.seed));
  return signedRegister(
    signer,
    {
      nodeId: key.nodeId,
      tailscaleHostname: `${key.nodeId}.tail0soak.ts.net`,
      tailscaleIP: key.ip,
      services: [{ type: 'validator', port: 9000, publicKey: key.publicKey }],
    },
    { network },
  );
}

/**
 * The loopback address new validator `index` registers from: each its own, as on a tailnet, so
 * mesh's per-address limit on unauthenticated writes meets them as it would real validators
 * (the abusers share 127.0.0.2 and meet it as one client).
 */
export function registrantAddress(index: number): string {
  return `127.1.${Math.floor(index / 250) % 250}.${(index % 250) + 1}`;
}

/** Sends one request and tallies its answer; true when it was a 2xx. */
async function tallied(tally: Tally, pool: Pool, path: string, body: unknown, giveUp: AbortSignal): Promise<boolean> {
  try {
    const answer = await post(pool, path, body, giveUp);
    tally.status(answer.status);
    return answer.status >= 200 && answer.status < 300;
  } catch (error) {
    tally.failure(error, giveUp.aborted);
    return false;
  }
}

export async function registerAndApprove(
  job: LegitJob,
  sovereignSeed: string,
  giveUp: AbortSignal,
): Promise<Pick<LegitResult, 'registrations' | 'approvals'>> {
  const sovereign = new Signer(privateKeyFromSeed(sovereignSeed));
  const pool = loopbackPool(job.origin, job.localAddress, 4);
  const registrations = new Tally();
  const approvals = new Tally();
  const pending = new Set<Promise<void>>();
  // mesh takes a key's timestamps only in increasing order: the sovereign signs and sends one approval at a time.
  let approving = Promise.resolve();
  const gapMs = 1000 / job.registrationsPerSecond;
  const startedAt = performance.now();
  for (let index = 0; performance.now() - startedAt < job.durationMs; index++) {
    const registration = freshRegistration('soak-new', index, job.network);
    const flow = (async () => {
      const own = loopbackPool(job.origin, registrantAddress(index), 1);
      const registered = await tallied(registrations, own, '/register', registration, giveUp);
      void own.close();
      if (!registered) return;
      approving = approving.then(async () => {
        // One at a time, a slow mesh could keep the queue going long after the soak: what is left then is counted, not sent.
        if (performance.now() - startedAt > job.durationMs) {
          approvals.failure({ code: 'not sent: soak over' });
          return;
        }
        const decision = signedNodeDecision(
          sovereign,
          'approve',
          { nodeId: registration.nodeId, nodePublicKey: registration.publicKey },
          { network: job.network },
        );
        await tallied(approvals, pool, `/approve/${registration.nodeId}`, decision, giveUp);
      });
      await approving;
    })();
    pending.add(flow);
    void flow.finally(() => pending.delete(flow));
    await sleep(Math.max(0, startedAt + (index + 1) * gapMs - performance.now()));
  }
  await Promise.all(pending);
  await pool.destroy();
  return { registrations: registrations.counts(), approvals: approvals.counts() };
}
