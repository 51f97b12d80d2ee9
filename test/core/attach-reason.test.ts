import { attachReason, findUndocumentedChanges } from '../../src/core/attach-reason';
import { chainHistory } from '../../src/core/chain-history';
import { createBaseline } from '../../src/core/create-baseline';
import { recordCriteriaChange } from '../../src/core/record-criteria-change';
import { historyDraftSchema, type Criterion, type DeliverableState, type HistoryRecord } from '../../src/core/schemas';

const dev = { id: 'u-dev', name: 'Dev', email: null };
const po = { id: 'u-po', name: 'PO', email: null };
const crit = (...texts: string[]): Criterion[] => texts.map((text) => ({ id: null, text, met: false }));
const state = (criteria: Criterion[]): DeliverableState => ({
  platform: 'linear', id: 'iss-1', key: 'ENG-1', scopeId: 'team-eng', title: '', assigneeId: null,
  criteria, signOff: null, inScope: true, updatedAt: '2025-03-01T09:00:00.000Z',
});

/** A baselined scope with two undocumented changes (an edit straight in a Linear description) and one documented one. */
const history = (): HistoryRecord[] => {
  let n = 0;
  const newId = () => `id-${++n}`;
  const before = state(crit('Pay by card', 'Receipt is emailed'));
  const base = createBaseline({ id: 'bl-1', scopeId: 'team-eng', name: 'SRS v1.0', now: '2025-03-01T10:00:00.000Z', approvedBy: po, current: null, deliverables: [{ id: 'iss-1', key: 'ENG-1', title: '', criteria: before.criteria }] });
  if (!base.ok) throw new Error(base.message);
  const mid = state(crit('Pay by card or PayPal', 'Receipt is emailed', 'Refunds work'));
  const undocumented = recordCriteriaChange({ previous: before, next: mid, baseline: base.value.baseline, actor: dev, now: '2025-03-02T10:00:00.000Z', source: 'linear-webhook', reason: null, newId });
  const documented = recordCriteriaChange({ previous: mid, next: state(crit('Pay by card or PayPal', 'Receipt is emailed')), baseline: base.value.baseline, actor: po, now: '2025-03-03T10:00:00.000Z', source: 'jira-panel', reason: 'Refunds moved to phase 2', newId });
  return chainHistory(null, [base.value.draft, ...undocumented.drafts, ...documented.drafts]);
};
const scopeChanges = (records: HistoryRecord[]) => records.filter((r) => r.kind === 'scope_changed');
const attach = (changes: HistoryRecord[], reason = 'Agreed with the client on 4 March') =>
  attachReason({ changes, reason, actor: po, now: '2025-03-04T10:00:00.000Z', newId: () => 'reason-1', scopeId: 'team-eng', deliverableId: 'iss-1' });

describe('A scope change asks for a reason', () => {
  it('lists changes recorded without a reason as undocumented', () => {
    const undocumented = findUndocumentedChanges(history());
    expect(undocumented.map((r) => r.data.kind)).toEqual(['criterion_modified', 'criterion_added']);
    expect(undocumented.map((r) => r.scopeVersion)).toEqual(['1.1', '1.2']);
  });

  it('attaches a reason later by a new record that refers to the changes; records are never rewritten', () => {
    const records = history();
    const snapshot = JSON.stringify(records);
    const result = attach(findUndocumentedChanges(records));
    if (!result.ok) throw new Error(result.message);
    expect(result.draft).toEqual({
      id: 'reason-1', scopeId: 'team-eng', at: '2025-03-04T10:00:00.000Z', actor: po, deliverableId: 'iss-1',
      kind: 'reason_attached', data: { changeIds: ['id-1', 'id-2'], reason: 'Agreed with the client on 4 March' },
    });
    expect(historyDraftSchema.safeParse(result.draft).success).toBe(true);
    expect(JSON.stringify(records)).toBe(snapshot);
  });

  it('no longer lists changes once a later reason_attached record refers to them', () => {
    const records = history();
    const first = findUndocumentedChanges(records)[0]!;
    const result = attach([first]);
    if (!result.ok) throw new Error(result.message);
    const [reasonRecord] = chainHistory({ seq: records.at(-1)!.seq, hash: records.at(-1)!.hash, scopeVersion: records.at(-1)!.scopeVersion }, [result.draft]);
    const remaining = findUndocumentedChanges([...records, reasonRecord!]);
    expect(remaining.map((r) => r.id)).toEqual(['id-2']);
    expect(reasonRecord!.scopeVersion).toBe(records.at(-1)!.scopeVersion);
  });

  it('refuses an empty reason', () => {
    expect(attach(scopeChanges(history()), '  ')).toMatchObject({ ok: false, code: 'EMPTY_REASON' });
  });

  it('refuses when there is no scope change to document', () => {
    const records = history();
    expect(attach([])).toMatchObject({ ok: false, code: 'NOTHING_TO_DOCUMENT' });
    expect(attach(records.filter((r) => r.kind === 'baseline_created'))).toMatchObject({ ok: false, code: 'NOTHING_TO_DOCUMENT' });
  });

  it('trims the reason and lists each change once', () => {
    const first = findUndocumentedChanges(history())[0]!;
    const result = attach([first, first], '  Client asked  ');
    expect(result.ok && result.draft.data).toEqual({ changeIds: ['id-1'], reason: 'Client asked' });
  });
});
