import { chainHistory } from '../../src/core/chain-history';
import { computeDigest } from '../../src/core/compute-digest';
import { createBaseline } from '../../src/core/create-baseline';
import { recordCriteriaChange, recordDeliverableRemoval, type RecordCriteriaChangeInput } from '../../src/core/record-criteria-change';
import { historyRecordSchema, type Baseline, type Criterion, type DeliverableState, type HistoryDraft, type SignOff } from '../../src/core/schemas';
import { verifyHistory } from '../../src/core/verify-history';

const dev = { id: 'u-dev', name: 'Dev', email: null };
const po = { id: 'u-po', name: 'PO', email: null };
const crit = (...texts: string[]): Criterion[] => texts.map((text) => ({ id: null, text, met: false }));
const state = (criteria: Criterion[], over: Partial<DeliverableState> = {}): DeliverableState => ({
  platform: 'linear', id: 'iss-1', key: 'ENG-1', scopeId: 'team-eng', title: 'Checkout', assigneeId: null,
  criteria, signOff: null, inScope: true, updatedAt: '2025-03-01T09:00:00.000Z', ...over,
});
const baselineOf = (...deliverables: DeliverableState[]): { baseline: Baseline; draft: HistoryDraft } => {
  const result = createBaseline({
    id: 'bl-1', scopeId: 'team-eng', name: 'SRS v1.0', now: '2025-03-01T10:00:00.000Z', approvedBy: po, current: null,
    deliverables: deliverables.map((d) => ({ id: d.id, key: d.key, title: d.title, criteria: d.criteria })),
  });
  if (!result.ok) throw new Error(result.message);
  return result.value;
};
const ids = () => {
  let n = 0;
  return () => `id-${++n}`;
};
const record = (over: Partial<RecordCriteriaChangeInput> & Pick<RecordCriteriaChangeInput, 'previous' | 'next'>) =>
  recordCriteriaChange({ baseline: null, actor: dev, now: '2025-03-02T10:00:00.000Z', source: 'linear-webhook', reason: null, newId: ids(), ...over });
const signOffFor = (criteria: Criterion[]): SignOff => ({
  id: 'so-1', signer: po, role: 'product owner', at: '2025-03-01T11:00:00.000Z', note: null, digest: computeDigest(criteria),
});

describe('recordCriteriaChange', () => {
  describe('Criteria before a baseline are a draft', () => {
    it('records no scope change but still updates the state when no baseline exists', () => {
      const result = record({ previous: state(crit('Pay by card')), next: state(crit('Pay by card or PayPal')) });
      expect(result.drafts).toEqual([]);
      expect(result.changes).toEqual([]);
      expect(result.state.criteria.map((c) => c.text)).toEqual(['Pay by card or PayPal']);
      expect(result.state.updatedAt).toBe('2025-03-02T10:00:00.000Z');
    });
  });

  describe('After the baseline, every change to a deliverable in that scope is a scope change', () => {
    const before = state(crit('Pay by card', 'Receipt is emailed'));
    const { baseline, draft: baselineDraft } = baselineOf(before);

    it('records one scope_changed draft per change, each with its own scope version N.1, N.2', () => {
      const next = state(crit('Pay by card or PayPal', 'Receipt is emailed', 'Order appears in history'));
      const result = record({ previous: before, next, baseline });
      expect(result.changes.map((c) => c.kind)).toEqual(['criterion_modified', 'criterion_added']);
      expect(result.drafts.every((d) => d.kind === 'scope_changed' && d.deliverableId === 'iss-1' && d.scopeId === 'team-eng')).toBe(true);
      const records = chainHistory(null, [baselineDraft, ...result.drafts]);
      expect(records.map((r) => r.scopeVersion)).toEqual(['1.0', '1.1', '1.2']);
    });

    it('carries before, after, word diff, author, time and source on the change', () => {
      const result = record({ previous: before, next: state(crit('Pay by card or PayPal', 'Receipt is emailed')), baseline });
      expect(result.changes).toEqual([{
        changeId: 'id-1', kind: 'criterion_modified', deliverableKey: 'ENG-1', criterionId: null,
        before: 'Pay by card', after: 'Pay by card or PayPal', diff: expect.any(Array), replaced: false,
        fromIndex: 0, toIndex: 0, source: 'linear-webhook', reason: null,
      }]);
      expect(result.drafts[0]).toMatchObject({ id: 'id-1', actor: dev, at: '2025-03-02T10:00:00.000Z' });
    });

    it('copies the reason onto every change of the edit', () => {
      const result = record({ previous: before, next: state(crit('Receipt is emailed', 'Pay by card now')), baseline, reason: '  Client call 3 March ' });
      expect(result.changes.length).toBeGreaterThan(1);
      expect(result.changes.every((c) => c.reason === 'Client call 3 March')).toBe(true);
    });

    it('records a change with a blank reason as undocumented (reason null)', () => {
      const result = record({ previous: before, next: state(crit('Pay by card')), baseline, reason: '   ' });
      expect(result.changes).toEqual([expect.objectContaining({ kind: 'criterion_removed', reason: null })]);
    });

    it('Deliverables created after the baseline are scope additions: records one first seen after it as deliverable_added', () => {
      const added = state(crit('Coupons reduce the total', 'Expired coupons are refused'), { id: 'iss-2', key: 'ENG-2' });
      const result = record({ previous: null, next: added, baseline });
      expect(result.changes).toEqual([expect.objectContaining({
        kind: 'deliverable_added', deliverableKey: 'ENG-2', before: null, after: '1. Coupons reduce the total\n2. Expired coupons are refused',
      })]);
    });

    it('compares a never-seen deliverable that is in the baseline with its baselined criteria', () => {
      const result = record({ previous: null, next: state(crit('Pay by card', 'Receipt is emailed')), baseline });
      expect(result.drafts).toEqual([]);
      // A rewording: "emailed" -> "printed" would be another criterion, a replacement (ADR 0020).
      const edited = record({ previous: null, next: state(crit('Pay by card', 'Receipt is emailed within a minute')), baseline });
      expect(edited.changes.map((c) => c.kind)).toEqual(['criterion_modified']);
    });

    it('does not treat ticking criteria as met as a scope change', () => {
      const next = state(before.criteria.map((c) => ({ ...c, met: true })));
      expect(record({ previous: before, next, baseline }).drafts).toEqual([]);
    });

    it('records a reorder as a criterion move', () => {
      const result = record({ previous: before, next: state(crit('Receipt is emailed', 'Pay by card')), baseline });
      expect(result.changes).toEqual([expect.objectContaining({ kind: 'criterion_moved' })]);
    });

    it('produces records that still verify after a store parses them back', () => {
      const result = record({ previous: before, next: state(crit('Pay by card or PayPal', 'Receipt is emailed', 'New one')), baseline });
      const chained = chainHistory(null, [baselineDraft, ...result.drafts]);
      const roundTripped = chained.map((r) => historyRecordSchema.parse(JSON.parse(JSON.stringify(r))));
      expect(verifyHistory(roundTripped)).toEqual({ ok: true, count: 3 });
    });
  });

  describe('Any change to criteria text, order or count makes earlier sign-offs stale and is recorded in the history as such', () => {
    const criteria = crit('Pay by card', 'Receipt is emailed');
    const signed = state(criteria, { signOff: signOffFor(criteria) });

    it.each([
      ['text', crit('Pay by card', 'Receipt is printed')],
      ['order', crit('Receipt is emailed', 'Pay by card')],
      ['count', crit('Pay by card', 'Receipt is emailed', 'Refunds work')],
    ])('records the sign-off as stale when the criteria %s changes', (_what, next) => {
      const result = record({ previous: signed, next: state(next) });
      const stale = result.drafts.filter((d) => d.kind === 'signoff_stale');
      expect(stale).toEqual([expect.objectContaining({
        deliverableId: 'iss-1',
        data: { signOffId: 'so-1', signedDigest: computeDigest(criteria), currentDigest: computeDigest(next) },
      })]);
    });

    it('keeps the stale sign-off on the state instead of deleting it', () => {
      const result = record({ previous: signed, next: state(crit('Pay by card')) });
      expect(result.state.signOff?.id).toBe('so-1');
      expect(result.state.signOff?.digest).not.toBe(computeDigest(result.state.criteria));
    });

    it('puts the stale record after the scope changes when a baseline exists', () => {
      const { baseline } = baselineOf(signed);
      const result = record({ previous: signed, next: state(crit('Pay by card')), baseline });
      expect(result.drafts.map((d) => d.kind)).toEqual(['scope_changed', 'signoff_stale']);
    });

    it('does not stale the sign-off when only met flags change', () => {
      const result = record({ previous: signed, next: state(criteria.map((c) => ({ ...c, met: true }))) });
      expect(result.drafts).toEqual([]);
      expect(result.state.signOff?.digest).toBe(computeDigest(result.state.criteria));
    });

    it('does not record staleness twice for a sign-off that was already stale', () => {
      const alreadyStale = state(crit('Pay by card'), { signOff: signOffFor(criteria) });
      expect(record({ previous: alreadyStale, next: state(crit('Pay by cash')) }).drafts).toEqual([]);
    });

    it('does not record staleness when whitespace is all that changed', () => {
      expect(record({ previous: signed, next: state(crit('Pay  by card ', 'Receipt is emailed')) }).drafts).toEqual([]);
    });
  });
});

describe('recordDeliverableRemoval', () => {
  const gone = state(crit('Pay by card'));

  it('records a deliverable removed from a baselined scope and takes it out of scope', () => {
    const { baseline } = baselineOf(gone);
    const result = recordDeliverableRemoval({ previous: gone, baseline, actor: dev, now: '2025-03-05T10:00:00.000Z', source: 'jira-trigger', reason: null, newId: ids() });
    expect(result.state.inScope).toBe(false);
    expect(result.changes).toEqual([expect.objectContaining({ kind: 'deliverable_removed', deliverableKey: 'ENG-1', before: '1. Pay by card', after: null, reason: null })]);
    expect(result.drafts).toEqual([expect.objectContaining({ kind: 'scope_changed', deliverableId: 'iss-1' })]);
  });

  it('takes the deliverable out of scope without a scope change before any baseline', () => {
    const result = recordDeliverableRemoval({ previous: gone, baseline: null, actor: dev, now: '2025-03-05T10:00:00.000Z', source: 'jira-trigger', reason: null, newId: ids() });
    expect(result.state.inScope).toBe(false);
    expect(result.drafts).toEqual([]);
  });

  it('records nothing the second time the same removal arrives', () => {
    const { baseline } = baselineOf(gone);
    const result = recordDeliverableRemoval({ previous: { ...gone, inScope: false }, baseline, actor: dev, now: '2025-03-05T10:00:00.000Z', source: 'jira-trigger', reason: null, newId: ids() });
    expect(result.drafts).toEqual([]);
  });

  it('records a removed deliverable that comes back as a scope addition', () => {
    const { baseline } = baselineOf(gone);
    const result = record({ previous: { ...gone, inScope: false }, next: gone, baseline });
    expect(result.changes.map((c) => c.kind)).toEqual(['deliverable_added']);
  });
});
