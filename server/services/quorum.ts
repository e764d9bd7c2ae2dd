import { and, eq, inArray, isNull, lte, ne } from 'drizzle-orm';
import {
  NODE_DECISION_KINDS,
  type DecisionEvent,
  type DecisionKind,
  type DecisionList,
  type DecisionOutcome,
  type SovereignDecision,
} from '../../shared/decisions.js';
import type { Db, Tx } from '../../db/database.js';
import { decisionSignatures, nodes, sovereignKeys, type DecisionSignatureRow } from '../../db/schema.js';
import { appendEvent } from '../events/log.js';
import type { WriteRecord } from '../events/write-record.js';
import { readNodeView } from './node-views.js';

/** MESH_QUORUM and MESH_QUORUM_WINDOW_MS, as the decision gate reads them. */
export interface QuorumRule {
  quorum: number;
  windowMs: number;
}

export function quorumRule(config: { quorum: number; quorumWindowMs: number }): QuorumRule {
  return { quorum: config.quorum, windowMs: config.quorumWindowMs };
}

/** One sovereign's signature on a decision: what is decided, about what, bound to which key, by whom. */
export interface DecisionSignature {
  kind: DecisionKind;
  /** The node id, or the sovereign key added or removed. */
  target: string;
  /** The node's public key the signature names, or the sovereign key itself. */
  targetKey: string;
  /**
   * What the decision would set (a forced rotation's new key): signatures add up only when they
   * name the same value. Absent for kinds that set nothing.
   */
  value?: string;
  /** The sovereign who signed it (verified, and a sovereign, before the gate is asked). */
  signer: string;
}

type DecisionId = Pick<DecisionSignatureRow, 'kind' | 'target' | 'targetKey' | 'value'>;
type ExpiredBecause = NonNullable<DecisionEvent['expiredBecause']>;

const isNodeKind = (kind: string) => (NODE_DECISION_KINDS as readonly string[]).includes(kind);
const idOf = (row: DecisionId): string => JSON.stringify([row.kind, row.target, row.targetKey, row.value]);

/** The signatures, one group per decision they belong to (in the order each decision first appears). */
function groupByDecision(rows: readonly DecisionSignatureRow[]): DecisionSignatureRow[][] {
  const byDecision = new Map<string, DecisionSignatureRow[]>();
  for (const row of rows) {
    const group = byDecision.get(idOf(row));
    if (group) group.push(row);
    else byDecision.set(idOf(row), [row]);
  }
  return [...byDecision.values()];
}

function decisionView(
  id: DecisionId,
  rows: readonly DecisionSignatureRow[],
  rule: QuorumRule,
  effective: boolean,
): SovereignDecision {
  const signers = rows
    .map((row) => ({ publicKey: row.signer, signedAt: row.signedAt }))
    .sort((a, b) => a.signedAt - b.signedAt || a.publicKey.localeCompare(b.publicKey));
  const oldest = signers[0];
  return {
    kind: id.kind,
    target: id.target,
    targetKey: id.targetKey,
    value: id.value,
    signatures: signers.length,
    needed: rule.quorum,
    signers,
    effective,
    expiresAt: effective || !oldest ? null : oldest.signedAt + rule.windowMs,
  };
}

const decisionIs = (id: DecisionId) =>
  and(
    eq(decisionSignatures.kind, id.kind),
    eq(decisionSignatures.target, id.target),
    eq(decisionSignatures.targetKey, id.targetKey),
    id.value === null ? isNull(decisionSignatures.value) : eq(decisionSignatures.value, id.value),
  );

/** A decision event names the node it is about (with the node as it is), or the sovereign key. */
async function recordDecisionEvent(
  tx: Tx,
  record: WriteRecord,
  type: 'decision.signed' | 'decision.expired',
  actor: string,
  decision: DecisionEvent,
  now: number,
): Promise<void> {
  // An event naming a node carries the node as it is: discovery applies events by node, and a
  // node-less event about a node would read as its removal.
  const about = isNodeKind(decision.kind)
    ? { nodeId: decision.target, node: await readNodeView(tx, decision.target) }
    : { node: null };
  await appendEvent(tx, record, { type, actor, publicKey: decision.targetKey, ...about, decision }, now);
}

/**
 * Deletes signatures that no longer count, one decision.expired event per decision they belonged
 * to, saying what is left of it (by `system`: nobody signed the expiry).
 */
async function dropSignatures(
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  rows: readonly DecisionSignatureRow[],
  because: ExpiredBecause,
  now: number,
): Promise<void> {
  for (const dropped of groupByDecision(rows)) {
    const id = dropped[0] as DecisionSignatureRow;
    const signers = dropped.map((row) => row.signer);
    await tx.delete(decisionSignatures).where(and(decisionIs(id), inArray(decisionSignatures.signer, signers)));
    const left = await tx.select().from(decisionSignatures).where(decisionIs(id));
    const decision = { ...decisionView(id, left, rule, false), expiredBecause: because };
    await recordDecisionEvent(tx, record, 'decision.expired', 'system', decision, now);
  }
}

/**
 * Signatures that no longer count: those waiting longer than MESH_QUORUM_WINDOW_MS, and those of
 * keys that are no longer sovereign (removed on the host, by `bootstrap --recover`).
 */
export async function expireStaleSignatures(tx: Tx, record: WriteRecord, rule: QuorumRule, now: number): Promise<void> {
  if (rule.quorum <= 1) return;
  const stale = await tx
    .select()
    .from(decisionSignatures)
    .where(lte(decisionSignatures.signedAt, now - rule.windowMs));
  if (stale.length > 0) await dropSignatures(tx, record, rule, stale, 'window', now);
  const unsigned = await tx
    .select({ signature: decisionSignatures })
    .from(decisionSignatures)
    .leftJoin(sovereignKeys, eq(sovereignKeys.publicKey, decisionSignatures.signer))
    .where(isNull(sovereignKeys.publicKey));
  if (unsigned.length > 0) {
    await dropSignatures(
      tx,
      record,
      rule,
      unsigned.map((row) => row.signature),
      'signer-removed',
      now,
    );
  }
}

/**
 * The sweeper's share: what expired, and node decisions whose node is gone or holds another key
 * (expired undecided, or rotated), so nothing signed about a registration outlives it.
 */
export async function sweepDecisions(tx: Tx, record: WriteRecord, rule: QuorumRule, now: number): Promise<void> {
  if (rule.quorum <= 1) return;
  await expireStaleSignatures(tx, record, rule, now);
  const rows = await tx
    .select({ signature: decisionSignatures, nodeKey: nodes.publicKey })
    .from(decisionSignatures)
    .leftJoin(nodes, eq(nodes.id, decisionSignatures.target))
    .where(inArray(decisionSignatures.kind, [...NODE_DECISION_KINDS]));
  const gone = rows.filter((row) => row.nodeKey === null).map((row) => row.signature);
  const rekeyed = rows
    .filter((row) => row.nodeKey !== null && row.nodeKey !== row.signature.targetKey)
    .map((row) => row.signature);
  if (gone.length > 0) await dropSignatures(tx, record, rule, gone, 'target-gone', now);
  if (rekeyed.length > 0) await dropSignatures(tx, record, rule, rekeyed, 'key-changed', now);
}

/**
 * Ends the pending decisions about a node or sovereign key: all of them (`keepKey` absent: the
 * target is gone), or those bound to a key other than `keepKey` (a node's key changed, so what was
 * signed about the old key decides nothing about the new one). A key rotation calls this too.
 */
export async function dropDecisionsAbout(
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  target: { kinds: readonly DecisionKind[]; id: string; keepKey?: string },
  now: number,
): Promise<void> {
  if (rule.quorum <= 1) return;
  const rows = await tx
    .select()
    .from(decisionSignatures)
    .where(
      and(
        eq(decisionSignatures.target, target.id),
        inArray(decisionSignatures.kind, [...target.kinds]),
        target.keepKey === undefined ? undefined : ne(decisionSignatures.targetKey, target.keepKey),
      ),
    );
  if (rows.length > 0)
    await dropSignatures(tx, record, rule, rows, target.keepKey === undefined ? 'target-gone' : 'key-changed', now);
}

/** A sovereign key removed: its signatures on decisions still waiting no longer count. */
export async function dropSignaturesBy(
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  signer: string,
  now: number,
): Promise<void> {
  if (rule.quorum <= 1) return;
  const rows = await tx.select().from(decisionSignatures).where(eq(decisionSignatures.signer, signer));
  if (rows.length > 0) await dropSignatures(tx, record, rule, rows, 'signer-removed', now);
}

/**
 * A sovereign backs one value per decision: signing another value (another new key for the same
 * forced rotation) withdraws their signature on the first, which never adds up with the second.
 */
async function dropSupersededSignature(
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  row: DecisionSignatureRow,
  now: number,
): Promise<void> {
  const earlier = await tx
    .select()
    .from(decisionSignatures)
    .where(
      and(
        eq(decisionSignatures.kind, row.kind),
        eq(decisionSignatures.target, row.target),
        eq(decisionSignatures.targetKey, row.targetKey),
        eq(decisionSignatures.signer, row.signer),
      ),
    );
  const superseded = earlier.filter((signed) => signed.value !== row.value);
  if (superseded.length > 0) await dropSignatures(tx, record, rule, superseded, 'superseded', now);
}

/**
 * The gate every sovereign decision goes through, in the transaction of the request that signed it.
 * With MESH_QUORUM=1 it records nothing and the decision takes effect at once. Otherwise the
 * signature is recorded (a decision.signed event, with the tally) and the decision takes effect
 * when MESH_QUORUM distinct sovereigns have signed it within MESH_QUORUM_WINDOW_MS; its signatures
 * are then spent. A signer's second signature changes nothing (`duplicate`). The caller applies
 * the decision when `effective`, and answers that it is pending otherwise.
 */
export async function recordSovereignDecision(
  tx: Tx,
  record: WriteRecord,
  rule: QuorumRule,
  signature: DecisionSignature,
  now: number,
): Promise<DecisionOutcome> {
  const row: DecisionSignatureRow = { ...signature, value: signature.value ?? null, signedAt: now };
  if (rule.quorum <= 1) return { ...decisionView(row, [row], rule, true), duplicate: false };
  await expireStaleSignatures(tx, record, rule, now);
  if (isNodeKind(signature.kind)) {
    await dropDecisionsAbout(
      tx,
      record,
      rule,
      { kinds: NODE_DECISION_KINDS, id: signature.target, keepKey: signature.targetKey },
      now,
    );
  }
  await dropSupersededSignature(tx, record, rule, row, now);
  const signed = await tx.select().from(decisionSignatures).where(decisionIs(row));
  const duplicate = signed.some((existing) => existing.signer === signature.signer);
  const rows = duplicate ? signed : [...signed, row];
  const effective = !duplicate && rows.length >= rule.quorum;
  if (effective) await tx.delete(decisionSignatures).where(decisionIs(row));
  else if (!duplicate) await tx.insert(decisionSignatures).values(row);
  const outcome: DecisionOutcome = { ...decisionView(row, rows, rule, effective), duplicate };
  await recordDecisionEvent(tx, record, 'decision.signed', signature.signer, outcome, now);
  return outcome;
}

/**
 * The decisions waiting for signatures, oldest first: signatures within the window, and for node
 * decisions only those bound to the node's current key. A read: what no longer counts is left for
 * the next signature to clear.
 */
export async function listPendingDecisions(db: Db | Tx, rule: QuorumRule, now: number): Promise<DecisionList> {
  const rows = await db
    .select({ signature: decisionSignatures, nodeKey: nodes.publicKey, sovereign: sovereignKeys.publicKey })
    .from(decisionSignatures)
    .leftJoin(nodes, eq(nodes.id, decisionSignatures.target))
    .leftJoin(sovereignKeys, eq(sovereignKeys.publicKey, decisionSignatures.signer));
  const counting = rows
    .filter(({ signature, nodeKey, sovereign }) => {
      if (signature.signedAt <= now - rule.windowMs || sovereign === null) return false;
      return !isNodeKind(signature.kind) || nodeKey === signature.targetKey;
    })
    .map((row) => row.signature);
  const decisions = groupByDecision(counting)
    .map((signed) => decisionView(signed[0] as DecisionSignatureRow, signed, rule, false))
    .sort((a, b) => (a.expiresAt ?? 0) - (b.expiresAt ?? 0) || a.target.localeCompare(b.target) || a.kind.localeCompare(b.kind));
  return { quorum: rule.quorum, windowMs: rule.windowMs, decisions };
}
