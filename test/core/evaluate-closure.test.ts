import { computeDigest } from '../../src/core/compute-digest';
import { describeVerdict, evaluateClosure, formatDay } from '../../src/core/evaluate-closure';
import { closurePolicySchema, closureReasonSchema, type ClosurePolicy, type Criterion, type DeliverableState, type SignOff } from '../../src/core/schemas';

const policy = (over: Partial<ClosurePolicy> = {}): ClosurePolicy => closurePolicySchema.parse(over);
const criterion = (text: string, met = false, id: string | null = null): Criterion => ({ id, text, met });
const ana = { id: 'u-ana', name: 'Ana Silva', email: 'ana@example.com' };

function signOffFor(criteria: readonly Criterion[], over: Partial<SignOff> = {}): SignOff {
  return { id: 'so-1', signer: ana, role: 'Product Owner', at: '2026-11-03T10:00:00+01:00', note: null, digest: computeDigest(criteria), ...over };
}

function deliverable(criteria: Criterion[], over: Partial<DeliverableState> = {}): DeliverableState {
  return {
    platform: 'jira', id: '10001', key: 'PROJ-12', scopeId: 'jira:PROJ', title: 'Checkout', assigneeId: 'u-dev',
    criteria, signOff: signOffFor(criteria), inScope: true, updatedAt: '2026-11-03T10:00:00Z',
    ...over,
  };
}

const codes = (state: DeliverableState, p: ClosurePolicy = policy()): string[] => {
  const verdict = evaluateClosure({ state, policy: p });
  return verdict.reasons.map((r) => r.code);
};

describe('Closure gate, default policy: at least one criterion, and a sign-off that is not stale', () => {
  it('allows closure with one criterion and a current sign-off, met or not', () => {
    expect(evaluateClosure({ state: deliverable([criterion('Exports open in Excel')]), policy: policy() })).toEqual({ allowed: true, reasons: [] });
  });

  it('A deliverable with none is visibly incomplete and cannot be closed: refuses with NO_CRITERIA', () => {
    const verdict = evaluateClosure({ state: deliverable([], { signOff: null }), policy: policy() });
    expect(verdict.allowed).toBe(false);
    expect(verdict.reasons[0]).toEqual({
      code: 'NO_CRITERIA',
      message: 'This deliverable has no acceptance criteria. Add at least one testable criterion, then ask an approver to sign it off.',
    });
  });

  it('refuses with NO_SIGNOFF when nobody has signed off', () => {
    const verdict = evaluateClosure({ state: deliverable([criterion('Exports open in Excel')], { signOff: null }), policy: policy() });
    expect(verdict).toEqual({
      allowed: false,
      reasons: [{ code: 'NO_SIGNOFF', message: 'Nobody has signed off the acceptance criteria yet. Ask an approver to sign off.' }],
    });
  });

  it('a stale sign-off no longer counts: refuses with SIGNOFF_STALE naming the signer and the day', () => {
    const accepted = [criterion('Exports open in Excel')];
    const state = deliverable([criterion('Exports open in Excel and Numbers')], { signOff: signOffFor(accepted) });
    expect(evaluateClosure({ state, policy: policy() })).toEqual({
      allowed: false,
      reasons: [{
        code: 'SIGNOFF_STALE',
        message: 'The sign-off by Ana Silva on 3 Nov 2026 no longer counts: the acceptance criteria changed after it was given. Ask an approver to sign off again.',
      }],
    });
  });

  it('names the signer by email, then by id, when the platform gave no display name', () => {
    const accepted = [criterion('a')];
    const byEmail = deliverable([criterion('b')], { signOff: signOffFor(accepted, { signer: { id: 'u-9', name: null, email: 'po@client.com' } }) });
    const byId = deliverable([criterion('b')], { signOff: signOffFor(accepted, { signer: { id: 'u-9', name: '  ', email: null } }) });
    expect(evaluateClosure({ state: byEmail, policy: policy() }).reasons[0]?.message).toContain('The sign-off by po@client.com on');
    expect(evaluateClosure({ state: byId, policy: policy() }).reasons[0]?.message).toContain('The sign-off by u-9 on');
  });

  it('ignores the approver, self sign-off and all-met options while they are off', () => {
    const criteria = [criterion('a', false)];
    const state = deliverable(criteria, { assigneeId: 'u-ana', signOff: signOffFor(criteria, { role: 'Developers' }) });
    expect(codes(state)).toEqual([]);
  });
});

describe('Closure gate option: every criterion marked met', () => {
  const p = policy({ requireAllMet: true });

  it('refuses with CRITERIA_NOT_MET quoting each unmet criterion', () => {
    const criteria = [
      criterion('Orders are placed', true),
      criterion('Given a basket,\n  when paying,   then a receipt is shown'),
      criterion('Refunds work', true),
      criterion('E-mails are sent'),
      criterion('Audit log is kept', true),
    ];
    const verdict = evaluateClosure({ state: deliverable(criteria), policy: p });
    expect(verdict.reasons).toEqual([{
      code: 'CRITERIA_NOT_MET',
      message: '2 of 5 acceptance criteria are not marked met: “Given a basket, when paying, then a receipt is shown”, “E-mails are sent”.',
    }]);
  });

  it('uses the singular for one unmet criterion', () => {
    const verdict = evaluateClosure({ state: deliverable([criterion('Only one')]), policy: p });
    expect(verdict.reasons[0]?.message).toBe('1 of 1 acceptance criterion is not marked met: “Only one”.');
  });

  it('shortens long criteria and says how many more are unmet past the first ten', () => {
    const criteria = Array.from({ length: 13 }, (_, i) => criterion(`Criterion ${i} ${'x'.repeat(100)}`));
    const message = evaluateClosure({ state: deliverable(criteria), policy: p }).reasons[0]?.message ?? '';
    expect(message.startsWith('13 of 13 acceptance criteria are not marked met: “Criterion 0 xxx')).toBe(true);
    expect(message).toContain('…”');
    expect(message).toContain('“Criterion 9 ');
    expect(message).not.toContain('“Criterion 10 ');
    expect(message.endsWith(' and 3 more.')).toBe(true);
  });

  it('allows closure once every criterion is met', () => {
    expect(codes(deliverable([criterion('a', true), criterion('b', true)]), p)).toEqual([]);
  });
});

describe('Closure gate option: no self sign-off by the assignee', () => {
  it('refuses with SELF_SIGNOFF when the assignee signed off their own deliverable', () => {
    const verdict = evaluateClosure({ state: deliverable([criterion('a')], { assigneeId: 'u-ana' }), policy: policy({ forbidSelfSignOff: true }) });
    expect(verdict.reasons).toEqual([{
      code: 'SELF_SIGNOFF',
      message: 'Ana Silva signed off their own work: they are the assignee, and this scope requires someone other than the assignee to sign off. Ask another approver to sign off.',
    }]);
  });

  it('allows a sign-off by someone other than the assignee', () => {
    expect(codes(deliverable([criterion('a')]), policy({ forbidSelfSignOff: true }))).toEqual([]);
  });

  it('does not treat an unassigned deliverable as self signed', () => {
    expect(codes(deliverable([criterion('a')], { assigneeId: null }), policy({ forbidSelfSignOff: true }))).toEqual([]);
  });
});

describe('Closure gate option: which roles/users may sign off — the signer must still be an approver', () => {
  const state = deliverable([criterion('a')]);

  it('accepts a sign-off whose role is still an approver role', () => {
    expect(codes(state, policy({ approverRoles: ['product owner'] }))).toEqual([]);
  });

  it('accepts a sign-off by a user still listed by id or by email', () => {
    expect(codes(state, policy({ approverUserIds: ['u-ana'] }))).toEqual([]);
    expect(codes(state, policy({ approverUserIds: ['ANA@example.com'] }))).toEqual([]);
  });

  it('refuses with SIGNER_NOT_AUTHORISED when the signer is no longer an approver', () => {
    const verdict = evaluateClosure({ state, policy: policy({ approverRoles: ['Client'], approverUserIds: ['u-bo'] }) });
    expect(verdict.reasons).toEqual([{
      code: 'SIGNER_NOT_AUTHORISED',
      message: 'Ana Silva signed off as “Product Owner”, but is not an approver for this scope under its current rules. Ask a current approver to sign off.',
    }]);
  });
});

describe('The gate\'s verdict names every unmet condition', () => {
  it('lists NO_CRITERIA and NO_SIGNOFF together for an empty, unsigned deliverable', () => {
    expect(codes(deliverable([], { signOff: null }), policy({ requireAllMet: true }))).toEqual(['NO_CRITERIA', 'NO_SIGNOFF']);
  });

  it('lists a stale, self-given, unauthorised sign-off and unmet criteria all at once', () => {
    const accepted = [criterion('a')];
    const state = deliverable([criterion('a'), criterion('b', true)], { assigneeId: 'u-ana', signOff: signOffFor(accepted) });
    const strict = policy({ requireAllMet: true, forbidSelfSignOff: true, approverRoles: ['Client'] });
    expect(codes(state, strict)).toEqual(['SIGNOFF_STALE', 'SELF_SIGNOFF', 'SIGNER_NOT_AUTHORISED', 'CRITERIA_NOT_MET']);
    for (const reason of evaluateClosure({ state, policy: strict }).reasons) expect(closureReasonSchema.parse(reason)).toEqual(reason);
  });

  it('describes an allowed verdict as "Ready to close"', () => {
    expect(describeVerdict({ allowed: true, reasons: [] })).toBe('Ready to close');
  });

  it('describes a refused verdict as one plain-text line per unmet condition', () => {
    const verdict = evaluateClosure({ state: deliverable([], { signOff: null }), policy: policy() });
    expect(describeVerdict(verdict)).toBe([
      'Not ready to close:',
      '- This deliverable has no acceptance criteria. Add at least one testable criterion, then ask an approver to sign it off.',
      '- Nobody has signed off the acceptance criteria yet. Ask an approver to sign off.',
    ].join('\n'));
  });
});

describe('formatDay', () => {
  it('shows the day as the signer\'s clock had it, whatever the server time zone', () => {
    expect(formatDay('2026-11-03T23:30:00-05:00')).toBe('3 Nov 2026');
    expect(formatDay('2027-01-15T00:10:00+09:00')).toBe('15 Jan 2027');
  });

  it('falls back to the raw text for something that is not an ISO time', () => {
    expect(formatDay('yesterday')).toBe('yesterday');
  });
});
