import { TRPCClientError } from '@trpc/client';
import { isMeshErrorCode, type MeshErrorCode } from '../../shared/errors.js';

/** mesh's code for an error, when mesh answered with one. */
export function meshCodeOf(error: unknown): MeshErrorCode | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data: unknown = error.data;
  const code = typeof data === 'object' && data !== null && 'meshCode' in data ? data.meshCode : undefined;
  return isMeshErrorCode(code) ? code : null;
}

const WORDS: Partial<Record<MeshErrorCode, string>> = {
  REPLAYED_TIMESTAMP:
    'Refused as a replay: mesh has already accepted a request signed by this key with this timestamp or a later one. If the key is also used elsewhere (the CLI, another tab), wait a moment and try again.',
  STALE_TIMESTAMP:
    "Refused: the signed time is too far from mesh's clock. Check this computer's clock, then draft the decision again.",
  NOT_SOVEREIGN: 'Refused: this key is not a sovereign of this network, so mesh does not accept its decisions.',
  NODE_CHANGED:
    'Refused: the node changed since you loaded it (it registered again under another key). Review it again before deciding.',
  BAD_SIGNATURE:
    'Refused: the signature does not match. The node may have registered again under another key since this page loaded it; review it again.',
  NODE_NOT_FOUND: 'The node is no longer registered: someone removed it, or it never was.',
  LAST_SOVEREIGN: 'Refused: this is the last sovereign key; mesh keeps at least one.',
};

/** What went wrong, in words for the person at the page. */
export function describeFailure(error: unknown): string {
  const code = meshCodeOf(error);
  const words = code ? WORDS[code] : undefined;
  if (words) return words;
  if (error instanceof TRPCClientError && !code) return `mesh could not be reached: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
