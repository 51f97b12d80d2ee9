import { checkSignOffAuthority } from '../../src/core/check-sign-off-authority';
import { closurePolicySchema, type Actor, type ClosurePolicy } from '../../src/core/schemas';

const ana: Actor = { id: 'u-ana', name: 'Ana Silva', email: 'Ana.Silva@Example.com' };
const dev: Actor = { id: 'u-dev', name: 'Dev Kumar', email: 'dev@example.com' };
const policy = (over: Partial<ClosurePolicy> = {}): ClosurePolicy => closurePolicySchema.parse(over);

describe('checkSignOffAuthority — which roles/users may sign off', () => {
  it('lets anyone sign off when the policy lists no approver users or roles', () => {
    expect(checkSignOffAuthority({ signer: dev, roles: [], policy: policy(), assigneeId: null })).toEqual({ ok: true, role: 'approver' });
  });

  it('accepts a signer holding an approver role and records the role as the policy spells it', () => {
    const result = checkSignOffAuthority({
      signer: ana,
      roles: ['Developers', ' product owner '],
      policy: policy({ approverRoles: ['Product Owner'] }),
      assigneeId: null,
    });
    expect(result).toEqual({ ok: true, role: 'Product Owner' });
  });

  it('accepts a signer listed by id with the role "approver"', () => {
    const result = checkSignOffAuthority({ signer: ana, roles: [], policy: policy({ approverUserIds: ['u-ana'] }), assigneeId: null });
    expect(result).toEqual({ ok: true, role: 'approver' });
  });

  it('accepts a signer listed by email whatever the letter case', () => {
    const result = checkSignOffAuthority({ signer: ana, roles: [], policy: policy({ approverUserIds: ['ana.silva@example.COM'] }), assigneeId: null });
    expect(result).toEqual({ ok: true, role: 'approver' });
  });

  it('prefers the matching role over the id listing when both apply', () => {
    const result = checkSignOffAuthority({
      signer: ana,
      roles: ['Client'],
      policy: policy({ approverUserIds: ['u-ana'], approverRoles: ['Client'] }),
      assigneeId: null,
    });
    expect(result).toEqual({ ok: true, role: 'Client' });
  });

  it('refuses with NOT_AN_APPROVER and names the person when neither a role nor a listing matches', () => {
    const result = checkSignOffAuthority({
      signer: dev,
      roles: ['Developers'],
      policy: policy({ approverUserIds: ['u-ana'], approverRoles: ['Product Owner'] }),
      assigneeId: null,
    });
    expect(result).toMatchObject({ ok: false, code: 'NOT_AN_APPROVER' });
    if (!result.ok) {
      expect(result.message).toContain('Dev Kumar is not an approver');
      expect(result.message).toContain('“Product Owner”');
    }
  });

  it('does not treat an id listing as matching a different user with the same name', () => {
    const impostor: Actor = { id: 'u-other', name: 'Ana Silva', email: null };
    const result = checkSignOffAuthority({ signer: impostor, roles: [], policy: policy({ approverUserIds: ['u-ana'] }), assigneeId: null });
    expect(result.ok).toBe(false);
  });

  it('refuses with SELF_SIGNOFF when no self sign-off by the assignee is required and the signer is the assignee', () => {
    const result = checkSignOffAuthority({
      signer: ana,
      roles: ['Product Owner'],
      policy: policy({ approverRoles: ['Product Owner'], forbidSelfSignOff: true }),
      assigneeId: 'u-ana',
    });
    expect(result).toMatchObject({ ok: false, code: 'SELF_SIGNOFF' });
    if (!result.ok) expect(result.message).toContain('Ana Silva is the assignee');
  });

  it('lets the assignee sign off when the scope does not forbid self sign-off', () => {
    const result = checkSignOffAuthority({ signer: ana, roles: [], policy: policy(), assigneeId: 'u-ana' });
    expect(result.ok).toBe(true);
  });

  it('reports NOT_AN_APPROVER, the more basic refusal, to an assignee who is not an approver either', () => {
    const result = checkSignOffAuthority({
      signer: dev,
      roles: [],
      policy: policy({ approverRoles: ['Product Owner'], forbidSelfSignOff: true }),
      assigneeId: 'u-dev',
    });
    expect(result).toMatchObject({ ok: false, code: 'NOT_AN_APPROVER' });
  });
});
