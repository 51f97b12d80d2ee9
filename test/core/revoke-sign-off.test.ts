import { evaluateClosure } from '../../src/core/evaluate-closure';
import { parseWith } from '../../src/core/parse-with';
import { revokeSignOff } from '../../src/core/revoke-sign-off';
import { closurePolicySchema, historyDraftSchema, type Actor, type ClosurePolicy, type DeliverableState } from '../../src/core/schemas';
import { computeDigest } from '../../src/core/compute-digest';

const NOW = '2026-11-05T16:00:00Z';
const ana: Actor = { id: 'u-ana', name: 'Ana Silva', email: 'ana@example.com' };
const bo: Actor = { id: 'u-bo', name: 'Bo Lind', email: 'bo@example.com' };
const dev: Actor = { id: 'u-dev', name: 'Dev Kumar', email: null };
const strict: ClosurePolicy = closurePolicySchema.parse({ approverRoles: ['Product Owner'], forbidSelfSignOff: true });

function signedBy(signer: Actor, over: Partial<DeliverableState> = {}): DeliverableState {
  const criteria = [{ id: 'ac-1', text: 'Invoices show VAT per line', met: true }];
  return {
    platform: 'linear', id: 'lin-1', key: 'ENG-42', scopeId: 'linear:ENG', title: 'Invoices', assigneeId: 'u-dev',
    criteria,
    signOff: { id: 'so-1', signer, role: 'Product Owner', at: '2026-11-03T10:00:00Z', note: null, digest: computeDigest(criteria) },
    inScope: true, updatedAt: '2026-11-03T10:00:00Z',
    ...over,
  };
}

describe('revokeSignOff — the signer or an approver may revoke', () => {
  it('lets the signer withdraw their own sign-off even after losing the approver role', () => {
    const result = revokeSignOff({ state: signedBy(ana), actor: ana, roles: [], policy: strict, note: 'Found a bug', now: NOW, newId: () => 'r-1' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.state.signOff).toBeNull();
    expect(result.state.updatedAt).toBe(NOW);
    expect(result.draft).toEqual({
      id: 'r-1', scopeId: 'linear:ENG', at: NOW, actor: ana, deliverableId: 'lin-1', kind: 'signoff_revoked',
      data: { signOffId: 'so-1', note: 'Found a bug' },
    });
    expect(parseWith(historyDraftSchema, result.draft).ok).toBe(true);
  });

  it('lets another approver revoke someone else\'s sign-off', () => {
    const result = revokeSignOff({ state: signedBy(ana), actor: bo, roles: ['product owner'], policy: strict, note: null, now: NOW, newId: () => 'r-2' });
    expect(result.ok).toBe(true);
  });

  it('lets an approver who is the assignee revoke: revoking only makes the gate stricter', () => {
    const state = signedBy(ana, { assigneeId: 'u-bo' });
    const result = revokeSignOff({ state, actor: bo, roles: ['Product Owner'], policy: strict, note: null, now: NOW, newId: () => 'r-3' });
    expect(result.ok).toBe(true);
  });

  it('refuses with NOT_AN_APPROVER when someone who is neither the signer nor an approver tries to revoke', () => {
    const state = signedBy(ana);
    const result = revokeSignOff({ state, actor: dev, roles: ['Developers'], policy: strict, note: null, now: NOW, newId: () => 'r-4' });
    expect(result).toMatchObject({ ok: false, code: 'NOT_AN_APPROVER' });
    if (!result.ok) expect(result.message).toContain('Only Ana Silva, who gave the sign-off, or an approver');
    expect(state.signOff).not.toBeNull();
  });

  it('refuses with NO_SIGNOFF when there is nothing to revoke', () => {
    const result = revokeSignOff({ state: signedBy(ana, { signOff: null }), actor: ana, roles: [], policy: strict, note: null, now: NOW, newId: () => 'r-5' });
    expect(result).toEqual({ ok: false, code: 'NO_SIGNOFF', message: 'ENG-42 has no sign-off to revoke.' });
  });

  it('closes the gate again: after a revocation the deliverable cannot close without a new sign-off', () => {
    const before = signedBy(ana);
    expect(evaluateClosure({ state: before, policy: closurePolicySchema.parse({}) }).allowed).toBe(true);
    const result = revokeSignOff({ state: before, actor: ana, roles: [], policy: strict, note: null, now: NOW, newId: () => 'r-6' });
    if (!result.ok) throw new Error(result.message);
    const verdict = evaluateClosure({ state: result.state, policy: closurePolicySchema.parse({}) });
    expect(verdict.reasons.map((r) => r.code)).toEqual(['NO_SIGNOFF']);
  });
});
