import { checkSignOffAuthority } from './check-sign-off-authority';
import { computeDigest } from './compute-digest';
import type { Actor, ClosurePolicy, DeliverableState, HistoryDraft, SignOff } from './schemas';

export { isSignOffStale } from './is-sign-off-stale';

type Draft<K extends HistoryDraft['kind']> = Extract<HistoryDraft, { kind: K }>;

export type SignOffRefusalCode = 'NOT_AN_APPROVER' | 'SELF_SIGNOFF' | 'NO_CRITERIA';

export type RecordSignOffResult =
  | { ok: true; state: DeliverableState; draft: Draft<'signoff_recorded'> }
  | { ok: false; code: SignOffRefusalCode; message: string; draft: Draft<'signoff_refused'> };

/** Blank notes are stored as null so "no note" has one spelling. */
export function cleanNote(note: string | null): string | null {
  const trimmed = note?.trim();
  return trimmed ? trimmed : null;
}

/**
 * Records that `signer` accepts the deliverable's criteria as they stand now: the sign-off
 * pins their digest, so any later change to the criteria makes it stale. Signing again
 * replaces the current sign-off. A refusal still yields a draft, so the attempt is on record.
 */
export function recordSignOff(input: {
  state: DeliverableState;
  signer: Actor;
  roles: readonly string[];
  policy: ClosurePolicy;
  note: string | null;
  now: string;
  newId: () => string;
}): RecordSignOffResult {
  const { state, signer, policy, now, newId } = input;
  const authority = checkSignOffAuthority({ signer, roles: input.roles, policy, assigneeId: state.assigneeId });
  if (!authority.ok) return refuse(input, authority.code, authority.message);
  if (state.criteria.length === 0) {
    return refuse(
      input,
      'NO_CRITERIA',
      `${state.key} has no acceptance criteria, so there is nothing to sign off. Add at least one criterion first.`,
    );
  }

  const signOff: SignOff = {
    id: newId(),
    signer,
    role: authority.role,
    at: now,
    note: cleanNote(input.note),
    digest: computeDigest(state.criteria),
  };
  return {
    ok: true,
    state: { ...state, signOff, updatedAt: now },
    draft: {
      id: newId(),
      scopeId: state.scopeId,
      at: now,
      actor: signer,
      deliverableId: state.id,
      kind: 'signoff_recorded',
      data: { signOff },
    },
  };
}

function refuse(
  input: { state: DeliverableState; signer: Actor; now: string; newId: () => string },
  code: SignOffRefusalCode,
  message: string,
): RecordSignOffResult {
  const { state } = input;
  return {
    ok: false,
    code,
    message,
    draft: {
      id: input.newId(),
      scopeId: state.scopeId,
      at: input.now,
      actor: input.signer,
      deliverableId: state.id,
      kind: 'signoff_refused',
      data: { code, message },
    },
  };
}
