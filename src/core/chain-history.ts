import { hashRecord } from './hash-record';
import type { HistoryDraft, HistoryRecord } from './schemas';
import type { HistoryHead } from './store';

/** The scope version a record brings into force, given the version before it. */
export function advanceScopeVersion(current: string | null, kind: HistoryDraft['kind']): string | null {
  const [major, minor] = current ? current.split('.').map(Number) as [number, number] : [0, 0];
  if (kind === 'baseline_created') return `${major + 1}.0`;
  if (kind === 'scope_changed') {
    // Before a baseline criteria are a draft; the core never produces scope changes then.
    if (current === null) throw new Error('scope_changed record before any baseline');
    return `${major}.${minor + 1}`;
  }
  return current;
}

/**
 * Links drafts onto a scope's head: sequence numbers, scope versions, previous and own hashes.
 * Pure and deterministic, so a store can re-run it onto a newer head after a lost race.
 */
export function chainHistory(head: HistoryHead | null, drafts: readonly HistoryDraft[]): HistoryRecord[] {
  let seq = head ? head.seq : -1;
  let prevHash = head ? head.hash : null;
  let scopeVersion = head ? head.scopeVersion : null;
  return drafts.map((draft) => {
    seq += 1;
    scopeVersion = advanceScopeVersion(scopeVersion, draft.kind);
    const body = { ...draft, seq, scopeVersion, prevHash } as Omit<HistoryRecord, 'hash'>;
    const record = { ...body, hash: hashRecord(body) } as HistoryRecord;
    prevHash = record.hash;
    return record;
  });
}
