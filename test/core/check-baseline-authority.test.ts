import { checkBaselineAuthority } from '../../src/core/check-baseline-authority';
import { closurePolicySchema } from '../../src/core/schemas';
import { snapshotScope } from '../../src/core/snapshot-scope';
import type { DeliverableState } from '../../src/core/schemas';

const ana = { id: 'u-ana', name: 'Ana Silva', email: 'ana@client.example' };
const dev = { id: 'u-dev', name: 'Dev Builder', email: null };
const listed = closurePolicySchema.parse({ approverUserIds: ['ANA@client.example'] });
const open = closurePolicySchema.parse({});

describe('checkBaselineAuthority', () => {
  it('lets an approver take a baseline, and nobody else, when approvers are listed', () => {
    expect(checkBaselineAuthority({ actor: ana, roles: [], policy: listed, isAdministrator: false })).toEqual({ ok: true });
    expect(checkBaselineAuthority({ actor: dev, roles: [], policy: listed, isAdministrator: true })).toMatchObject({ ok: false, code: 'NOT_AN_APPROVER', message: expect.stringContaining('Dev Builder is not an approver') });
  });

  it('lets only the administrator take one when no approvers are listed', () => {
    expect(checkBaselineAuthority({ actor: dev, roles: [], policy: open, isAdministrator: true })).toEqual({ ok: true });
    expect(checkBaselineAuthority({ actor: ana, roles: [], policy: open, isAdministrator: false })).toEqual({
      ok: false,
      code: 'NOT_AN_APPROVER',
      message: 'No approvers are set for this scope, so only an administrator can record a baseline, and Ana Silva is not one.',
    });
  });

  it('lets nobody take one when the settings cannot be read', () => {
    expect(checkBaselineAuthority({ actor: ana, roles: [], policy: { ok: false, errors: ['approverRoles: expected array'] }, isAdministrator: true })).toMatchObject({ ok: false, code: 'SETTINGS_UNREADABLE' });
  });
});

describe('snapshotScope', () => {
  const state = (id: string, key: string, over: Partial<DeliverableState> = {}): DeliverableState => ({
    platform: 'linear', id, key, scopeId: 's', title: key, assigneeId: null, criteria: [], signOff: null, inScope: true, updatedAt: '2026-06-25T10:00:00.000Z', ...over,
  });

  it('lists the scope’s in-scope deliverables by key as people read keys, then by id', () => {
    const snapshot = snapshotScope([state('c', 'ENG-10'), state('b', 'ENG-2'), state('a', 'ENG-2'), state('d', 'ENG-3', { inScope: false }), state('e', 'ENG-4', { scopeId: 'other' })], 's');
    expect(snapshot.map((d) => `${d.key}/${d.id}`)).toEqual(['ENG-2/a', 'ENG-2/b', 'ENG-10/c']);
  });
});
