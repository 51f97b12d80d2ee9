import { advanceScopeVersion, chainHistory } from '../../src/core/chain-history';
import { parseWith } from '../../src/core/parse-with';
import { recordSettingsChange } from '../../src/core/record-settings-change';
import { historyRecordSchema } from '../../src/core/schemas';
import { verifyHistory } from '../../src/core/verify-history';

const actor = { id: 'u-pat', name: 'Pat Project Admin', email: null };
const now = '2026-11-03T10:00:00.000Z';
let ids = 0;
const newId = () => `s-${(ids += 1)}`;
const before = { approverRoles: ['Client approvers'], requireAllMet: false, deliverableIssueTypes: [], bypassPolicy: 'record' };

describe('recordSettingsChange — every settings change is on record: who, when, from → to', () => {
  it('records only the settings that changed, each from its old value to its new one, by whom and when', () => {
    const draft = recordSettingsChange({
      scopeId: '10000',
      previous: before,
      next: { ...before, approverRoles: ['Client approvers', 'Product owners'], bypassPolicy: 'reopen' },
      actor,
      now,
      newId,
    });
    expect(draft).toMatchObject({ kind: 'settings_changed', scopeId: '10000', at: now, actor, deliverableId: null });
    expect(draft?.data.changes).toEqual([
      { setting: 'approverRoles', from: ['Client approvers'], to: ['Client approvers', 'Product owners'] },
      { setting: 'bypassPolicy', from: 'record', to: 'reopen' },
    ]);
  });

  it('records nothing when the same settings are saved again, or a list is only reordered', () => {
    expect(recordSettingsChange({ scopeId: '10000', previous: before, next: { ...before }, actor, now, newId })).toBeNull();
    const two = { ...before, approverRoles: ['A', 'B'] };
    expect(recordSettingsChange({ scopeId: '10000', previous: two, next: { ...two, approverRoles: ['B', 'A'] }, actor, now, newId })).toBeNull();
  });

  it('records every setting as changed from an unreadable value when the old settings could not be read', () => {
    const draft = recordSettingsChange({ scopeId: '10000', previous: null, next: before, actor, now, newId });
    expect(draft?.data.changes.map((c) => [c.setting, c.from])).toEqual([
      ['approverRoles', null],
      ['requireAllMet', null],
      ['deliverableIssueTypes', null],
      ['bypassPolicy', null],
    ]);
  });

  it('records a setting that did not exist before as changed from nothing', () => {
    const draft = recordSettingsChange({ scopeId: '10000', previous: { requireAllMet: true }, next: { requireAllMet: true, forbidSelfSignOff: true }, actor, now, newId });
    expect(draft?.data.changes).toEqual([{ setting: 'forbidSelfSignOff', from: null, to: true }]);
  });

  it('is chained and verified like every other record, and leaves the scope version as it was', () => {
    const draft = recordSettingsChange({ scopeId: '10000', previous: before, next: { ...before, requireAllMet: true }, actor, now, newId });
    if (!draft) throw new Error('expected a draft');
    expect(advanceScopeVersion('1.3', draft.kind)).toBe('1.3');
    const [record] = chainHistory({ seq: 4, hash: 'a'.repeat(64), scopeVersion: '1.3' }, [draft]);
    expect(record).toMatchObject({ seq: 5, prevHash: 'a'.repeat(64), scopeVersion: '1.3' });
    expect(parseWith(historyRecordSchema, record)).toEqual({ ok: true, value: record });
  });

  it('lets verification find a settings record whose values were edited after it was written', () => {
    const draft = recordSettingsChange({ scopeId: '10000', previous: before, next: { ...before, requireAllMet: true }, actor, now, newId });
    if (!draft) throw new Error('expected a draft');
    const records = chainHistory(null, [draft]);
    expect(verifyHistory(records)).toEqual({ ok: true, count: 1 });
    const edited = records.map((r) => (r.kind === 'settings_changed' ? { ...r, data: { changes: [{ setting: 'requireAllMet', from: false, to: false }] } } : r));
    expect(verifyHistory(edited)).toMatchObject({ ok: false, problem: 'HASH_MISMATCH' });
  });
});
