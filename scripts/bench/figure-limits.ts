/** The machine's limits, measured in the same run: Ed25519 verifications on one thread, and a bare node:http server answering a small POST. */
import { signedHeartbeat } from '../../client/signed-requests.js';
import { Signer } from '../../client/signer.js';
import { privateKeyFromSeed } from '../../shared/sign.js';
import type { LoadResult } from './jobs.js';
import { measureEd25519Verify, type VerifyLimit } from './limits.js';
import { httpJob, load, type Measured } from './measure.js';
import { stopChild } from './processes.js';
import { formatRate } from './report.js';
import { benchIp, benchNodeId, makeNodeKeys } from './seed.js';
import { startBare } from './servers.js';
import { NETWORK, progress, QUICK } from './settings.js';

export interface LimitFigures {
  verify: VerifyLimit;
  barePost: Measured<LoadResult>;
}

export async function measureLimits(): Promise<LimitFigures> {
  progress('limits: Ed25519 verifications with node:crypto, one thread');
  const verify = measureEd25519Verify({ durationMs: QUICK ? 1_000 : 2_000 });
  progress(`limits: ${formatRate(verify.perSecond)}; bare node:http server, small JSON POST`);
  const sample = new Signer(privateKeyFromSeed(makeNodeKeys('sample', 1)[0]!.seed));
  const sampleBody = JSON.stringify(
    signedHeartbeat(sample, { nodeId: benchNodeId('bench', 1), tailscaleIP: benchIp(1) }, { network: NETWORK }),
  );
  const bare = await startBare();
  try {
    const barePost = await load<LoadResult>(
      bare,
      httpJob('bare POST', bare.origin, { method: 'POST', path: '/heartbeat', body: sampleBody }),
    );
    return { verify, barePost };
  } finally {
    await stopChild(bare.child);
  }
}
