import { isSignOffRecorded } from './is-sign-off-recorded';
import type { DeliverableState, HistoryRecord } from './schemas';
import type { HistoryHead } from './store';
import { verifyHistory } from './verify-history';

// Everything `scopekeeper verify` checks about one scope, beyond the chain itself: the head row,
// the derived columns, the sign-offs in state rows, and the newest signed checkpoint kept outside
// the database (which is what detects the newest records deleted with the head moved back).

export type IntegrityProblemCode = 'CHAIN_BROKEN' | 'HEAD_MISMATCH' | 'CHECKPOINT_MISSING' | 'DERIVED_COLUMN_EDITED' | 'SIGNOFF_NOT_IN_HISTORY';

export interface IntegrityProblem {
  code: IntegrityProblemCode;
  message: string;
}

/** A history row's columns that are derived from its record, as stored. */
export interface DerivedColumns {
  id: string;
  seq: number;
  kind: string;
  deliverableId: string | null;
  hash: string;
  withoutReason: boolean;
}

export interface ScopeIntegrityInput {
  scopeId: string;
  records: readonly HistoryRecord[];
  head: HistoryHead | null;
  derived: readonly DerivedColumns[];
  deliverables: readonly DeliverableState[];
  /** The scope's head in the newest checkpoint; null when no checkpoint names the scope. */
  checkpoint: { seq: number; hash: string; at: string } | null;
}

/** Every problem found, in plain words; an empty list means the scope verifies. */
export function verifyScopeIntegrity(input: ScopeIntegrityInput): IntegrityProblem[] {
  const problems: IntegrityProblem[] = [];
  const { scopeId, records } = input;
  const chain = verifyHistory(records);
  if (!chain.ok) problems.push({ code: 'CHAIN_BROKEN', message: `scope ${scopeId}: ${chain.message}` });

  const last = records.at(-1) ?? null;
  if ((last?.seq ?? null) !== (input.head?.seq ?? null) || (last?.hash ?? null) !== (input.head?.hash ?? null)) {
    problems.push({
      code: 'HEAD_MISMATCH',
      message: `scope ${scopeId}: the stored head (${input.head ? `seq ${input.head.seq}` : 'none'}) is not the newest record (${last ? `seq ${last.seq}` : 'none'})`,
    });
  }

  if (input.checkpoint) {
    const { seq, hash, at } = input.checkpoint;
    const found = records.find((record) => record.seq === seq);
    if (!found || found.hash !== hash) {
      problems.push({
        code: 'CHECKPOINT_MISSING',
        message: `scope ${scopeId}: the checkpoint of ${at} names record seq ${seq}, which the database ${found ? 'holds with other content' : 'no longer holds'}: records were deleted or rewritten after it`,
      });
    }
  }

  const byId = new Map(records.map((record) => [record.id, record]));
  for (const row of input.derived) {
    const record = byId.get(row.id);
    if (!record) continue;
    const withoutReason = record.kind === 'scope_changed' && !record.data.reason?.trim();
    const fields: string[] = [];
    if (row.withoutReason !== withoutReason) fields.push('without_reason');
    if (row.kind !== record.kind) fields.push('kind');
    if (row.seq !== record.seq) fields.push('seq');
    if ((row.deliverableId ?? null) !== (record.deliverableId ?? null)) fields.push('deliverable_id');
    if (row.hash !== record.hash) fields.push('hash');
    if (fields.length > 0) {
      problems.push({ code: 'DERIVED_COLUMN_EDITED', message: `scope ${scopeId}: record seq ${record.seq} has ${fields.join(', ')} that do not match the record itself` });
    }
  }

  for (const state of input.deliverables) {
    if (state.signOff && !isSignOffRecorded(state.signOff, state.id, records)) {
      problems.push({
        code: 'SIGNOFF_NOT_IN_HISTORY',
        message: `scope ${scopeId}: ${state.key} shows a sign-off by ${state.signOff.signer.name ?? state.signOff.signer.id} that its history does not record; the gate does not count it`,
      });
    }
  }
  return problems;
}
