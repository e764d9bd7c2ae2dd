import type { SignedAction } from '../shared/actions.js';

/**
 * What a procedure declares about itself. Its own file, because AppRouter's published type names
 * it: the client's declarations reach this file, and nothing of the server beyond it.
 */
export interface Meta {
  /** The signed action of a procedure that changes mesh's state: it drives the signature middleware. */
  signed?: SignedAction;
}
