import type { SovereignAddFields, SovereignRemoveFields } from '../../shared/requests.js';
import type { SovereignResult } from '../../shared/responses.js';
import type { Tx } from '../../db/database.js';
import { MeshError } from '../errors.js';
import type { WriteRecord } from '../events/write-record.js';
import { decideByQuorum } from './quorum-answers.js';
import { dropDecisionsAbout, dropSignaturesBy, type QuorumRule } from './quorum.js';
import { addSovereign, countSovereigns, readSovereignView, removeSovereign } from './sovereigns.js';

/** The signature of `kind` about a sovereign key: the key is both the target and what it is bound to. */
const sovereignSignature = (
  kind: 'sovereign-add' | 'sovereign-remove',
  request: { publicKey: string; approverPublicKey: string },
) => ({ kind, target: request.publicKey, targetKey: request.publicKey, signer: request.approverPublicKey });

/** A new sovereign key under MESH_QUORUM: added once the quorum has signed its addition. */
export async function addSovereignByQuorum(
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  request: SovereignAddFields,
  now: number,
): Promise<SovereignResult> {
  // Refused before anything is signed, as it always was: there is nothing to decide.
  if (await readSovereignView(tx, request.publicKey)) {
    throw new MeshError('SOVEREIGN_EXISTS', 'this key is already a sovereign key');
  }
  return decideByQuorum(tx, record, rule, sovereignSignature('sovereign-add', request), now, {
    subject: request.publicKey,
    unchanged: { publicKey: request.publicKey },
    apply: () => addSovereign(tx, record, request, now),
  });
}

/**
 * Never leaves fewer sovereign keys than MESH_QUORUM needs: such a mesh could decide nothing, add
 * no key, and would need the host's --recover to get out.
 */
async function requireQuorumAfterRemoval(tx: Tx, rule: QuorumRule): Promise<void> {
  if (rule.quorum <= 1) return;
  const left = (await countSovereigns(tx)) - 1;
  if (left >= rule.quorum) return;
  throw new MeshError(
    'QUORUM_FLOOR',
    `removing this key would leave ${left} sovereign key${left === 1 ? '' : 's'}, fewer than the ${rule.quorum} MESH_QUORUM needs: add another sovereign key first`,
  );
}

/** A sovereign key removed under MESH_QUORUM; its signatures on decisions still waiting no longer count. */
export async function removeSovereignByQuorum(
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  request: SovereignRemoveFields,
  now: number,
): Promise<SovereignResult> {
  if (!(await readSovereignView(tx, request.publicKey))) {
    throw new MeshError('SOVEREIGN_NOT_FOUND', 'this key is not a sovereign key');
  }
  // Checked before the signature is recorded, so that no removal that could never happen waits.
  await requireQuorumAfterRemoval(tx, rule);
  return decideByQuorum(tx, record, rule, sovereignSignature('sovereign-remove', request), now, {
    subject: request.publicKey,
    unchanged: { publicKey: request.publicKey },
    apply: async () => {
      const result = await removeSovereign(tx, record, request, now);
      await dropSignaturesBy(tx, record, rule, request.publicKey, now);
      await dropDecisionsAbout(tx, record, rule, { kinds: ['sovereign-add', 'sovereign-remove'], id: request.publicKey }, now);
      return result;
    },
  });
}
