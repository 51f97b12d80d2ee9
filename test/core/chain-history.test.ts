import { advanceScopeVersion, chainHistory } from '../../src/core/chain-history';
import { hashRecord } from '../../src/core/hash-record';
import type { HistoryDraft } from '../../src/core/schemas';

const actor = { id: 'u-ana', name: 'Ana Silva', email: null };
let n = 0;
const base = () => ({ id: `h-${++n}`, scopeId: 'jira:PROJ', at: '2026-11-03T10:00:00Z', actor, deliverableId: '10001' });

const baseline = (name: string): HistoryDraft => ({
  ...base(), deliverableId: null, kind: 'baseline_created', data: { baselineId: `b-${name}`, name, deliverableCount: 2, criterionCount: 5 },
});
const change = (reason: string | null = 'Client asked'): HistoryDraft => ({
  ...base(),
  kind: 'scope_changed',
  data: {
    changeId: `c-${n}`, kind: 'criterion_modified', deliverableKey: 'PROJ-12', criterionId: 'ac-1', before: 'old', after: 'new',
    diff: null, replaced: false, fromIndex: null, toIndex: null, source: 'jira-panel', reason,
  },
});
const closed = (): HistoryDraft => ({ ...base(), kind: 'closure_allowed', data: { toState: 'Done' } });

describe('chainHistory — Each history record carries the hash of the previous record of its scope', () => {
  it('numbers records from seq 0 and links each to the hash of the one before', () => {
    const records = chainHistory(null, [baseline('SRS v1.0'), change(), closed()]);
    expect(records.map((r) => r.seq)).toEqual([0, 1, 2]);
    expect(records[0]?.prevHash).toBeNull();
    expect(records[1]?.prevHash).toBe(records[0]?.hash);
    expect(records[2]?.prevHash).toBe(records[1]?.hash);
    for (const r of records) expect(r.hash).toBe(hashRecord(r));
    expect(new Set(records.map((r) => r.hash)).size).toBe(3);
  });

  it('continues from the scope\'s head: next seq, previous hash and scope version', () => {
    const first = chainHistory(null, [baseline('SRS v1.0'), change()]);
    const head = { seq: 1, hash: first[1]!.hash, scopeVersion: '1.1' };
    const next = chainHistory(head, [change()]);
    expect(next[0]).toMatchObject({ seq: 2, prevHash: first[1]!.hash, scopeVersion: '1.2' });
  });

  it('keeps the drafts\' content unchanged and adds only the chain fields', () => {
    const draft = change('Legal requirement');
    const [record] = chainHistory(null, [baseline('SRS v1.0'), draft]).slice(1);
    const { seq: _s, scopeVersion: _v, prevHash: _p, hash: _h, ...rest } = record!;
    expect(rest).toEqual(draft);
  });

  it('gives the same records when re-run on the same head (safe to retry after a lost race)', () => {
    const drafts = [baseline('SRS v1.0'), change()];
    expect(chainHistory(null, drafts)).toEqual(chainHistory(null, drafts));
  });

  it('returns nothing for no drafts', () => {
    expect(chainHistory({ seq: 4, hash: 'a'.repeat(64), scopeVersion: '1.3' }, [])).toEqual([]);
  });
});

describe('chainHistory — scope versions: a baseline starts N.0, each scope change adds one to MINOR, a new baseline is the next MAJOR', () => {
  it('versions baseline 1.0, changes 1.1 and 1.2, re-baseline 2.0, then 2.1; other records keep the version', () => {
    const records = chainHistory(null, [
      { ...base(), kind: 'signoff_refused', data: { code: 'NO_CRITERIA', message: 'nothing to sign' } },
      baseline('SRS v1.0'),
      change(),
      closed(),
      change(),
      { ...base(), kind: 'reason_attached', data: { changeIds: ['c-1'], reason: 'Agreed in call' } },
      baseline('SRS v2.0'),
      change(),
    ]);
    expect(records.map((r) => [r.kind, r.scopeVersion])).toEqual([
      ['signoff_refused', null],
      ['baseline_created', '1.0'],
      ['scope_changed', '1.1'],
      ['closure_allowed', '1.1'],
      ['scope_changed', '1.2'],
      ['reason_attached', '1.2'],
      ['baseline_created', '2.0'],
      ['scope_changed', '2.1'],
    ]);
  });

  it('counts MINOR past 9 numerically (1.9 -> 1.10), not as text', () => {
    expect(advanceScopeVersion('1.9', 'scope_changed')).toBe('1.10');
    expect(advanceScopeVersion('1.10', 'baseline_created')).toBe('2.0');
  });

  it('refuses, as a bug, a scope change before any baseline: criteria before a baseline are a draft', () => {
    expect(() => chainHistory(null, [change()])).toThrow('scope_changed record before any baseline');
  });
});
