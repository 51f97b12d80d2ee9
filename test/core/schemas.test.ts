import { chainHistory } from '../../src/core/chain-history';
import { computeDigest } from '../../src/core/compute-digest';
import { parseWith } from '../../src/core/parse-with';
import {
  actorSchema,
  baselineSchema,
  closurePolicySchema,
  closureReasonSchema,
  criterionSchema,
  deliverableSnapshotSchema,
  deliverableStateSchema,
  historyDraftSchema,
  historyRecordSchema,
  scopeChangeSchema,
  signOffSchema,
  type HistoryDraft,
} from '../../src/core/schemas';

const at = '2026-11-03T10:00:00+01:00';
const actor = { id: 'u-ana', name: 'Ana Silva', email: 'ana@example.com' };
const criteria = [{ id: 'ac-1', text: 'Invoices show VAT per line', met: false }];
const signOff = { id: 'so-1', signer: actor, role: 'Product Owner', at, note: null, digest: computeDigest(criteria) };
const scopeChange = {
  changeId: 'c-1', kind: 'criterion_modified', deliverableKey: 'PROJ-12', criterionId: 'ac-1', before: 'old text', after: 'new text',
  diff: [{ value: 'old', removed: true }, { value: 'new', added: true }, { value: ' text' }], replaced: false,
  fromIndex: null, toIndex: null, source: 'linear-webhook', reason: null,
};

/** Asserts a refusal names `path` as "path: message". */
function expectErrorAt(result: ReturnType<typeof parseWith>, path: string): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${path.replace(/\./g, '\\.')}: \\S`))]));
}

describe('schemas — every stored record is validated at the edge', () => {
  describe('criterion', () => {
    it('accepts a criterion and fills in a missing id and met flag', () => {
      expect(parseWith(criterionSchema, { text: 'Exports open in Excel' })).toEqual({ ok: true, value: { id: null, text: 'Exports open in Excel', met: false } });
    });
    it('refuses blank text, naming the field', () => {
      expectErrorAt(parseWith(criterionSchema, { text: '   ' }), 'text');
    });
    it('refuses a met flag that is not a boolean', () => {
      expectErrorAt(parseWith(criterionSchema, { text: 'a', met: 'yes' }), 'met');
    });
  });

  describe('actor', () => {
    it('accepts an actor with only an id', () => {
      expect(parseWith(actorSchema, { id: 'u-1' })).toEqual({ ok: true, value: { id: 'u-1', name: null, email: null } });
    });
    it('refuses an actor without an id', () => {
      expectErrorAt(parseWith(actorSchema, { name: 'Ana' }), 'id');
    });
  });

  describe('sign-off', () => {
    it('accepts a sign-off holding a SHA-256 digest', () => {
      expect(parseWith(signOffSchema, signOff)).toEqual({ ok: true, value: signOff });
    });
    it('refuses a digest that is not SHA-256 hex and a time without an offset, naming both fields', () => {
      const result = parseWith(signOffSchema, { ...signOff, digest: 'abc', at: '2026-11-03 10:00' });
      expectErrorAt(result, 'digest');
      expectErrorAt(result, 'at');
      if (!result.ok) expect(result.errors).toContain('digest: must be a SHA-256 hex digest');
    });
    it('names the nested field when the signer has no id', () => {
      expectErrorAt(parseWith(signOffSchema, { ...signOff, signer: { name: 'Ana' } }), 'signer.id');
    });
  });

  describe('deliverable state', () => {
    const state = { platform: 'linear', id: 'lin-1', key: 'ENG-42', scopeId: 'linear:ENG', criteria, updatedAt: at };
    it('accepts a deliverable and fills in defaults: no sign-off, in scope', () => {
      const result = parseWith(deliverableStateSchema, state);
      expect(result).toMatchObject({ ok: true, value: { ...state, title: '', assigneeId: null, signOff: null, inScope: true } });
    });
    it('refuses an unknown platform', () => {
      expectErrorAt(parseWith(deliverableStateSchema, { ...state, platform: 'trello' }), 'platform');
    });
    it('names the criterion by position when one is invalid', () => {
      expectErrorAt(parseWith(deliverableStateSchema, { ...state, criteria: [...criteria, { text: '' }] }), 'criteria.1.text');
    });
    it('refuses a deliverable without criteria list', () => {
      expectErrorAt(parseWith(deliverableStateSchema, { ...state, criteria: undefined }), 'criteria');
    });
  });

  describe('baseline and deliverable snapshot', () => {
    const snapshot = { id: '10001', key: 'PROJ-12', title: 'Invoices', criteria };
    const baseline = { id: 'b-1', scopeId: 'jira:PROJ', name: 'SRS v1.0', major: 1, createdAt: at, approvedBy: actor, deliverables: [snapshot] };
    it('accepts a snapshot and a baseline', () => {
      expect(parseWith(deliverableSnapshotSchema, snapshot)).toEqual({ ok: true, value: snapshot });
      expect(parseWith(baselineSchema, baseline)).toEqual({ ok: true, value: baseline });
    });
    it('refuses a snapshot without a key', () => {
      expectErrorAt(parseWith(deliverableSnapshotSchema, { ...snapshot, key: '' }), 'key');
    });
    it('refuses a baseline with major 0 or a nameless one, naming each field', () => {
      const result = parseWith(baselineSchema, { ...baseline, major: 0, name: ' ' });
      expectErrorAt(result, 'major');
      expectErrorAt(result, 'name');
    });
    it('names the snapshot criterion that is invalid', () => {
      expectErrorAt(parseWith(baselineSchema, { ...baseline, deliverables: [{ ...snapshot, criteria: [{ text: 5 }] }] }), 'deliverables.0.criteria.0.text');
    });
  });

  describe('scope change', () => {
    it('accepts a change without a reason: it is recorded as undocumented', () => {
      const result = parseWith(scopeChangeSchema, scopeChange);
      expect(result).toMatchObject({ ok: true, value: { reason: null, diff: [{ value: 'old', removed: true, added: false }, {}, {}] } });
    });
    it('refuses an unknown change kind and source', () => {
      const result = parseWith(scopeChangeSchema, { ...scopeChange, kind: 'criterion_renamed', source: 'email' });
      expectErrorAt(result, 'kind');
      expectErrorAt(result, 'source');
    });
    it('refuses a negative index and names the diff part that is invalid', () => {
      const result = parseWith(scopeChangeSchema, { ...scopeChange, toIndex: -1, diff: [{ value: 3 }] });
      expectErrorAt(result, 'toIndex');
      expectErrorAt(result, 'diff.0.value');
    });
    it('requires before and after to be given, even as null', () => {
      const { before: _b, ...rest } = scopeChange;
      expectErrorAt(parseWith(scopeChangeSchema, rest), 'before');
    });
  });

  describe('closure policy and closure reason', () => {
    it('fills in the default policy: no extra options, "Done" and done/completed state types', () => {
      expect(parseWith(closurePolicySchema, {})).toEqual({
        ok: true,
        value: { requireAllMet: false, forbidSelfSignOff: false, approverUserIds: [], approverRoles: [], doneStateNames: ['Done'], doneStateTypes: ['done', 'completed'] },
      });
    });
    it('refuses a blank approver role, naming its position', () => {
      expectErrorAt(parseWith(closurePolicySchema, { approverRoles: ['Product Owner', ''] }), 'approverRoles.1');
    });
    it('refuses an unknown closure reason code', () => {
      expectErrorAt(parseWith(closureReasonSchema, { code: 'TOO_LATE', message: 'x' }), 'code');
    });
  });

  describe('history drafts and records, one sample per kind', () => {
    const b = { scopeId: 'jira:PROJ', at, actor, deliverableId: '10001' };
    const valid: HistoryDraft[] = [
      { ...b, id: 'h-0', deliverableId: null, kind: 'baseline_created', data: { baselineId: 'b-1', name: 'SRS v1.0', deliverableCount: 1, criterionCount: 1 } },
      { ...b, id: 'h-1', kind: 'scope_changed', data: scopeChangeSchema.parse(scopeChange) },
      { ...b, id: 'h-2', kind: 'reason_attached', data: { changeIds: ['c-1'], reason: 'Agreed with the client on 3 Nov' } },
      { ...b, id: 'h-3', kind: 'signoff_recorded', data: { signOff } },
      { ...b, id: 'h-4', kind: 'signoff_refused', data: { code: 'NOT_AN_APPROVER', message: 'Dev is not an approver.' } },
      { ...b, id: 'h-5', kind: 'signoff_revoked', data: { signOffId: 'so-1', note: null } },
      { ...b, id: 'h-6', actor: null, kind: 'signoff_stale', data: { signOffId: 'so-1', signedDigest: signOff.digest, currentDigest: computeDigest([]) } },
      { ...b, id: 'h-7', kind: 'closure_allowed', data: { toState: 'Done' } },
      { ...b, id: 'h-8', kind: 'closure_refused', data: { toState: 'Done', reasons: [{ code: 'NO_SIGNOFF', message: 'Nobody signed off.' }] } },
      { ...b, id: 'h-9', kind: 'closure_bypassed', data: { toState: 'Done', reasons: [{ code: 'SIGNOFF_STALE', message: 'Stale.' }], action: 'reopened' } },
      {
        ...b,
        id: 'h-10',
        deliverableId: null,
        kind: 'settings_changed',
        data: { changes: [{ setting: 'approverRoles', from: ['Client approvers'], to: ['Client approvers', 'Product owners'] }, { setting: 'requireAllMet', from: null, to: true }] },
      },
    ];

    it.each(valid.map((d) => [d.kind, d] as const))('accepts a valid %s draft and its chained record unchanged', (_kind, draft) => {
      expect(parseWith(historyDraftSchema, draft)).toEqual({ ok: true, value: draft });
      const [record] = chainHistory({ seq: 0, hash: 'a'.repeat(64), scopeVersion: '1.0' }, [draft]);
      expect(parseWith(historyRecordSchema, record)).toEqual({ ok: true, value: record });
    });

    const invalid: [string, unknown, string][] = [
      ['baseline_created with a negative count', { ...valid[0], data: { ...valid[0]!.data, criterionCount: -1 } }, 'data.criterionCount'],
      ['scope_changed without a change id', { ...valid[1], data: { ...valid[1]!.data, changeId: '' } }, 'data.changeId'],
      ['reason_attached referring to no change', { ...valid[2], data: { changeIds: [], reason: 'x' } }, 'data.changeIds'],
      ['reason_attached with a blank reason', { ...valid[2], data: { changeIds: ['c-1'], reason: '  ' } }, 'data.reason'],
      ['signoff_recorded with a bad digest', { ...valid[3], data: { signOff: { ...signOff, digest: 'nope' } } }, 'data.signOff.digest'],
      ['signoff_refused without a code', { ...valid[4], data: { message: 'x' } }, 'data.code'],
      ['signoff_revoked without the sign-off id', { ...valid[5], data: { note: 'x' } }, 'data.signOffId'],
      ['signoff_stale with a bad current digest', { ...valid[6], data: { signOffId: 'so-1', signedDigest: signOff.digest, currentDigest: 'x' } }, 'data.currentDigest'],
      ['closure_allowed without a target state', { ...valid[7], data: {} }, 'data.toState'],
      ['closure_refused without reasons', { ...valid[8], data: { toState: 'Done', reasons: [] } }, 'data.reasons'],
      ['closure_bypassed with an unknown action', { ...valid[9], data: { ...valid[9]!.data, action: 'ignored' } }, 'data.action'],
      ['settings_changed listing no change', { ...valid[10], data: { changes: [] } }, 'data.changes'],
      ['settings_changed with a value that is not a setting value', { ...valid[10], data: { changes: [{ setting: 'requireAllMet', from: false, to: { on: true } }] } }, 'data.changes.0.to'],
      ['settings_changed naming no setting', { ...valid[10], data: { changes: [{ setting: ' ', from: false, to: true }] } }, 'data.changes.0.setting'],
      ['a draft with a time without an offset', { ...valid[7], at: '2026-11-03T10:00:00' }, 'at'],
      ['a draft without a scope', { ...valid[7], scopeId: '' }, 'scopeId'],
    ];

    it.each(invalid)('refuses %s, naming the field', (_name, draft, path) => {
      expectErrorAt(parseWith(historyDraftSchema, draft), path);
    });

    it('refuses an unknown record kind', () => {
      expectErrorAt(parseWith(historyDraftSchema, { ...valid[7], kind: 'closure_forced' }), 'kind');
    });

    it('refuses a record whose chain fields are malformed, naming each', () => {
      const [record] = chainHistory(null, [valid[0]!]);
      const result = parseWith(historyRecordSchema, { ...record, seq: -1, prevHash: 'zz', scopeVersion: 'v1' });
      expectErrorAt(result, 'seq');
      expectErrorAt(result, 'prevHash');
      expectErrorAt(result, 'scopeVersion');
      if (!result.ok) expect(result.errors).toContain('scopeVersion: must look like MAJOR.MINOR, e.g. 1.0');
    });
  });
});
