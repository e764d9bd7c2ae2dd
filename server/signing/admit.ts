import { SIGNER_OF } from '../../shared/actions.js';
import type { Tx } from '../../db/database.js';
import { acceptTimestamp } from '../services/signer-clock.js';
import { requireSovereign } from '../services/sovereigns.js';
import type { SignedCheck } from './check.js';

/**
 * The checks of a signed request that belong in its transaction, so they hold when it commits:
 * its timestamp is new for its signer (and for a rotation's new key), and a sovereign's action is signed by a sovereign.
 */
export async function admitSignedRequest(tx: Tx, check: SignedCheck): Promise<void> {
  await acceptTimestamp(tx, check.signerKey, check.timestamp);
  // The new key of a rotation signed this timestamp as well: its own requests must come later.
  if (check.newKey !== undefined && check.newKey !== check.signerKey) await acceptTimestamp(tx, check.newKey, check.timestamp);
  if (SIGNER_OF[check.action] === 'sovereign') await requireSovereign(tx, check.signerKey);
}
