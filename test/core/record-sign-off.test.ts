import { computeDigest } from '../../src/core/compute-digest';
import { evaluateClosure } from '../../src/core/evaluate-closure';
import { isSignOffStale } from '../../src/core/is-sign-off-stale';
import { parseWith } from '../../src/core/parse-with';
import { recordSignOff } from '../../src/core/record-sign-off';
import { closurePolicySchema, historyDraftSchema, type Actor, type ClosurePolicy, type Criterion, type DeliverableState } from '../../src/core/schemas';

const NOW = '2026-11-03T10:15:00+01:00';
const ana: Actor = { id: 'u-ana', name: 'Ana Silva', email: 'ana@example.com' };
const dev: Actor = { id: 'u-dev', name: 'Dev Kumar', email: 'dev@example.com' };
const policy = (over: Partial<ClosurePolicy> = {}): ClosurePolicy => closurePolicySchema.parse(over);

function ids(): () => string {
  let n = 0;
  return () => `id-${++n}`;
}

function deliverable(over: Partial<DeliverableState> = {}): DeliverableState {
  return {
    platform: 'jira',
    id: '10001',
    key: 'PROJ-12',
    scopeId: 'jira:PROJ',
    title: 'Checkout',
    assigneeId: 'u-dev',
    criteria: [
      { id: 'ac-1', text: 'Given a basket, when the customer pays, then an order is placed', met: false },
      { id: 'ac-2', text: 'A confirmation e-mail is sent within 60 seconds', met: false },
    ],
    signOff: null,
    inScope: true,
    updatedAt: '2026-11-01T09:00:00Z',
    ...over,
  };
}

function signed(state: DeliverableState = deliverable()): DeliverableState {
  const result = recordSignOff({ state, signer: ana, roles: [], policy: policy(), note: null, now: NOW, newId: ids() });
  if (!result.ok) throw new Error(result.message);
  return result.state;
}

describe('recordSignOff — a sign-off holds the digest of the criteria it accepted', () => {
  it('records who signed, when, in what role, with the note, and the digest of the criteria as they stand now', () => {
    const state = deliverable();
    const result = recordSignOff({
      state, signer: ana, roles: ['Product Owner'], policy: policy({ approverRoles: ['Product Owner'] }), note: '  Checked on staging ', now: NOW, newId: ids(),
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.state.signOff).toEqual({
      id: 'id-1', signer: ana, role: 'Product Owner', at: NOW, note: 'Checked on staging', digest: computeDigest(state.criteria),
    });
    expect(result.state.updatedAt).toBe(NOW);
    expect(state.signOff).toBeNull();
  });

  it('returns a signoff_recorded history draft that is a valid stored record of the scope and deliverable', () => {
    const result = recordSignOff({ state: deliverable(), signer: ana, roles: [], policy: policy(), note: null, now: NOW, newId: ids() });
    if (!result.ok) throw new Error(result.message);
    expect(result.draft).toMatchObject({
      id: 'id-2', kind: 'signoff_recorded', scopeId: 'jira:PROJ', deliverableId: '10001', actor: ana, at: NOW,
      data: { signOff: result.state.signOff },
    });
    expect(parseWith(historyDraftSchema, result.draft)).toEqual({ ok: true, value: result.draft });
  });

  it('stores a blank note as no note', () => {
    const result = recordSignOff({ state: deliverable(), signer: ana, roles: [], policy: policy(), note: '   ', now: NOW, newId: ids() });
    expect(result.ok && result.state.signOff?.note).toBeNull();
  });

  it('lets the deliverable pass the closure gate once signed', () => {
    expect(evaluateClosure({ state: signed(), policy: policy() })).toEqual({ allowed: true, reasons: [] });
  });

  it('replaces the current sign-off when someone signs again', () => {
    const first = signed();
    const again = recordSignOff({ state: first, signer: dev, roles: [], policy: policy(), note: 'second look', now: '2026-11-04T08:00:00Z', newId: () => 'later' });
    expect(again.ok).toBe(true);
    if (!again.ok) return;
    expect(again.state.signOff).toMatchObject({ id: 'later', signer: dev, note: 'second look', at: '2026-11-04T08:00:00Z' });
  });

  it('refuses with NO_CRITERIA and records the attempt when the deliverable has no criteria', () => {
    const state = deliverable({ criteria: [] });
    const result = recordSignOff({ state, signer: ana, roles: [], policy: policy(), note: null, now: NOW, newId: ids() });
    expect(result).toMatchObject({ ok: false, code: 'NO_CRITERIA' });
    if (result.ok) return;
    expect(result.message).toContain('PROJ-12 has no acceptance criteria');
    expect(result.draft).toMatchObject({ kind: 'signoff_refused', actor: ana, deliverableId: '10001', data: { code: 'NO_CRITERIA', message: result.message } });
    expect(parseWith(historyDraftSchema, result.draft).ok).toBe(true);
  });

  it('refuses with NOT_AN_APPROVER, leaves the deliverable unsigned, and records the attempt', () => {
    const result = recordSignOff({
      state: deliverable(), signer: dev, roles: ['Developers'], policy: policy({ approverRoles: ['Product Owner'] }), note: null, now: NOW, newId: ids(),
    });
    expect(result).toMatchObject({ ok: false, code: 'NOT_AN_APPROVER', draft: { kind: 'signoff_refused', data: { code: 'NOT_AN_APPROVER' } } });
    expect('state' in result).toBe(false);
  });

  it('refuses with SELF_SIGNOFF when the assignee signs off their own deliverable and the scope forbids it', () => {
    const result = recordSignOff({
      state: deliverable({ assigneeId: 'u-ana' }), signer: ana, roles: [], policy: policy({ forbidSelfSignOff: true }), note: null, now: NOW, newId: ids(),
    });
    expect(result).toMatchObject({ ok: false, code: 'SELF_SIGNOFF', draft: { data: { code: 'SELF_SIGNOFF' } } });
  });
});

describe('isSignOffStale — a stale sign-off no longer counts', () => {
  const state = signed();
  const signOff = state.signOff!;
  const [first, second] = state.criteria as [Criterion, Criterion];

  it('is not stale for the criteria it accepted', () => {
    expect(isSignOffStale(signOff, state.criteria)).toBe(false);
  });

  it('is not stale when a criterion is only ticked as met or re-wrapped', () => {
    const ticked: Criterion[] = [{ ...first, met: true }, { ...second, text: `  ${second.text.replace(/ /g, '\n ')}  ` }];
    expect(isSignOffStale(signOff, ticked)).toBe(false);
  });

  it('marks the sign-off stale when a criterion is reworded', () => {
    expect(isSignOffStale(signOff, [first, { ...second, text: 'A confirmation e-mail is sent within 5 minutes' }])).toBe(true);
  });

  it('marks the sign-off stale when criteria are reordered', () => {
    expect(isSignOffStale(signOff, [second, first])).toBe(true);
  });

  it('marks the sign-off stale when a criterion is added or removed', () => {
    expect(isSignOffStale(signOff, [first, second, { id: 'ac-3', text: 'Receipts are downloadable as PDF', met: false }])).toBe(true);
    expect(isSignOffStale(signOff, [first])).toBe(true);
  });
});
