import { chainHistory } from '../../src/core/chain-history';
import { computeDigest } from '../../src/core/compute-digest';
import { computeSignals } from '../../src/core/compute-signals';
import {
  closurePolicySchema,
  type Baseline,
  type Criterion,
  type DeliverableState,
  type HistoryDraft,
  type ScopeChange,
} from '../../src/core/schemas';

const at = '2026-11-03T10:00:00Z';
const ana = { id: 'u-ana', name: 'Ana Silva', email: null };
const c = (text: string, id: string | null = null): Criterion => ({ id, text, met: false });

const baselineCriteria = {
  d1: [c('Users can log in with email and password', 'ac-1'), c('Passwords are reset by an e-mail link', 'ac-2'), c('Sessions expire after 30 minutes of inactivity', 'ac-3')],
  d2: [c('Invoices show VAT per line'), c('Invoices are downloadable as PDF')],
  d3: [c('The audit log keeps 90 days of events')],
};

const baseline: Baseline = {
  id: 'b-1', scopeId: 'jira:PROJ', name: 'SRS v1.0', major: 1, createdAt: at, approvedBy: ana,
  deliverables: [
    { id: 'd1', key: 'PROJ-1', title: 'Login', criteria: baselineCriteria.d1 },
    { id: 'd2', key: 'PROJ-2', title: 'Invoices', criteria: baselineCriteria.d2 },
    { id: 'd3', key: 'PROJ-3', title: 'Audit', criteria: baselineCriteria.d3 },
  ],
};

function deliverable(id: string, key: string, criteria: Criterion[], over: Partial<DeliverableState> = {}): DeliverableState {
  return { platform: 'jira', id, key, scopeId: 'jira:PROJ', title: key, assigneeId: 'u-dev', criteria, signOff: null, inScope: true, updatedAt: at, ...over };
}

function signOff(criteria: readonly Criterion[], signerId = 'u-ana'): DeliverableState['signOff'] {
  return { id: `so-${signerId}`, signer: { id: signerId, name: null, email: null }, role: 'approver', at, note: null, digest: computeDigest(criteria) };
}

const d1Now = [
  c('Users can log in with email and password', 'ac-1'),
  c('Passwords are reset by a one-time e-mail link', 'ac-2'), // reworded
  c('Accounts lock after 5 failed attempts', 'ac-4'), // added; ac-3 removed
];
const d2Now = [c('Invoices are downloadable   as PDF'), c('Invoices show VAT per line')]; // moved and re-spaced only
const d4Now = [c('Export orders to CSV')];

const deliverables: DeliverableState[] = [
  deliverable('d1', 'PROJ-1', d1Now, { signOff: signOff(baselineCriteria.d1) }),
  deliverable('d2', 'PROJ-2', d2Now, { signOff: signOff(d2Now) }),
  deliverable('d3', 'PROJ-3', baselineCriteria.d3, { inScope: false, signOff: signOff([c('old')]) }),
  deliverable('d4', 'PROJ-4', d4Now, { signOff: signOff(d4Now, 'u-dev') }),
  deliverable('d5', 'PROJ-5', []),
];

function change(changeId: string, reason: string | null): HistoryDraft {
  const data: ScopeChange = {
    changeId, kind: 'criterion_modified', deliverableKey: 'PROJ-1', criterionId: 'ac-2', before: 'a', after: 'b',
    diff: null, replaced: false, fromIndex: null, toIndex: null, source: 'linear-webhook', reason,
  };
  return { id: `h-${changeId}`, scopeId: 'jira:PROJ', at, actor: ana, deliverableId: 'd1', kind: 'scope_changed', data };
}

const closure = (id: string, deliverableId: string, kind: 'closure_allowed' | 'closure_bypassed'): HistoryDraft =>
  kind === 'closure_allowed'
    ? { id, scopeId: 'jira:PROJ', at, actor: ana, deliverableId, kind, data: { toState: 'Done' } }
    : { id, scopeId: 'jira:PROJ', at, actor: ana, deliverableId, kind, data: { toState: 'Done', reasons: [{ code: 'SIGNOFF_STALE', message: 'Stale.' }], action: 'recorded' } };

const history = chainHistory(null, [
  { id: 'h-b', scopeId: 'jira:PROJ', at, actor: ana, deliverableId: null, kind: 'baseline_created', data: { baselineId: 'b-1', name: 'SRS v1.0', deliverableCount: 3, criterionCount: 6 } },
  change('c1', null),
  change('c2', 'Client asked for one-time links'),
  change('c3', null),
  { id: 'h-r', scopeId: 'jira:PROJ', at, actor: ana, deliverableId: 'd1', kind: 'reason_attached', data: { changeIds: ['c3'], reason: 'Security review' } },
  change('c4', '   '),
  closure('h-a1', 'd2', 'closure_allowed'),
  closure('h-x1', 'd1', 'closure_bypassed'),
  closure('h-x2', 'd1', 'closure_bypassed'),
  closure('h-x3', 'd3', 'closure_bypassed'),
]);

const signals = computeSignals({ baseline, deliverables, history });

describe('computeSignals — early-warning signals shown to delivery managers', () => {
  describe('scope drift (share of baseline criteria changed, added or removed)', () => {
    it('counts a reworded criterion as one modification, and added and removed criteria and deliverables', () => {
      expect(signals.drift).toMatchObject({
        baselineName: 'SRS v1.0',
        baselineCriterionCount: 6,
        criteriaAdded: 2, // ac-4, PROJ-4's criterion
        criteriaRemoved: 2, // ac-3, PROJ-3 out of scope
        criteriaModified: 1, // ac-2
      });
      expect(signals.drift.share).toBeCloseTo(5 / 6);
    });

    it('lists each drifted deliverable, and not one whose criteria only moved or were re-spaced', () => {
      expect(signals.drift.deliverables).toEqual([
        { id: 'd1', key: 'PROJ-1', status: 'changed', criteriaAdded: 1, criteriaRemoved: 1, criteriaModified: 1 },
        { id: 'd3', key: 'PROJ-3', status: 'removed', criteriaAdded: 0, criteriaRemoved: 1, criteriaModified: 0 },
        { id: 'd4', key: 'PROJ-4', status: 'added', criteriaAdded: 1, criteriaRemoved: 0, criteriaModified: 0 },
        { id: 'd5', key: 'PROJ-5', status: 'added', criteriaAdded: 0, criteriaRemoved: 0, criteriaModified: 0 },
      ]);
    });

    it('treats a baselined deliverable missing from the current list as removed', () => {
      const result = computeSignals({ baseline, deliverables: deliverables.filter((d) => d.id !== 'd2'), history: [] });
      expect(result.drift.deliverables).toContainEqual({ id: 'd2', key: 'PROJ-2', status: 'removed', criteriaAdded: 0, criteriaRemoved: 2, criteriaModified: 0 });
    });

    it('reports no drift and no share before a baseline', () => {
      const result = computeSignals({ baseline: null, deliverables, history: [] });
      expect(result.drift).toEqual({
        baselineName: null, baselineCriterionCount: 0, criteriaAdded: 0, criteriaRemoved: 0, criteriaModified: 0, share: null, deliverables: [],
      });
    });

    it('reports zero drift when the deliverables still match the baseline', () => {
      const unchanged = baseline.deliverables.map((s) => deliverable(s.id, s.key, s.criteria));
      expect(computeSignals({ baseline, deliverables: unchanged, history: [] }).drift).toMatchObject({ share: 0, deliverables: [] });
    });
  });

  describe('undocumented scope changes', () => {
    it('flags changes with no reason, given or attached later, and returns their records', () => {
      expect(signals.undocumentedChanges.count).toBe(2);
      expect(signals.undocumentedChanges.records.map((r) => r.data.changeId)).toEqual(['c1', 'c4']);
      expect(signals.undocumentedChanges.records[0]).toBe(history[1]);
    });
  });

  describe('deliverables without criteria (A deliverable with none is visibly incomplete)', () => {
    it('lists in-scope deliverables with no criteria by key', () => {
      expect(signals.withoutCriteria).toEqual({ count: 1, keys: ['PROJ-5'] });
    });

    it('ignores deliverables that left the scope', () => {
      const result = computeSignals({ baseline, deliverables: [deliverable('d9', 'PROJ-9', [], { inScope: false })], history: [] });
      expect(result.withoutCriteria).toEqual({ count: 0, keys: [] });
      expect(result.deliverableCount).toBe(0);
    });
  });

  describe('stale sign-offs (a stale sign-off no longer counts)', () => {
    it('lists in-scope deliverables whose sign-off no longer matches their criteria', () => {
      expect(signals.staleSignOffs).toEqual({ count: 1, keys: ['PROJ-1'] });
    });
  });

  describe('done without valid sign-off (a bypass)', () => {
    it('counts only closures that stand: one Scopekeeper moved back is a refusal, not a bypass', () => {
      const at2 = '2026-03-05T10:00:00.000Z';
      const moved = chainHistory(null, [
        { id: 'r-1', scopeId: 'jira:PROJ', at: at2, actor: null, deliverableId: 'd1', kind: 'closure_refused', data: { toState: 'Done', reasons: [{ code: 'NO_SIGNOFF', message: 'x' }] } },
        { id: 'r-2', scopeId: 'jira:PROJ', at: at2, actor: null, deliverableId: 'd1', kind: 'closure_bypassed', data: { toState: 'Done', reasons: [{ code: 'NO_SIGNOFF', message: 'x' }], action: 'reopened' } },
        { id: 'r-3', scopeId: 'jira:PROJ', at: at2, actor: null, deliverableId: 'd3', kind: 'closure_bypassed', data: { toState: 'Done', reasons: [{ code: 'NO_SIGNOFF', message: 'x' }], action: 'recorded' } },
      ]);
      expect(computeSignals({ baseline, deliverables, history: moved }).bypasses).toMatchObject({ count: 1, closureCount: 1, share: 1, keys: ['PROJ-3'] });
    });

    it('counts bypassed closures against all recorded closures and names the deliverables once each', () => {
      expect(signals.bypasses).toMatchObject({ count: 3, closureCount: 4, share: 0.75, keys: ['PROJ-1', 'PROJ-3'] });
      expect(signals.bypasses.records.map((r) => r.id)).toEqual(['h-x1', 'h-x2', 'h-x3']);
    });

    it('reports no share when nothing was closed yet', () => {
      expect(computeSignals({ baseline, deliverables, history: [] }).bypasses).toEqual({ count: 0, closureCount: 0, share: null, keys: [], records: [] });
    });
  });

  describe('sign-off coverage', () => {
    it('counts in-scope deliverables with a sign-off that is not stale', () => {
      expect(signals.deliverableCount).toBe(4);
      expect(signals.signOffCoverage).toEqual({ covered: 2, total: 4, share: 0.5, missingKeys: ['PROJ-1', 'PROJ-5'] });
    });

    it('with a policy, does not count a sign-off the gate would reject, such as a self sign-off by the assignee', () => {
      const policy = closurePolicySchema.parse({ forbidSelfSignOff: true, requireAllMet: true });
      const result = computeSignals({ baseline, deliverables, history, policy });
      // requireAllMet is about criteria, not the sign-off: PROJ-2 stays covered though nothing is met.
      expect(result.signOffCoverage).toEqual({ covered: 1, total: 4, share: 0.25, missingKeys: ['PROJ-1', 'PROJ-4', 'PROJ-5'] });
    });

    it('reports no share for a scope without deliverables', () => {
      expect(computeSignals({ baseline: null, deliverables: [], history: [] }).signOffCoverage).toEqual({ covered: 0, total: 0, share: null, missingKeys: [] });
    });
  });
});
