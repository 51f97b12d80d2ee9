import { hashRecord } from './hash-record';
import type { HistoryRecord } from './schemas';

export type HistoryVerdict =
  | { ok: true; count: number }
  | { ok: false; index: number; recordId: string; problem: 'HASH_MISMATCH' | 'BROKEN_LINK' | 'SEQUENCE_GAP' | 'WRONG_SCOPE'; message: string };

/** Walks a scope's chain in order and reports the first record whose link breaks. */
export function verifyHistory(records: readonly HistoryRecord[]): HistoryVerdict {
  let prev: HistoryRecord | null = null;
  for (const [index, record] of records.entries()) {
    const fail = (problem: Extract<HistoryVerdict, { ok: false }>['problem'], message: string): HistoryVerdict => ({
      ok: false, index, recordId: record.id, problem, message: `record ${index} (seq ${record.seq}): ${message}`,
    });
    if (prev && record.scopeId !== prev.scopeId) return fail('WRONG_SCOPE', `belongs to scope ${record.scopeId}, not ${prev.scopeId}`);
    const expectedSeq = prev ? prev.seq + 1 : 0;
    if (record.seq !== expectedSeq) return fail('SEQUENCE_GAP', `expected seq ${expectedSeq}`);
    const expectedPrev = prev ? prev.hash : null;
    if (record.prevHash !== expectedPrev) return fail('BROKEN_LINK', 'its previous-hash does not match the record before it');
    if (hashRecord(record) !== record.hash) return fail('HASH_MISMATCH', 'its content no longer matches its hash (edited after it was written)');
    prev = record;
  }
  return { ok: true, count: records.length };
}
