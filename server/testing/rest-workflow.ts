import { newEd25519Key } from '../../shared/sign.js';
import {
  signedHeartbeat,
  signedNodeDecision,
  signedRegister,
  signedSovereignAdd,
  signedSovereignRemove,
} from '../../client/signed-requests.js';
import { Signer } from '../../client/signer.js';

/** One request of the workflow and what mesh answered. */
export interface Answer {
  method: string;
  /** The path asked, query included. */
  path: string;
  status: number;
  headers: Headers;
  contentType: string;
  /** The parsed JSON body, the text of anything else, null when empty. */
  body: unknown;
}

/** Everything secret the workflow used: none of it may ever reach a log. */
export interface WorkflowSecrets {
  privateKeysPem: string[];
  privateKeysHex: string[];
  signatures: string[];
}

const network = 'tana';

function secretSigner(secrets: WorkflowSecrets, now?: () => number): Signer {
  const privateKey = newEd25519Key();
  secrets.privateKeysPem.push(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const d = privateKey.export({ format: 'jwk' }).d ?? '';
  secrets.privateKeysHex.push(Buffer.from(d, 'base64url').toString('hex'));
  return new Signer(privateKey, now);
}

/**
 * Drives the README's whole REST workflow against a mesh at `baseUrl` whose one sovereign is
 * `sovereign`, then the error cases, as curl would: register, approve, discover (with a 304),
 * heartbeat, add and remove a sovereign key, read the events log and stream, deny, remove; and bad
 * JSON, invalid fields, missing, bad, stale, future and replayed signatures, unknown nodes and
 * paths, a wrong method, a body too large, the last sovereign key. Returns every answer.
 */
export async function driveRestWorkflow(
  baseUrl: string,
  sovereign: Signer,
  secrets: WorkflowSecrets,
): Promise<{ answers: Answer[]; nodeKey: string }> {
  const answers: Answer[] = [];
  const call = async (
    method: string,
    path: string,
    options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ) => {
    const hasBody = options.body !== undefined || options.raw !== undefined;
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const contentType = response.headers.get('content-type') ?? '';
    let body: unknown;
    if (contentType.startsWith('text/event-stream')) {
      // A live stream never ends: its first bytes are enough, then the client leaves.
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const first = await reader.read();
      body = new TextDecoder().decode(first.value);
      await reader.cancel();
    } else {
      const text = await response.text();
      body = text === '' ? null : contentType.includes('json') ? JSON.parse(text) : text;
    }
    const answer: Answer = { method, path, status: response.status, headers: response.headers, contentType, body };
    answers.push(answer);
    return answer;
  };
  const sign = <T extends { signature?: string | undefined }>(request: T): T => {
    if (request.signature) secrets.signatures.push(request.signature);
    return request;
  };
  // The node id of a decision travels in the path; undefined fields are left out of the JSON.
  const withoutNodeId = <T extends { nodeId: string }>(request: T) => ({ ...request, nodeId: undefined });
  const options = { network };

  await call('GET', '/health');
  await call('GET', '/livez');
  await call('GET', '/readyz');
  const node = secretSigner(secrets);
  const registration = sign(
    signedRegister(
      node,
      { nodeId: 'validator-1', tailscaleHostname: 'validator-1.ts.net', services: [{ type: 'ledger', port: 8080 }] },
      options,
    ),
  );
  await call('POST', '/register', { body: registration });
  await call('GET', '/nodes?status=pending');
  const approval = sign(
    signedNodeDecision(sovereign, 'approve', { nodeId: 'validator-1', nodePublicKey: node.publicKey }, options),
  );
  await call('POST', '/approve/validator-1', { body: withoutNodeId(approval) });
  const list = await call('GET', '/nodes');
  await call('GET', '/nodes', { headers: { 'if-none-match': list.headers.get('etag') ?? '' } });
  await call('GET', '/nodes/validator-1');
  await call('GET', '/topology');
  await call('GET', '/nodes?service=ledger');
  await call('POST', '/heartbeat', {
    body: sign(signedHeartbeat(node, { nodeId: 'validator-1', tailscaleIP: '100.64.0.9' }, options)),
  });

  const second = secretSigner(secrets);
  await call('POST', '/sovereign/add', {
    body: sign(signedSovereignAdd(sovereign, { publicKey: second.publicKey, description: 'ops' }, options)),
  });
  await call('GET', '/sovereign');
  await call('POST', '/sovereign/remove', { body: sign(signedSovereignRemove(second, second.publicKey, options)) });
  await call('GET', '/events?since=0&limit=100', { headers: { accept: 'application/json' } });
  await call('GET', '/events?since=0&types=node.approved,node.registered');

  const denied = secretSigner(secrets);
  await call('POST', '/register', {
    body: sign(signedRegister(denied, { nodeId: 'validator-2', tailscaleHostname: 'v2.ts.net' }, options)),
  });
  const denial = sign(signedNodeDecision(sovereign, 'deny', { nodeId: 'validator-2', nodePublicKey: denied.publicKey }, options));
  await call('POST', '/deny/validator-2', { body: withoutNodeId(denial) });
  await call('POST', '/heartbeat', { body: sign(signedHeartbeat(denied, { nodeId: 'validator-2' }, options)) });

  // Errors, each with its documented status and code.
  await call('POST', '/register', { raw: '{"nodeId": ' });
  await call('POST', '/register', { body: { nodeId: 'bad id!', publicKey: 'xyz', tailscaleHostname: 'h', timestamp: 1 } });
  const unsigned = signedRegister(secretSigner(secrets), { nodeId: 'v3', tailscaleHostname: 'v3.ts.net' }, options);
  await call('POST', '/register', { body: { ...unsigned, signature: undefined } });
  const impostor = secretSigner(secrets);
  const forged = sign(signedRegister(secretSigner(secrets), { nodeId: 'v4', tailscaleHostname: 'v4.ts.net' }, options));
  await call('POST', '/register', { body: { ...forged, publicKey: impostor.publicKey } });
  const late = secretSigner(secrets, () => Date.now() - 3_600_000);
  await call('POST', '/register', {
    body: sign(signedRegister(late, { nodeId: 'v5', tailscaleHostname: 'v5.ts.net' }, options)),
  });
  const early = secretSigner(secrets, () => Date.now() + 3_600_000);
  await call('POST', '/register', {
    body: sign(signedRegister(early, { nodeId: 'v6', tailscaleHostname: 'v6.ts.net' }, options)),
  });
  await call('POST', '/register', { body: registration });
  await call('POST', '/register', {
    body: sign(signedRegister(impostor, { nodeId: 'validator-1', tailscaleHostname: 'x.ts.net' }, options)),
  });
  const outsider = secretSigner(secrets);
  const outsiderApproval = sign(
    signedNodeDecision(outsider, 'approve', { nodeId: 'validator-2', nodePublicKey: denied.publicKey }, options),
  );
  await call('POST', '/approve/validator-2', { body: withoutNodeId(outsiderApproval) });
  const ghost = sign(signedNodeDecision(sovereign, 'approve', { nodeId: 'ghost', nodePublicKey: denied.publicKey }, options));
  await call('POST', '/approve/ghost', { body: withoutNodeId(ghost) });
  await call('POST', '/sovereign/remove', { body: sign(signedSovereignRemove(sovereign, sovereign.publicKey, options)) });
  await call('GET', '/nodes/ghost');
  await call('GET', '/nodes?status=bogus');
  await call('GET', '/events?since=-1', { headers: { accept: 'application/json' } });
  await call('DELETE', '/nodes');
  await call('GET', '/register');
  await call('GET', '/no/such/path');
  await call('POST', '/heartbeat', { raw: JSON.stringify({ nodeId: 'validator-1', padding: 'x'.repeat(70_000) }) });

  const removal = sign(
    signedNodeDecision(sovereign, 'remove', { nodeId: 'validator-1', nodePublicKey: node.publicKey }, options),
  );
  await call('POST', '/remove/validator-1', { body: withoutNodeId(removal) });
  await call('GET', '/openapi.json');
  return { answers, nodeKey: node.publicKey };
}

export function newSecrets(): WorkflowSecrets {
  return { privateKeysPem: [], privateKeysHex: [], signatures: [] };
}

/** A signer whose private key is recorded among the secrets. */
export { secretSigner };
