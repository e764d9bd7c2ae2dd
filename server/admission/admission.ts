import type { AdmissionRecord, AdmissionVerdict } from '../../shared/events.js';
import type { MeshErrorCode } from '../../shared/errors.js';
import type { IdentityEvidence } from '../../shared/identity.js';
import type { RegisterFields } from '../../shared/requests.js';
import type { Tx } from '../../db/database.js';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { spendEnrollmentKey } from '../services/enrollment-keys.js';
import type { AdmissionDecision, DecideAdmission } from '../services/nodes.js';
import { askAdmissionOracle } from './http-policy.js';
import type { AdmissionPolicyName } from '../settings/admission-policies.js';

/** A registration the admission policies refused: the record of what each said goes to the audit log. */
export class AdmissionRefusal extends MeshError {
  constructor(
    code: MeshErrorCode,
    message: string,
    readonly admission: AdmissionRecord,
  ) {
    super(code, message);
  }
}

/** Who a node approved by a policy alone (the http oracle, or identity) is recorded as approved by: no key signed it. */
export const admissionActor = (policy: string) => `admission:${policy}`;
export const HTTP_ADMISSION_ACTOR = admissionActor('http');

/** What the policies that run before the write transaction said; `asked` is false when none needed asking. */
export interface AdmissionBefore {
  asked: boolean;
  verdicts: AdmissionVerdict[];
}

interface Registration {
  mesh: Pick<MeshContext, 'config'>;
  request: RegisterFields;
  peerAddress: string | undefined;
  /** What tailscaled said of the registration's peer address (MESH_IDENTITY), asked once for both; null when not checked. */
  identity: IdentityEvidence | null;
}

/**
 * Each policy's check. `before` runs outside any transaction, for checks that wait on something
 * outside mesh (no write lock is held meanwhile); `within` runs in the registration's write
 * transaction, for checks on mesh's own state.
 */
interface AdmissionPolicy {
  /** A refusal may name its own error code (else ADMISSION_REFUSED). */
  before?: (registration: Registration) => Promise<AdmissionVerdict & { code?: MeshErrorCode }>;
  within?: (tx: Tx, request: RegisterFields, now: number) => Promise<AdmissionVerdict & { approval?: Approval }>;
}

interface Approval {
  approvedBy: string;
  enrollmentKey: NonNullable<AdmissionDecision['enrollmentKey']>;
}

const POLICIES: Record<AdmissionPolicyName, AdmissionPolicy> = {
  manual: {
    within: () => Promise.resolve({ policy: 'manual', verdict: 'allow', reason: 'a sovereign decides' }),
  },
  'enrollment-key': {
    within: async (tx, request, now) => {
      if (!request.enrollmentKey) return { policy: 'enrollment-key', verdict: 'abstain', reason: 'no enrollment key' };
      const key = await spendEnrollmentKey(tx, request.enrollmentKey, now);
      return {
        policy: 'enrollment-key',
        verdict: 'approve',
        reason: `enrollment key ${key.id} (use ${key.uses} of ${key.maxUses})`,
        approval: { approvedBy: key.createdBy, enrollmentKey: key },
      };
    },
  },
  identity: {
    before: ({ mesh, identity }) => Promise.resolve(identityVerdict(identity, mesh.config.admissionIdentityApprove)),
  },
  http: {
    before: async ({ mesh, request, peerAddress, identity }) => {
      const { verdict, failed } = await askAdmissionOracle(mesh.config.admissionUrl ?? '', mesh.config.admissionTimeoutMs, {
        network: mesh.config.network,
        nodeId: request.nodeId,
        publicKey: request.publicKey,
        tailscaleHostname: request.tailscaleHostname,
        tailscaleIP: request.tailscaleIP ?? null,
        services: request.services.map((service) => ({ ...service, publicKey: service.publicKey ?? null })),
        region: request.region ?? null,
        zone: request.zone ?? null,
        enrollmentKey: Boolean(request.enrollmentKey),
        peerAddress: peerAddress ?? null,
        identity,
        timestamp: request.timestamp,
      });
      return failed ? { ...verdict, code: 'ADMISSION_UNAVAILABLE' } : verdict;
    },
  },
};

/**
 * The identity policy's verdict on the evidence MESH_IDENTITY took: anything but a match refuses
 * (an error to ask tailscaled included: never admit on an error), with the code of the failed check;
 * a match lets the node wait for a sovereign, or approves it at once under
 * MESH_ADMISSION_IDENTITY_APPROVE (which start-up allows only with MESH_IDENTITY_TAGS set, so the
 * match includes one of those tags).
 */
function identityVerdict(evidence: IdentityEvidence | null, approve: boolean): AdmissionVerdict & { code?: MeshErrorCode } {
  if (!evidence) {
    // Start-up refuses MESH_ADMISSION=identity with MESH_IDENTITY=off; refuse rather than trust a gap.
    return {
      policy: 'identity',
      verdict: 'refuse',
      reason: 'no Tailscale identity evidence was taken',
      code: 'IDENTITY_UNAVAILABLE',
    };
  }
  if (evidence.result !== 'match') {
    const code = evidence.code ?? 'IDENTITY_UNAVAILABLE';
    const about = evidence.stableId ? ` (tailnet node ${evidence.stableId})` : '';
    return { policy: 'identity', verdict: 'refuse', reason: `${evidence.result} ${code}${about}: ${evidence.reason}`, code };
  }
  return approve
    ? { policy: 'identity', verdict: 'approve', reason: `${evidence.reason} (MESH_ADMISSION_IDENTITY_APPROVE)` }
    : { policy: 'identity', verdict: 'allow', reason: `${evidence.reason}; a sovereign decides` };
}

function refusal(code: MeshErrorCode, verdicts: AdmissionVerdict[]): AdmissionRefusal {
  const refused = verdicts.find((verdict) => verdict.verdict === 'refuse');
  const why = refused ? `${refused.policy}: ${refused.reason}` : 'no admission policy admits it';
  return new AdmissionRefusal(code, `registration refused by the admission policies (MESH_ADMISSION): ${why}`, {
    outcome: 'refused',
    verdicts,
  });
}

/**
 * Whether the registration must pass the policies: a new node, or one still pending. A node already
 * admitted (or denied, which registration refuses anyway) keeps its status when it registers again,
 * so its agent can restart with a spent key.
 */
function needsAdmission(mesh: Pick<MeshContext, 'registry'>, request: RegisterFields): boolean {
  const node = mesh.registry.getNode(request.nodeId);
  return !node || node.public_key !== request.publicKey || node.status === 'pending';
}

/**
 * Asks the policies that wait on something outside mesh (the http oracle), before the write
 * transaction. A refusal, or an oracle that cannot answer, refuses here (fail-closed).
 */
export async function admitBefore(
  mesh: Pick<MeshContext, 'config' | 'registry'>,
  request: RegisterFields,
  peerAddress: string | undefined,
  identity: IdentityEvidence | null,
): Promise<AdmissionBefore> {
  const checks = mesh.config.admission.flatMap((name) => POLICIES[name].before ?? []);
  if (checks.length === 0 || !needsAdmission(mesh, request)) return { asked: false, verdicts: [] };
  const verdicts: AdmissionVerdict[] = [];
  for (const check of checks) {
    const { code, ...verdict } = await check({ mesh, request, peerAddress, identity });
    verdicts.push(verdict);
    if (verdict.verdict === 'refuse') throw refusal(code ?? 'ADMISSION_REFUSED', verdicts);
  }
  return { asked: true, verdicts };
}

/**
 * The decision, made in the registration's transaction from the verdicts asked before and the
 * checks on mesh's state (an enrollment key is spent here, atomically with the registration). How
 * verdicts combine: any refusal refuses; else the node is approved at once if a policy approves;
 * else it waits for a sovereign if a policy allows it; else (every policy abstained, e.g.
 * MESH_ADMISSION=enrollment-key and no key) it is refused.
 */
export function decideWithin(
  mesh: Pick<MeshContext, 'config'>,
  request: RegisterFields,
  before: AdmissionBefore,
): DecideAdmission {
  return async (tx, now) => {
    const policies = mesh.config.admission;
    if (!before.asked && policies.some((name) => POLICIES[name].before)) {
      throw new MeshError(
        'NODE_CHANGED',
        `node ${request.nodeId} changed while the admission policies were asked: send the registration again`,
      );
    }
    if (request.enrollmentKey && !policies.includes('enrollment-key')) {
      throw refusal('ADMISSION_REFUSED', [
        {
          policy: 'enrollment-key',
          verdict: 'refuse',
          reason: 'this mesh does not take enrollment keys (MESH_ADMISSION does not name enrollment-key)',
        },
      ]);
    }
    const verdicts = [...before.verdicts];
    let approval: Approval | undefined;
    for (const name of policies) {
      const within = POLICIES[name].within;
      if (!within) continue;
      try {
        const { approval: granted, ...verdict } = await within(tx, request, now);
        verdicts.push(verdict);
        approval ??= granted;
      } catch (error) {
        if (!(error instanceof MeshError) || error instanceof AdmissionRefusal) throw error;
        throw new AdmissionRefusal(error.code, error.message, {
          outcome: 'refused',
          verdicts: [...verdicts, { policy: name, verdict: 'refuse', reason: error.message }],
        });
      }
    }
    verdicts.sort(
      (a, b) => policies.indexOf(a.policy as AdmissionPolicyName) - policies.indexOf(b.policy as AdmissionPolicyName),
    );
    if (verdicts.some((verdict) => verdict.verdict === 'refuse')) throw refusal('ADMISSION_REFUSED', verdicts);
    const approving = verdicts.find((verdict) => verdict.verdict === 'approve');
    if (approving) {
      const approvedBy = approval?.approvedBy ?? admissionActor(approving.policy);
      return {
        status: 'active',
        approvedBy,
        ...(approval ? { enrollmentKey: approval.enrollmentKey } : {}),
        record: { outcome: 'approved', verdicts },
      };
    }
    if (verdicts.some((verdict) => verdict.verdict === 'allow'))
      return { status: 'pending', record: { outcome: 'pending', verdicts } };
    throw refusal('ADMISSION_REFUSED', verdicts);
  };
}
