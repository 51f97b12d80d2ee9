import type { Actor, HistoryDraft, HistoryRecord, HistoryRecordOf } from './schemas';

export interface AttachReasonInput {
  /** The scope_changed records the reason explains; other kinds are ignored. */
  changes: readonly HistoryRecord[];
  reason: string;
  actor: Actor;
  now: string;
  newId: () => string;
  scopeId: string;
  /** The deliverable the changes belong to, or null when they span several. */
  deliverableId: string | null;
}

export type ReasonDraft = Extract<HistoryDraft, { kind: 'reason_attached' }>;

export type AttachReasonResult =
  | { ok: true; draft: ReasonDraft }
  | { ok: false; code: 'EMPTY_REASON' | 'NOTHING_TO_DOCUMENT'; message: string };

/**
 * Documents earlier scope changes. Records are never rewritten: the reason goes into a new
 * `reason_attached` record that refers to the changes by id.
 */
export function attachReason(input: AttachReasonInput): AttachReasonResult {
  const reason = input.reason.trim();
  if (reason === '') return { ok: false, code: 'EMPTY_REASON', message: 'Write why the scope changed before saving the reason.' };
  const changes = input.changes.filter(isScopeChange);
  if (changes.length === 0) return { ok: false, code: 'NOTHING_TO_DOCUMENT', message: 'There is no scope change to attach this reason to.' };
  const foreign = changes.find((r) => r.scopeId !== input.scopeId);
  if (foreign) throw new Error(`scope change ${foreign.id} belongs to scope ${foreign.scopeId}, not ${input.scopeId}`);
  const changeIds = [...new Set(changes.map((r) => r.data.changeId))];
  return {
    ok: true,
    draft: {
      id: input.newId(),
      scopeId: input.scopeId,
      at: input.now,
      actor: input.actor,
      deliverableId: input.deliverableId,
      kind: 'reason_attached',
      data: { changeIds, reason },
    },
  };
}

/**
 * Scope changes still undocumented: recorded without a reason and with no later
 * reason_attached record referring to them (by change id or record id).
 */
export function findUndocumentedChanges(records: readonly HistoryRecord[]): HistoryRecordOf<'scope_changed'>[] {
  const ordered = [...records].sort((a, b) => a.seq - b.seq);
  const documentedLater = new Set<string>();
  const undocumented: HistoryRecordOf<'scope_changed'>[] = [];
  for (let i = ordered.length - 1; i >= 0; i -= 1) {
    const record = ordered[i]!;
    if (record.kind === 'reason_attached') for (const id of record.data.changeIds) documentedLater.add(id);
    if (isScopeChange(record) && !hasReason(record) && !documentedLater.has(record.data.changeId) && !documentedLater.has(record.id)) {
      undocumented.push(record);
    }
  }
  return undocumented.reverse();
}

function isScopeChange(record: HistoryRecord): record is HistoryRecordOf<'scope_changed'> {
  return record.kind === 'scope_changed';
}

function hasReason(record: HistoryRecordOf<'scope_changed'>): boolean {
  return record.data.reason !== null && record.data.reason.trim() !== '';
}
