import { computeDigest } from '../../src/core/compute-digest';
import { decideDeliverableEvent } from '../../src/core/decide-deliverable-event';
import { closurePolicySchema, type DeliverableState, type HistoryRecord } from '../../src/core/schemas';
import { loadTagger } from '../../src/hints/load-tagger';

const tagger = loadTagger();

// The closure gate counts a stored sign-off only when the history backs it: a sign-off copied
// into a state row (issue 10's tamper case) does not let the deliverable close.

const ana = { id: 'u-ana', name: 'Ana Silva', email: 'ana@client.example' };
const criteria = [{ id: 'ac-1', text: 'Paying an invoice shows a receipt within 5 seconds', met: false }];
const policy = closurePolicySchema.parse({ approverUserIds: [ana.id], doneStateNames: [], doneStateTypes: ['completed'] });
const signOff = { id: 'so-1', signer: ana, role: 'approver', at: '2026-06-21T09:00:00.000Z', note: null, digest: computeDigest(criteria) };
const state = (id: string): DeliverableState => ({
  platform: 'linear', id, key: `ENG-${id}`, scopeId: 'linear:team', title: 'Invoices', assigneeId: null, criteria, signOff, inScope: true, updatedAt: '2026-06-20T09:00:00.000Z',
});
const recorded = (deliverableId: string): HistoryRecord =>
  ({ id: 'r-1', scopeId: 'linear:team', seq: 1, at: signOff.at, actor: ana, deliverableId, kind: 'signoff_recorded', data: { signOff }, scopeVersion: '1.0', prevHash: 'x', hash: 'y' }) as HistoryRecord;
const revoked = (deliverableId: string): HistoryRecord =>
  ({ id: 'r-2', scopeId: 'linear:team', seq: 2, at: signOff.at, actor: ana, deliverableId, kind: 'signoff_revoked', data: { signOffId: signOff.id, note: null }, scopeVersion: '1.0', prevHash: 'y', hash: 'z' }) as HistoryRecord;

function close(id: string, signOffHistory?: HistoryRecord[]) {
  let n = 0;
  return decideDeliverableEvent({
    stored: state(id),
    event: {
      kind: 'observed',
      facts: { platform: 'linear', id, key: `ENG-${id}`, scopeId: 'linear:team' },
      workflow: { kind: 'moved', from: { id: 's-todo', name: 'Todo', type: 'unstarted' }, to: { id: 's-done', name: 'Done', type: 'completed' }, revertTo: { id: 's-todo', name: 'Todo' } },
    },
    baseline: null, policy: { ok: true, value: policy }, mode: 'enforce', actor: ana, fallbackActor: ana, source: 'linear-webhook',
    now: '2026-06-25T10:00:00.000Z', newId: () => `id-${(n += 1)}`, tagger,
    ...(signOffHistory ? { signOffHistory } : {}),
  });
}

describe('the closure gate checks a sign-off against the history', () => {
  it('allows the closure when the history records this sign-off of this deliverable', () => {
    expect(close('1', [recorded('1')]).outcome).toBe('closure_allowed');
  });

  it('refuses the closure when the sign-off in the state row was recorded for another deliverable', () => {
    const decision = close('2', [recorded('1')]);
    expect(decision.outcome).toBe('closure_refused');
    expect(decision.state?.signOff).toBeNull();
  });

  it('refuses the closure when the recorded sign-off was revoked since', () => {
    expect(close('1', [recorded('1'), revoked('1')]).outcome).toBe('closure_refused');
  });

  it('takes the stored sign-off as it is when the adapter read no history (the Forge app today)', () => {
    expect(close('2').outcome).toBe('closure_allowed');
  });
});
