import { SIGNER_OF } from '../../shared/actions.js';
import type { Tx } from '../../db/database.js';
import { acceptTimestamp } from '../services/signer-clock.js';
import { requireSovereign } from '../services/sovereigns.js';
import type { SignedCheck } from './check.js';

/**
 * The checks of a signed request that belong in its transaction, so they hold when it commits:
 * its timestamp is new for its signer, and a sovereign's action is signed by a sovereign.
 */
export async function admitSignedRequest(tx: Tx, check: SignedCheck): Promise<void> {
  await acceptTimestamp(tx, check.signerKey, check.timestamp);
  if (SIGNER_OF[check.action] === 'sovereign') await requireSovereign(tx, check.signerKey);
}
