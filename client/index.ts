// The SDK, as `import { createMeshClient } from '@tana/mesh/client'` sees it.
export { createMeshClient, MeshClient, type DecisionResult, type MeshClientOptions, type PreparedDecision } from './client.js';
export { isMeshError, MeshClientError, type MeshClientErrorCode } from './errors.js';
export { generateKey, KeyFileError, loadKey, publicKeyHex, saveKey } from './keys.js';
export type { SigningKey } from './key-ring.js';
export { Signer } from './signer.js';
export {
  signedForceRotateKey,
  signedEnrollmentKeyCreate,
  signedEnrollmentKeyRevoke,
  signedHeartbeat,
  signedNodeDecision,
  signedRegister,
  signedRotateKey,
  signedSovereignAdd,
  signedSovereignRemove,
  type EnrollmentKeyOptions,
  type Registration,
  type SignOptions,
} from './signed-requests.js';
export type {
  EnrollmentKeyCreateAnswer,
  EnrollmentKeyCreated,
  EnrollmentKeyList,
  EnrollmentKeyPending,
  EnrollmentKeyRevoked,
  EnrollmentKeyView,
} from '../shared/enrollment.js';
export { isEnrollmentKeyCreated } from '../shared/enrollment.js';
export { discoverPeers, loadPeers, savePeers, type DiscoverOptions, type Peers, type PeerSnapshot } from './peer-cache.js';
export { startAgent, type Agent, type AgentOptions, type Schedule } from './agent.js';
export { watchMesh, type WatchOptions } from './watch.js';
export { PeerInformer, type PeerChange, type PeerFilter, type PeerSource, type PeersOptions } from './peers.js';
export type { NodeChange, NodeChanges } from '../shared/node-changes.js';
export type { EventType, KeyRotation, MeshEvent, SelfPreservationChange, WatchMessage } from '../shared/events.js';
export type { AppRouter } from '../server/routers/_app.js';
export { MESH_ERRORS, type MeshErrorCode } from '../shared/errors.js';
export type { NodeStatus } from '../shared/fields.js';
export type { IdentityCode, IdentityEvidence, IdentityResult } from '../shared/identity.js';
export type { ServiceInput } from '../shared/requests.js';
export type {
  HeartbeatResult,
  Info,
  NodeDetail,
  KeyRotationResult,
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
export type { DecisionKind, DecisionList, DecisionOutcome, SovereignDecision } from '../shared/decisions.js';
export type { Logger } from './log.js';
