import { expect } from 'vitest';
import {
  signedForceRotateKey,
  signedNodeDecision,
  signedRegister,
  signedSovereignAdd,
  signedSovereignRemove,
} from '../../client/signed-requests.js';
import type { Signer } from '../../client/signer.js';
import type { NodeDecisionAction } from '../../shared/actions.js';
import type { DecisionList } from '../../shared/decisions.js';
import type { MeshEvent } from '../../shared/events.js';
import type { MeshConfig } from '../config.js';
import { newSigner, TestClock } from './harness.js';
import { startTestServer } from './servers.js';

export const QUORUM_NETWORK = 'tana';
/** MESH_QUORUM_WINDOW_MS of every quorumMesh. */
export const QUORUM_WINDOW_MS = 10 * 60_000;

/** What mesh answered over HTTP: the status and the JSON body. */
export interface QuorumAnswer {
  status: number;
  body: Record<string, unknown> & { decision?: Record<string, unknown> };
}

/**
 * A mesh over real HTTP with `sovereigns` sovereign keys and the given quorum, on a test clock,
 * with the sovereign requests the quorum tests send, signed as curl would send them.
 */
export async function quorumMesh(
  defer: (cleanup: () => unknown) => void,
  quorum: number,
  sovereigns: number,
  config: Partial<MeshConfig> = {},
) {
  const clock = new TestClock();
  const keys = Array.from({ length: sovereigns }, () => newSigner(clock));
  const running = await startTestServer(defer, {
    clock,
    config: { quorum, quorumWindowMs: QUORUM_WINDOW_MS, sovereignKeys: keys.map((key) => key.publicKey), ...config },
  });
  const network = { network: QUORUM_NETWORK };
  const send = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<QuorumAnswer> => {
    const response = await fetch(`${running.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as QuorumAnswer['body'] };
  };
  const register = async (nodeId: string, node = newSigner(clock)) => {
    const answer = await send(
      'POST',
      '/register',
      signedRegister(node, { nodeId, tailscaleHostname: `${nodeId}.ts.net` }, network),
    );
    expect(answer.status).toBe(200);
    return node;
  };
  const decide = (sovereign: Signer, action: NodeDecisionAction, nodeId: string, node: Signer) =>
    send(
      'POST',
      `/${action}/${nodeId}`,
      signedNodeDecision(sovereign, action, { nodeId, nodePublicKey: node.publicKey }, network),
    );
  const forceRotate = (sovereign: Signer, nodeId: string, oldKey: string, newKey: string) =>
    send(
      'POST',
      `/force-rotate-key/${nodeId}`,
      signedForceRotateKey(sovereign, { nodeId, nodePublicKey: oldKey, newPublicKey: newKey }, network),
    );
  const addSovereign = (sovereign: Signer, publicKey: string) =>
    send('POST', '/sovereign/add', signedSovereignAdd(sovereign, { publicKey, description: 'new' }, network));
  const removeSovereign = (sovereign: Signer, publicKey: string) =>
    send('POST', '/sovereign/remove', signedSovereignRemove(sovereign, publicKey, network));
  const decisions = async () => (await send('GET', '/decisions')).body as unknown as DecisionList;
  const events = async (types: string) =>
    ((await send('GET', `/events?types=${types}&limit=1000`)).body as unknown as { events: MeshEvent[] }).events;
  const node = async (nodeId: string) => (await send('GET', `/nodes/${nodeId}`)).body;
  const nodeStatus = async (nodeId: string) => {
    const answer = await send('GET', `/nodes/${nodeId}`);
    return answer.status === 404 ? 'gone' : answer.body.status;
  };
  const sovereignKeys = async () =>
    ((await send('GET', '/sovereign')).body as unknown as { sovereigns: Array<{ public_key: string }> }).sovereigns.map(
      (sovereign) => sovereign.public_key,
    );
  return {
    clock,
    keys,
    running,
    send,
    register,
    decide,
    forceRotate,
    addSovereign,
    removeSovereign,
    decisions,
    events,
    node,
    nodeStatus,
    sovereignKeys,
  };
}

export type QuorumMesh = Awaited<ReturnType<typeof quorumMesh>>;
