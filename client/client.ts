import type { TRPCClient } from '@trpc/client';
import { ZodError } from 'zod';
import type { AppRouter } from '../server/routers/_app.js';
import type { NodeDecisionAction } from '../shared/actions.js';
import type { NodeDecisionFields } from '../shared/requests.js';
import type {
  HeartbeatResult,
  Info,
  KeyRotationResult,
  NodeDetail,
  NodeResult,
  RemoveResult,
  SovereignResult,
} from '../shared/responses.js';
import { invalidInput, isMeshError } from './errors.js';
import { KeyRing, type SigningKey } from './key-ring.js';
import type { EnrollmentKeyCreateAnswer, EnrollmentKeyList, EnrollmentKeyRevoked } from '../shared/enrollment.js';
import {
  signedForceRotateKey,
  signedEnrollmentKeyCreate,
  signedEnrollmentKeyRevoke,
  signedHeartbeat,
  signedNodeDecision,
  signedSetRegion,
  signedRegister,
  signedRotateKey,
  signedSovereignAdd,
  signedSovereignRemove,
  type EnrollmentKeyOptions,
  type Registration,
} from './signed-requests.js';
import type { Signer } from './signer.js';
import { createMeshTrpc, type TransportOptions } from './transport.js';
import { watchMesh, type WatchOptions } from './watch.js';
import { PeerInformer, type PeersOptions } from './peers.js';
import type { WatchMessage } from '../shared/events.js';
import type { DecisionList } from '../shared/decisions.js';

export interface MeshClientOptions extends TransportOptions {
  /** This machine's clock; mesh's time corrects it for signing. Default Date.now (tests pass another). */
  now?: () => number;
}

export type DecisionResult<A extends NodeDecisionAction> = A extends 'remove' ? RemoveResult : NodeResult;

/** A sovereign's decision about one node, ready to sign: look at `node` before you `send()`. */
export interface PreparedDecision<A extends NodeDecisionAction> {
  action: A;
  network: string;
  /**
   * The node as mesh holds it now, with its Tailscale identity evidence. The signature names its id
   * and `node.public_key`, so it cannot apply to another registration.
   */
  node: NodeDetail;
  /** A signed request body with a fresh timestamp, as `POST /<action>/<nodeId>` takes it. */
  sign(): NodeDecisionFields;
  /** Signs with a fresh timestamp and sends. */
  send(): Promise<DecisionResult<A>>;
}

/**
 * A client of mesh: `trpc` is the typed tRPC client over every procedure, and the methods sign
 * requests with shared/'s message builders. Every failure is a MeshClientError.
 */
export class MeshClient {
  readonly trpc: TRPCClient<AppRouter>;
  readonly #now: () => number;
  readonly #keys: KeyRing;
  readonly #urls: readonly string[];
  #network: Promise<string> | undefined;
  /** mesh's clock minus this machine's, as last measured: added to every timestamp this client signs. */
  #clockOffsetMs = 0;

  constructor(options: MeshClientOptions) {
    this.trpc = createMeshTrpc(options);
    this.#urls = typeof options.url === 'string' ? [options.url] : options.url;
    this.#now = options.now ?? Date.now;
    this.#keys = new KeyRing(() => this.#now() + this.#clockOffsetMs);
  }

  /** How far mesh's clock is ahead of this machine's (negative: behind), as of the last `info()`. */
  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  /**
   * Mesh's events, live, as an async iterator that reconnects and resumes by itself (see watchMesh).
   * List first and pass the list's `revision` as `sinceRevision` to miss nothing and see nothing twice.
   */
  watch(options: WatchOptions = {}): AsyncGenerator<WatchMessage> {
    return watchMesh(this.#urls, options);
  }

  /**
   * A local, always-current map of the peers `options` selects (default: active ones), from one paged
   * list and then the event stream; see PeerInformer. Close it when done.
   */
  peers(options: PeersOptions = {}): PeerInformer {
    return new PeerInformer(this, this.#urls, options);
  }

  /** mesh's info; its serverTime also corrects this client's clock for signing (halfway through the round trip). */
  async info(): Promise<Info> {
    const sent = this.#now();
    const info = await this.trpc.info.query();
    this.#clockOffsetMs = Math.round(info.serverTime - (sent + this.#now()) / 2);
    return info;
  }

  /** The network id every signature is bound to, asked of mesh once. */
  network(): Promise<string> {
    if (!this.#network) {
      const network = this.info().then((info) => info.network);
      this.#network = network;
      network.catch(() => {
        if (this.#network === network) this.#network = undefined;
      });
    }
    return this.#network;
  }

  register(nodeKey: SigningKey, registration: Registration): Promise<NodeResult> {
    return this.#signed(nodeKey, (signer, network) =>
      this.trpc.node.register.mutate(signedRegister(signer, registration, { network })),
    );
  }

  heartbeat(nodeKey: SigningKey, nodeId: string, tailscaleIP?: string | null): Promise<HeartbeatResult> {
    return this.#signed(nodeKey, (signer, network) =>
      this.trpc.health.heartbeat.mutate(signedHeartbeat(signer, { nodeId, tailscaleIP }, { network })),
    );
  }

  /** Fetches the node, so the decision is bound to the key it registered with; nothing is signed yet. */
  async prepareDecision<A extends NodeDecisionAction>(
    sovereignKey: SigningKey,
    action: A,
    nodeId: string,
  ): Promise<PreparedDecision<A>> {
    const [network, node] = await Promise.all([this.network(), this.trpc.node.get.query({ nodeId })]);
    const sign = (signer: Signer) =>
      validated(() => signedNodeDecision(signer, action, { nodeId: node.id, nodePublicKey: node.public_key }, { network }));
    const send = (request: NodeDecisionFields): Promise<NodeResult | RemoveResult> => {
      switch (action) {
        case 'approve':
          return this.trpc.sovereign.approve.mutate(request);
        case 'deny':
          return this.trpc.sovereign.deny.mutate(request);
        default:
          return this.trpc.sovereign.removeNode.mutate(request);
      }
    };
    return {
      action,
      network,
      node,
      sign: () => sign(this.#keys.signer(sovereignKey)),
      send: () =>
        this.#keys.run(sovereignKey, (signer) =>
          this.#onMeshTime(signer, () => send(sign(signer)) as Promise<DecisionResult<A>>),
        ),
    };
  }

  async approve(sovereignKey: SigningKey, nodeId: string): Promise<NodeResult> {
    return (await this.prepareDecision(sovereignKey, 'approve', nodeId)).send();
  }

  async deny(sovereignKey: SigningKey, nodeId: string): Promise<NodeResult> {
    return (await this.prepareDecision(sovereignKey, 'deny', nodeId)).send();
  }

  async remove(sovereignKey: SigningKey, nodeId: string): Promise<RemoveResult> {
    return (await this.prepareDecision(sovereignKey, 'remove', nodeId)).send();
  }

  /**
   * The sovereign decisions waiting for more signatures under MESH_QUORUM, with their signers (empty
   * with MESH_QUORUM=1). A decision method's answer carries `decision` while it waits.
   */
  decisions(): Promise<DecisionList> {
    return this.trpc.sovereign.decisions.query();
  }

  /** Sets or corrects a node's region and zone (an absent one is cleared), signed by a sovereign key. */
  async setRegion(
    sovereignKey: SigningKey,
    nodeId: string,
    location: { region?: string | null; zone?: string | null },
  ): Promise<NodeResult> {
    const node = await this.trpc.node.get.query({ nodeId });
    return this.#signed(sovereignKey, (signer, network) =>
      this.trpc.sovereign.setRegion.mutate(
        signedSetRegion(signer, { nodeId, nodePublicKey: node.public_key, ...location }, { network }),
      ),
    );
  }

  /**
   * Moves a node from `nodeKey` (the key mesh knows) to `newKey`, which signs the request too as
   * proof of holding it. Status, approval, services and history stay; from then on mesh refuses
   * `nodeKey`, and this client signs the node's requests with `newKey` in order after the rotation.
   */
  async rotateKey(nodeKey: SigningKey, newKey: SigningKey, nodeId: string): Promise<KeyRotationResult> {
    const network = await this.network();
    const send = (oldSigner: Signer, newSigner: Signer) => {
      const newBefore = newSigner.lastTimestamp;
      return this.#onMeshTime(oldSigner, () => {
        // A retry after a timestamp refused as off mesh's clock takes back the new key's timestamp too.
        newSigner.rewindTo(newBefore);
        return validated(() => this.trpc.node.rotateKey.mutate(signedRotateKey(oldSigner, newSigner, nodeId, { network })));
      });
    };
    // One key given twice takes its turn once (waiting for its own turn would never end); mesh refuses the request.
    if (this.#keys.signer(nodeKey) === this.#keys.signer(newKey))
      return this.#keys.run(nodeKey, (signer) => send(signer, signer));
    return this.#keys.run(nodeKey, (oldSigner) => this.#keys.run(newKey, (newSigner) => send(oldSigner, newSigner)));
  }

  /**
   * A sovereign replaces the key of a node whose key is lost; the node goes back to pending under
   * `newPublicKey` until a sovereign approves it again. The signature names the node's current key:
   * `nodePublicKey` if given (the key a caller showed before signing), else the one mesh holds now.
   */
  async forceRotateKey(
    sovereignKey: SigningKey,
    nodeId: string,
    newPublicKey: string,
    nodePublicKey?: string,
  ): Promise<KeyRotationResult> {
    const current = nodePublicKey ?? (await this.trpc.node.get.query({ nodeId })).public_key;
    return this.#signed(sovereignKey, (signer, network) =>
      this.trpc.sovereign.forceRotateKey.mutate(
        signedForceRotateKey(signer, { nodeId, nodePublicKey: current, newPublicKey }, { network }),
      ),
    );
  }

  addSovereign(sovereignKey: SigningKey, publicKey: string, description?: string): Promise<SovereignResult> {
    return this.#signed(sovereignKey, (signer, network) =>
      this.trpc.sovereign.add.mutate(signedSovereignAdd(signer, { publicKey, description }, { network })),
    );
  }

  removeSovereign(sovereignKey: SigningKey, publicKey: string): Promise<SovereignResult> {
    return this.#signed(sovereignKey, (signer, network) =>
      this.trpc.sovereign.removeKey.mutate(signedSovereignRemove(signer, publicKey, { network })),
    );
  }

  /**
   * Creates an enrollment key, signed by a sovereign key: the answer's `secret` is shown this once.
   * Under MESH_QUORUM > 1 the answer has no key until enough sovereigns signed the same parameters
   * (`decision` holds the tally; isEnrollmentKeyCreated tells which).
   */
  createEnrollmentKey(sovereignKey: SigningKey, key: EnrollmentKeyOptions): Promise<EnrollmentKeyCreateAnswer> {
    return this.#signed(sovereignKey, (signer, network) =>
      this.trpc.enrollment.create.mutate(signedEnrollmentKeyCreate(signer, key, { network })),
    );
  }

  /** The enrollment keys: metadata only. */
  listEnrollmentKeys(): Promise<EnrollmentKeyList> {
    return this.trpc.enrollment.list.query();
  }

  revokeEnrollmentKey(sovereignKey: SigningKey, keyId: string): Promise<EnrollmentKeyRevoked> {
    return this.#signed(sovereignKey, (signer, network) =>
      this.trpc.enrollment.revoke.mutate(signedEnrollmentKeyRevoke(signer, keyId, { network })),
    );
  }

  /** Signs and sends in the key's turn (see KeyRing); a request mesh's schemas refuse is never sent. */
  async #signed<T>(key: SigningKey, send: (signer: Signer, network: string) => Promise<T>): Promise<T> {
    const network = await this.network();
    return this.#keys.run(key, (signer) => this.#onMeshTime(signer, () => validated(() => send(signer, network))));
  }

  /**
   * Sends a signed request; when mesh refuses its timestamp as too far from its clock (this machine's
   * clock drifted since the last measure), measures the offset again and signs and sends once more.
   * A refused request changed nothing, so sending it again is safe.
   */
  async #onMeshTime<T>(signer: Signer, send: () => Promise<T>): Promise<T> {
    const before = signer.lastTimestamp;
    try {
      return await send();
    } catch (error) {
      if (!isMeshError(error, 'STALE_TIMESTAMP')) throw error;
      await this.info();
      signer.rewindTo(before);
      return send();
    }
  }
}

/** Runs `build`, turning a schema's refusal into mesh's INVALID_INPUT. */
function validated<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    throw error instanceof ZodError ? invalidInput(error) : error;
  }
}

export function createMeshClient(options: MeshClientOptions): MeshClient {
  return new MeshClient(options);
}
