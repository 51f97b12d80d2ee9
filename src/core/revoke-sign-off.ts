import { checkSignOffAuthority, displayActor } from './check-sign-off-authority';
import { cleanNote } from './record-sign-off';
import type { Actor, ClosurePolicy, DeliverableState, HistoryDraft } from './schemas';

export type RevokeSignOffResult =
  | { ok: true; state: DeliverableState; draft: Extract<HistoryDraft, { kind: 'signoff_revoked' }> }
  | { ok: false; code: 'NO_SIGNOFF' | 'NOT_AN_APPROVER'; message: string };

/**
 * Withdraws the deliverable's current sign-off (stale or not).
 *
 * Who may revoke: the signer themselves, always (withdrawing your own acceptance must not
 * depend on still being an approver), or anyone who could sign off under the current policy.
 * The self sign-off rule does not apply: revoking only makes the closure gate stricter.
 */
export function revokeSignOff(input: {
  state: DeliverableState;
  actor: Actor;
  roles: readonly string[];
  policy: ClosurePolicy;
  note: string | null;
  now: string;
  newId: () => string;
}): RevokeSignOffResult {
  const { state, actor, now } = input;
  const signOff = state.signOff;
  if (!signOff) {
    return { ok: false, code: 'NO_SIGNOFF', message: `${state.key} has no sign-off to revoke.` };
  }
  if (signOff.signer.id !== actor.id) {
    const authority = checkSignOffAuthority({ signer: actor, roles: input.roles, policy: input.policy, assigneeId: null });
    if (!authority.ok) {
      return {
        ok: false,
        code: 'NOT_AN_APPROVER',
        message: `Only ${displayActor(signOff.signer)}, who gave the sign-off, or an approver for this scope can revoke it. ${displayActor(actor)} is neither.`,
      };
    }
  }
  return {
    ok: true,
    state: { ...state, signOff: null, updatedAt: now },
    draft: {
      id: input.newId(),
      scopeId: state.scopeId,
      at: now,
      actor,
      deliverableId: state.id,
      kind: 'signoff_revoked',
      data: { signOffId: signOff.id, note: cleanNote(input.note) },
    },
  };
}
