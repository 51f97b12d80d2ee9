import { displayActor } from '../core/check-sign-off-authority';
import type { HistoryRecord, HistoryRecordOf, ScopeChangeKind } from '../core/schemas';
import { describeSettingsChange } from './describe-settings-change';
import type { HistoryRow } from '../forge/resolvers/resolver-contract';

const CHANGE_WORDS: Record<ScopeChangeKind, string> = {
  deliverable_added: 'Deliverable added',
  deliverable_removed: 'Deliverable removed',
  criterion_added: 'Criterion added',
  criterion_removed: 'Criterion removed',
  criterion_modified: 'Criterion modified',
  criterion_moved: 'Criterion moved',
};

/**
 * One history record as a timeline row: a sentence in words, and for scope changes a
 * unified-diff text (for a UI Kit CodeBlock with language "diff").
 */
export function buildHistoryRow(record: HistoryRecord, keys: ReadonlyMap<string, string>, undocumented: ReadonlySet<string>): HistoryRow {
  const key = record.kind === 'scope_changed' ? record.data.deliverableKey : record.deliverableId ? (keys.get(record.deliverableId) ?? record.deliverableId) : null;
  const isUndocumented = undocumented.has(record.id);
  return {
    id: record.id,
    seq: record.seq,
    kind: record.kind,
    at: record.at,
    authorName: record.actor ? displayActor(record.actor) : null,
    deliverableKey: key,
    scopeVersion: record.scopeVersion,
    summary: describe(record, key),
    diffText: record.kind === 'scope_changed' ? renderDiffText(record) : null,
    undocumented: isUndocumented,
    record,
  };
}

function describe(record: HistoryRecord, key: string | null): string {
  const on = key ?? 'a deliverable';
  switch (record.kind) {
    case 'baseline_created':
      return `Baseline “${record.data.name}” created with ${count(record.data.deliverableCount, 'deliverable')} and ${count(record.data.criterionCount, 'criterion', 'criteria')}`;
    case 'scope_changed': {
      const reason = record.data.reason?.trim();
      // "Undocumented" is not in the sentence: every view marks it beside it (a lozenge, a badge, a CSV column).
      return `${CHANGE_WORDS[record.data.kind]} on ${on}${reason ? ` — reason: ${reason}` : ''}`;
    }
    case 'reason_attached':
      return `Reason attached to ${count(record.data.changeIds.length, 'earlier change')}: ${record.data.reason}`;
    case 'signoff_recorded':
      return `${on} signed off as “${record.data.signOff.role}”${record.data.signOff.note ? ` — note: ${record.data.signOff.note}` : ''}`;
    case 'signoff_refused':
      return `Sign-off of ${on} refused: ${record.data.message}`;
    case 'signoff_revoked':
      return `Sign-off of ${on} revoked${record.data.note ? ` — note: ${record.data.note}` : ''}`;
    case 'signoff_stale':
      return `Sign-off of ${on} became stale: the acceptance criteria changed after it`;
    case 'closure_allowed':
      return `${on} moved to ${record.data.toState} with a valid sign-off`;
    case 'closure_refused':
      return `Closing ${on} (${record.data.toState}) was refused: ${record.data.reasons.map((r) => r.message).join(' ')}`;
    case 'closure_bypassed':
      return `${on} reached ${record.data.toState} without a valid sign-off (${count(record.data.reasons.length, 'missing condition')}); ${record.data.action === 'reopened' ? 'it was reopened' : 'recorded only'}`;
    case 'settings_changed':
      return describeSettingsChange(record.data.changes);
  }
}

/** Unified-diff text of one scope change: "-" lines before, "+" lines after. */
export function renderDiffText(record: HistoryRecordOf<'scope_changed'>): string {
  const { data } = record;
  const where =
    data.kind === 'criterion_moved'
      ? `@@ ${data.deliverableKey}: criterion moved from position ${(data.fromIndex ?? 0) + 1} to ${(data.toIndex ?? 0) + 1} @@`
      : `@@ ${data.deliverableKey}: ${CHANGE_WORDS[data.kind].toLowerCase()} @@`;
  const lines = (text: string | null, mark: string) => (text === null ? [] : text.split(/\r?\n/).map((l) => `${mark}${l}`));
  const body = data.kind === 'criterion_moved' ? lines(data.after, ' ') : [...lines(data.before, '-'), ...lines(data.after, '+')];
  return [`--- ${data.deliverableKey} (before)`, `+++ ${data.deliverableKey} (after)`, where, ...body].join('\n');
}

function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
