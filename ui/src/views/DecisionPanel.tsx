import { useState } from 'preact/hooks';
import type { NodeDecisionAction } from '../../../shared/actions.js';
import type { NodeView } from '../../../shared/responses.js';
import { draftDecision, sendDecision, type DraftDecision } from '../decisions.js';
import { describeFailure } from '../errors.js';
import { keyStore } from '../key-store.js';
import { live } from '../live.js';
import { createStore, useStore } from '../store.js';

export interface Outcome {
  nodeId: string;
  ok: boolean;
  text: string;
  at: number;
}

/** What this page's decisions came to, newest first: a node approved leaves the inbox, its outcome stays. */
export const outcomes = createStore<readonly Outcome[]>([]);

function record(outcome: Outcome): void {
  outcomes.set((list) => [outcome, ...list.filter((o) => o.nodeId !== outcome.nodeId)].slice(0, 20));
}

const ACTION_WORDS: Record<NodeDecisionAction, { verb: string; button: string; done: string }> = {
  approve: { verb: 'Approve', button: 'Sign and approve', done: 'approved' },
  deny: { verb: 'Deny', button: 'Sign and deny', done: 'denied' },
  remove: { verb: 'Remove', button: 'Sign and remove', done: 'removed' },
};

/** Which decisions make sense for a node in its status. */
function actionsFor(node: NodeView): NodeDecisionAction[] {
  if (node.status === 'pending') return ['approve', 'deny', 'remove'];
  if (node.status === 'denied') return ['approve', 'remove'];
  return ['deny', 'remove'];
}

/**
 * Drafts a decision, shows the exact mesh-v1 message, and only then signs and sends it. The
 * outcome, or mesh's refusal in words, stays on screen.
 */
export function DecisionPanel({ node }: { node: NodeView }) {
  const { key } = useStore(keyStore);
  const { info } = useStore(live);
  const [draft, setDraft] = useState<DraftDecision | null>(null);
  const [busy, setBusy] = useState(false);
  const outcome = useStore(outcomes).find((o) => o.nodeId === node.id) ?? null;

  if (!key || !info) {
    return <p class="muted decision-hint">Load a sovereign key above to approve, deny or remove this node.</p>;
  }

  // A node that registered again under another key is no longer the node this draft is bound to.
  const changed = draft !== null && draft.nodePublicKey !== node.public_key.toLowerCase();

  const send = async () => {
    if (!draft) return;
    setBusy(true);
    try {
      const message = await sendDecision(draft, key);
      record({ nodeId: node.id, ok: true, text: message, at: Date.now() });
      setDraft(null);
    } catch (error) {
      record({ nodeId: node.id, ok: false, text: describeFailure(error), at: Date.now() });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="decision">
      <div class="decision-actions" role="group" aria-label={`Decisions about ${node.id}`}>
        {actionsFor(node).map((action) => (
          <button
            key={action}
            type="button"
            class={`button button-${action}`}
            aria-pressed={draft?.action === action}
            onClick={() => {
              outcomes.set((list) => list.filter((o) => o.nodeId !== node.id));
              setDraft(draftDecision(action, node, key, info.network));
            }}
          >
            {ACTION_WORDS[action].verb}…
          </button>
        ))}
      </div>
      {changed && (
        <p class="notice notice-error" role="alert">
          This node registered again under another key since you drafted this decision. Review it, then draft again.
        </p>
      )}
      {draft && (
        <div class="draft" role="region" aria-label={`${ACTION_WORDS[draft.action].verb} ${draft.nodeId}: message to sign`}>
          <p>This is the exact message your key signs ({key.signer === 'webcrypto' ? 'WebCrypto Ed25519' : '@noble/ed25519'}):</p>
          <pre class="message" data-testid="signed-message">
            {draft.message}
          </pre>
          <div class="draft-buttons">
            <button
              type="button"
              class={`button button-${draft.action} button-primary`}
              disabled={busy || changed}
              onClick={() => void send()}
            >
              {busy ? 'Sending…' : ACTION_WORDS[draft.action].button}
            </button>
            <button type="button" class="button" disabled={busy} onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {outcome && (
        <p class={outcome.ok ? 'notice notice-ok' : 'notice notice-error'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}
        </p>
      )}
    </div>
  );
}
