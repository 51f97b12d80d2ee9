import { chainHistory } from '../../src/core/chain-history';
import { hashRecord } from '../../src/core/hash-record';
import { parseWith } from '../../src/core/parse-with';
import { historyRecordSchema, type HistoryDraft, type HistoryRecord } from '../../src/core/schemas';
import { verifyHistory } from '../../src/core/verify-history';

const actor = { id: 'u-ana', name: 'Ana Silva', email: 'ana@example.com' };
const at = '2026-11-03T10:00:00Z';

function drafts(): HistoryDraft[] {
  const b = { scopeId: 'jira:PROJ', at, actor, deliverableId: '10001' };
  return [
    { ...b, id: 'h-0', deliverableId: null, kind: 'baseline_created', data: { baselineId: 'b-1', name: 'SRS v1.0', deliverableCount: 1, criterionCount: 2 } },
    {
      ...b, id: 'h-1', kind: 'scope_changed',
      data: {
        changeId: 'c-1', kind: 'criterion_added', deliverableKey: 'PROJ-12', criterionId: 'ac-3', before: null, after: 'Receipts are PDFs',
        diff: [{ value: 'Receipts are PDFs', added: true, removed: false }], replaced: false, fromIndex: null, toIndex: 2, source: 'jira-panel', reason: null,
      },
    },
    { ...b, id: 'h-2', kind: 'reason_attached', data: { changeIds: ['c-1'], reason: 'Requested by finance' } },
    { ...b, id: 'h-3', kind: 'signoff_revoked', data: { signOffId: 'so-1', note: null } },
    { ...b, id: 'h-4', kind: 'closure_refused', data: { toState: 'Done', reasons: [{ code: 'NO_SIGNOFF', message: 'Nobody has signed off.' }] } },
  ];
}

const chain = (): HistoryRecord[] => chainHistory(null, drafts());
const withHash = (r: HistoryRecord): HistoryRecord => ({ ...r, hash: hashRecord(r) });

describe('verifyHistory — verifying a scope\'s history reports the first record whose chain breaks', () => {
  it('reports an intact chain as ok with its length', () => {
    expect(verifyHistory(chain())).toEqual({ ok: true, count: 5 });
  });

  it('reports an empty history as ok', () => {
    expect(verifyHistory([])).toEqual({ ok: true, count: 0 });
  });

  it('still verifies after a JSON round trip and re-validation, as a store reads it back', () => {
    const stored = JSON.parse(JSON.stringify(chain())) as unknown[];
    const parsed = stored.map((r) => {
      const result = parseWith(historyRecordSchema, r);
      if (!result.ok) throw new Error(result.errors.join('; '));
      return result.value;
    });
    expect(verifyHistory(parsed)).toEqual({ ok: true, count: 5 });
  });

  it('reports the edited record when a record\'s data is changed after it was written', () => {
    const records = chain();
    const edited = records[2] as Extract<HistoryRecord, { kind: 'reason_attached' }>;
    records[2] = { ...edited, data: { ...edited.data, reason: 'Requested by sales' } };
    expect(verifyHistory(records)).toMatchObject({ ok: false, index: 2, recordId: 'h-2', problem: 'HASH_MISMATCH' });
  });

  it('reports the edited record when only its time or author is changed', () => {
    const retimed = chain();
    retimed[1] = { ...retimed[1]!, at: '2026-11-01T10:00:00Z' };
    expect(verifyHistory(retimed)).toMatchObject({ ok: false, index: 1, problem: 'HASH_MISMATCH' });
    const reauthored = chain();
    reauthored[3] = { ...reauthored[3]!, actor: { id: 'u-bo', name: 'Bo', email: null } };
    expect(verifyHistory(reauthored)).toMatchObject({ ok: false, index: 3, problem: 'HASH_MISMATCH' });
  });

  it('reports the next record when an edit also recomputed the edited record\'s own hash', () => {
    const records = chain();
    records[1] = withHash({ ...records[1]!, actor: null });
    expect(verifyHistory(records)).toMatchObject({ ok: false, index: 2, recordId: 'h-2', problem: 'BROKEN_LINK' });
  });

  it('reports the record after the gap when a record is deleted', () => {
    const records = chain();
    records.splice(2, 1);
    expect(verifyHistory(records)).toMatchObject({ ok: false, index: 2, recordId: 'h-3', problem: 'SEQUENCE_GAP' });
  });

  it('reports index 0 when the first record is deleted', () => {
    expect(verifyHistory(chain().slice(1))).toMatchObject({ ok: false, index: 0, recordId: 'h-1' });
  });

  it('reports a deleted record even when later records were renumbered to hide the gap', () => {
    const records = chain();
    records.splice(2, 1);
    const renumbered = records.map((r, i) => (i >= 2 ? withHash({ ...r, seq: i }) : r));
    expect(verifyHistory(renumbered)).toMatchObject({ ok: false, index: 2, recordId: 'h-3', problem: 'BROKEN_LINK' });
  });

  it('reports the first moved record when records are reordered', () => {
    const records = chain();
    [records[1], records[3]] = [records[3]!, records[1]!];
    expect(verifyHistory(records)).toMatchObject({ ok: false, index: 1, recordId: 'h-3', problem: 'SEQUENCE_GAP' });
  });

  it('reports the record whose previous-hash was rewritten', () => {
    const records = chain();
    records[3] = { ...records[3]!, prevHash: 'f'.repeat(64) };
    expect(verifyHistory(records)).toMatchObject({ ok: false, index: 3, recordId: 'h-3', problem: 'BROKEN_LINK' });
  });

  it('reports the record whose previous-hash was rewritten even when its own hash was recomputed', () => {
    const records = chain();
    records[3] = withHash({ ...records[3]!, prevHash: 'f'.repeat(64) });
    const verdict = verifyHistory(records);
    expect(verdict).toMatchObject({ ok: false, index: 3, problem: 'BROKEN_LINK' });
    if (!verdict.ok) expect(verdict.message).toBe('record 3 (seq 3): its previous-hash does not match the record before it');
  });

  it('reports a record of another scope spliced into the chain', () => {
    const records = chain();
    records[4] = withHash({ ...records[4]!, scopeId: 'jira:OTHER' });
    expect(verifyHistory(records)).toMatchObject({ ok: false, index: 4, problem: 'WRONG_SCOPE' });
  });

  it('reports a changed scope version as an edit', () => {
    const records = chain();
    records[1] = { ...records[1]!, scopeVersion: '1.5' };
    expect(verifyHistory(records)).toMatchObject({ ok: false, index: 1, problem: 'HASH_MISMATCH' });
  });
});
