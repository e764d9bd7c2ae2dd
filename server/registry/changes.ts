import type { SignedAction } from '../../shared/messages.js';
import type { SignedFields } from '../../shared/requests.js';
import type { Tx } from '../../db/database.js';
import { readSovereignView } from '../services/sovereigns.js';
import { readNodeView } from './node-views.js';
import type { Registry } from './registry.js';

/** A change read inside a transaction, to be handed to the registry once that transaction has committed. */
export type RegistryChange = (registry: Registry) => void;

/**
 * Reads back what a signed action changed: the node it concerns, or the sovereign key. Reading the
 * committed rows, rather than predicting them, keeps the snapshot exactly what the database holds.
 */
export async function readChange(tx: Tx, action: SignedAction, fields: SignedFields<SignedAction>): Promise<RegistryChange> {
  if (action === 'sovereign-add' || action === 'sovereign-remove') {
    const { publicKey } = fields as SignedFields<'sovereign-add'>;
    const view = await readSovereignView(tx, publicKey);
    return (registry) => registry.putSovereign(publicKey, view);
  }
  const { nodeId } = fields as SignedFields<'register'>;
  const view = await readNodeView(tx, nodeId);
  return (registry) => registry.putNode(nodeId, view);
}
