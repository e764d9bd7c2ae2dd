// The SDK, as `import { createMeshClient } from '@tana/mesh/client'` sees it.
export { createMeshClient, MeshClient, type DecisionResult, type MeshClientOptions, type PreparedDecision } from './client.js';
export { isMeshError, MeshClientError, type MeshClientErrorCode } from './errors.js';
export { generateKey, KeyFileError, loadKey, publicKeyHex, saveKey } from './keys.js';
export type { SigningKey } from './key-ring.js';
export { Signer } from './signer.js';
export {
  signedEnrollmentKeyCreate,
  signedEnrollmentKeyRevoke,
  signedHeartbeat,
  signedNodeDecision,
  signedRegister,
  signedSovereignAdd,
  signedSovereignRemove,
  type EnrollmentKeyOptions,
  type Registration,
  type SignOptions,
} from './signed-requests.js';
export type { EnrollmentKeyCreated, EnrollmentKeyList, EnrollmentKeyRevoked, EnrollmentKeyView } from '../shared/enrollment.js';
export { discoverPeers, loadPeers, savePeers, type DiscoverOptions, type Peers, type PeerSnapshot } from './peer-cache.js';
export { startAgent, type Agent, type AgentOptions, type Schedule } from './agent.js';
export { watchMesh, type WatchOptions } from './watch.js';
export type { EventType, MeshEvent, SelfPreservationChange, WatchMessage } from '../shared/events.js';
export type { AppRouter } from '../server/routers/_app.js';
export { MESH_ERRORS, type MeshErrorCode } from '../shared/errors.js';
export type { NodeStatus } from '../shared/fields.js';
export type { ServiceInput } from '../shared/requests.js';
export type {
  HeartbeatResult,
  Info,
  NodeList,
  NodeResult,
  NodeView,
  RemoveResult,
  SelfPreservation,
  ServiceHealth,
  ServiceView,
  SovereignResult,
  SovereignView,
  Topology,
} from '../shared/responses.js';
export type { Logger } from './log.js';
