import { computeDigest } from '../../src/core/compute-digest';
import { decideDeliverableEvent, type ClosureRecord, type DeliverableEventInput, type WorkflowObservation } from '../../src/core/decide-deliverable-event';
import { readClosurePolicy } from '../../src/core/read-closure-policy';
import { closurePolicySchema, type DeliverableState } from '../../src/core/schemas';
import { loadTagger } from '../../src/hints/load-tagger';

const tagger = loadTagger();

const NOW = '2026-06-25T10:00:00.000Z';
const ana = { id: 'u-ana', name: 'Ana Silva', email: 'ana@client.example' };
const criteria = [{ id: 'ac-1', text: 'Paying an invoice shows a receipt within 5 seconds', met: false }];
const policy = closurePolicySchema.parse({ approverUserIds: [ana.id], doneStateNames: [], doneStateTypes: ['completed', 'done'] });
const TODO = { id: 's-todo', name: 'Todo', type: 'unstarted' };
const DONE = { id: 's-done', name: 'Done', type: 'completed' };
const CLOSED = { id: 's-closed', name: 'Closed', type: 'completed' };

const stored = (over: Partial<DeliverableState> = {}): DeliverableState => ({
  platform: 'linear', id: 'iss-1', key: 'ENG-1', scopeId: 'linear:team', title: 'Invoices', assigneeId: null,
  criteria, signOff: null, inScope: true, updatedAt: '2026-06-20T09:00:00.000Z', ...over,
});
const signed = () => stored({ signOff: { id: 'so-1', signer: ana, role: 'approver', at: '2026-06-21T09:00:00.000Z', note: null, digest: computeDigest(criteria) } });

function decide(workflow: WorkflowObservation, over: Partial<DeliverableEventInput> = {}) {
  let n = 0;
  return decideDeliverableEvent({
    stored: stored(),
    event: { kind: 'observed', facts: { platform: 'linear', id: 'iss-1', key: 'ENG-1', scopeId: 'linear:team' }, workflow },
    baseline: null,
    policy: { ok: true, value: policy },
    mode: 'enforce',
    actor: ana,
    fallbackActor: ana,
    source: 'linear-webhook',
    now: NOW,
    newId: () => `id-${(n += 1)}`,
    tagger,
    ...over,
  });
}

const moved = (from: typeof TODO | null, to = DONE, revert = true): WorkflowObservation => ({ kind: 'moved', from, to, revertTo: revert ? { id: TODO.id, name: 'Todo' } : null });
const kinds = (decision: ReturnType<typeof decide>) => decision.drafts.map((d) => (d.kind === 'closure_bypassed' ? `${d.kind}:${d.data.action}` : d.kind));

describe('decideDeliverableEvent: closures after the fact', () => {
  it('refuses a closure without a valid sign-off, moves it back and says why, in enforce mode with a way back', () => {
    const decision = decide(moved(TODO));
    expect(decision.outcome).toBe('closure_refused');
    expect(kinds(decision)).toEqual(['closure_refused']);
    expect(decision.intents).toEqual([
      { kind: 'revert', to: { id: TODO.id, name: 'Todo' }, fromState: 'Done' },
      { kind: 'comment', sections: [expect.objectContaining({ kind: 'closure_refused', reverted: true, revertTo: 'Todo', reasons: [expect.objectContaining({ code: 'NO_SIGNOFF' })] })] },
    ]);
  });

  it('records a bypass that stands in shadow mode, and withholds what enforce mode would do', () => {
    const decision = decide(moved(TODO), { mode: 'shadow' });
    expect(kinds(decision)).toEqual(['closure_bypassed:recorded']);
    expect(decision.intents).toEqual([]);
    expect(decision.withheld.map((i) => i.kind)).toEqual(['revert', 'comment']);
  });

  it('records a bypass and only comments when there is no way back', () => {
    const decision = decide(moved(TODO, DONE, false));
    expect(kinds(decision)).toEqual(['closure_bypassed:recorded']);
    expect(decision.intents).toEqual([{ kind: 'comment', sections: [expect.objectContaining({ reverted: false, revertTo: null })] }]);
  });

  it('records a bypass and does nothing when the deliverable already left the done state', () => {
    const decision = decide({ ...moved(TODO), current: TODO } as WorkflowObservation);
    expect(kinds(decision)).toEqual(['closure_bypassed:recorded']);
    expect(decision.intents).toEqual([]);
  });

  it('records an allowed closure and acts on nothing when the sign-off is valid', () => {
    const decision = decide(moved(TODO), { stored: signed() });
    expect(decision.verdict).toEqual({ allowed: true, reasons: [] });
    expect(kinds(decision)).toEqual(['closure_allowed']);
    expect(decision.intents).toEqual([]);
  });

  it('does not judge a move from one done state to another, and judges one whose state before is unknown', () => {
    expect(decide(moved(DONE, CLOSED))).toMatchObject({ verdict: null, drafts: [], intents: [], outcome: 'unchanged' });
    expect(decide(moved(null, CLOSED)).outcome).toBe('closure_refused');
  });

  it('refuses, naming the fault and its remedy, when the settings cannot be read, even with a valid sign-off', () => {
    const reading = readClosurePolicy({ approverUserIds: 'everyone' }, 'Save the settings again.');
    const decision = decide(moved(TODO), { stored: signed(), policy: reading });
    expect(decision.verdict?.reasons.map((r) => r.code)).toEqual(['SETTINGS_UNREADABLE']);
    expect(decision.verdict?.reasons[0]?.message).toBe(
      "Scopekeeper cannot read this scope's settings (approverUserIds: Invalid input: expected array, received string), so it cannot tell who may sign off, and nothing can close until they are fixed. Save the settings again.",
    );
    expect(kinds(decision)).toEqual(['closure_refused']);
  });
});

describe('decideDeliverableEvent: a move waiting for a veto', () => {
  it('gives a verdict and records nothing', () => {
    const decision = decide({ kind: 'asked', from: TODO, to: DONE });
    expect(decision.verdict?.allowed).toBe(false);
    expect(decision.drafts).toEqual([]);
    expect(decision.intents).toEqual([]);
  });

  it('lets a move between done states and a move out of done through', () => {
    expect(decide({ kind: 'asked', from: DONE, to: CLOSED }).verdict).toBeNull();
    expect(decide({ kind: 'asked', from: DONE, to: TODO }).verdict).toBeNull();
  });

  it('gates every guarded move when the target is unknown or the settings cannot be read', () => {
    expect(decide({ kind: 'asked', from: TODO, to: null }).verdict?.allowed).toBe(false);
    expect(decide({ kind: 'asked', from: TODO, to: { id: 's-review', name: 'In Review', type: 'started' } }, { policy: { ok: false, errors: ['x: broken'] } }).verdict?.allowed).toBe(false);
  });
});

describe('decideDeliverableEvent: found standing in a done state', () => {
  const record = (over: Partial<ClosureRecord>): ClosureRecord =>
    ({ id: 'rec-1', scopeId: 'linear:team', at: NOW, actor: null, deliverableId: 'iss-1', seq: 3, scopeVersion: null, prevHash: null, hash: 'h', kind: 'closure_allowed', data: { toState: 'Done' }, ...over }) as ClosureRecord;
  const found = (lastClosure: ClosureRecord | null, state = DONE, changedAt = '2026-06-25T09:00:00.000Z'): WorkflowObservation => ({
    kind: 'found', state, changedAt, revertTo: { id: TODO.id, name: 'Todo' }, lastClosure,
  });

  it('decides a closure nobody recorded', () => {
    expect(kinds(decide(found(null), { closureId: 'rec-9' }))).toEqual(['closure_refused']);
  });

  it('records nothing new after a closure that stood, in the same or another done state', () => {
    expect(decide(found(record({}), CLOSED)).drafts).toEqual([]);
    const bypassed = record({ kind: 'closure_bypassed', data: { toState: 'Done', reasons: [{ code: 'NO_SIGNOFF', message: 'x' }], action: 'recorded' } } as Partial<ClosureRecord>);
    expect(decide(found(bypassed)).drafts).toEqual([]);
  });

  it('acts again, recording nothing, on its own refusal that is still waiting for its revert', () => {
    const refused = record({ kind: 'closure_refused', data: { toState: 'Done', reasons: [{ code: 'NO_SIGNOFF', message: 'x' }] } } as Partial<ClosureRecord>);
    const again = decide(found(refused), { closureId: 'rec-1' });
    expect(again.drafts).toEqual([]);
    expect(again.intents.map((i) => i.kind)).toEqual(['revert', 'comment']);
    expect(decide(found(refused), { closureId: 'rec-2' }).intents).toEqual([]);
  });
});

describe('decideDeliverableEvent: what is stored', () => {
  it('reads parts of speech only for new criteria, so a closure check never pays for the English model', () => {
    const calls: string[] = [];
    const counting = (text: string) => { calls.push(text); return tagger(text); };
    decide(moved(TODO), { stored: signed(), tagger: counting });
    expect(calls).toEqual([]);
    const added = decide({ kind: 'none', current: TODO }, {
      stored: null,
      event: { kind: 'observed', facts: { platform: 'linear', id: 'iss-1', key: 'ENG-1', scopeId: 'linear:team', title: 'Invoices', assigneeId: null, criteria: [{ id: null, text: 'Search results are relevant', met: false }] }, workflow: { kind: 'none', current: TODO }, parseHints: [] },
      tagger: counting,
    });
    expect(calls.length).toBeGreaterThan(0);
    expect(added.intents).toEqual([expect.objectContaining({ kind: 'comment', sections: [expect.objectContaining({ kind: 'quality_hints' })] })]);
  });

  it('stores nothing for a deliverable whose criteria Scopekeeper has never held', () => {
    const decision = decide({ kind: 'none', current: null }, { stored: null });
    expect(decision).toMatchObject({ changed: false, drafts: [], outcome: 'unchanged' });
  });

  it('keeps the stored state and its time when nothing a reader sees changed', () => {
    const decision = decide({ kind: 'none', current: null });
    expect(decision.changed).toBe(false);
    expect(decision.state?.updatedAt).toBe('2026-06-20T09:00:00.000Z');
  });

  it('records a removal once', () => {
    const removed = decideDeliverableEvent({ ...inputOf(), event: { kind: 'removed' } });
    expect(removed).toMatchObject({ outcome: 'removed', changed: true, state: { inScope: false } });
    expect(decideDeliverableEvent({ ...inputOf(), stored: removed.state, event: { kind: 'removed' } }).outcome).toBe('ignored');
  });
});

function inputOf(): DeliverableEventInput {
  return {
    stored: stored(), event: { kind: 'removed' }, baseline: null, policy: { ok: true, value: policy }, mode: 'enforce',
    actor: null, fallbackActor: ana, source: 'linear-webhook', now: NOW, newId: () => 'id', tagger,
  };
}
