import { sql } from 'kysely';
import type { HistoryRecord } from '../core/schemas';
import { verifyScopeIntegrity, type IntegrityProblem } from '../core/verify-scope-integrity';
import type { SqlStore } from './sql-store';
import { readNewestCheckpoint } from './write-checkpoint';

// `scopekeeper verify`: reads every scope's chain, head, derived columns and deliverables, and
// the newest signed checkpoint, and lets the core judge them (verify-scope-integrity.ts).

export interface StoreVerification {
  scopes: number;
  records: number;
  /** The checkpoint file compared against, or null when none was written yet. */
  checkpoint: string | null;
  problems: IntegrityProblem[];
}

export async function verifyStore(store: SqlStore, dataDir: string): Promise<StoreVerification> {
  const db = store.database;
  const problems: IntegrityProblem[] = [];
  const checkpoint = await readNewestCheckpoint(dataDir);
  if (!checkpoint.ok) problems.push(...checkpoint.errors.map((message) => ({ code: 'CHECKPOINT_MISSING' as const, message })));
  const heads = (await sql<{ scope_id: string }>`select scope_id from history_heads`.execute(db)).rows.map((row) => row.scope_id);
  const fromRecords = (await sql<{ scope_id: string }>`select distinct scope_id from history`.execute(db)).rows.map((row) => row.scope_id);
  const inCheckpoint = checkpoint.ok && checkpoint.value ? Object.keys(checkpoint.value.heads) : [];
  const scopes = [...new Set([...heads, ...fromRecords, ...inCheckpoint])].sort();
  let count = 0;
  for (const scopeId of scopes) {
    const records: HistoryRecord[] = [];
    for await (const record of store.readHistory(scopeId)) records.push(record);
    count += records.length;
    const derived = (
      await sql<{ id: string; seq: number; kind: string; deliverable_id: string | null; hash: string; without_reason: boolean }>`
        select id, seq, kind, deliverable_id, hash, without_reason from history where scope_id = ${scopeId} order by seq`.execute(db)
    ).rows.map((row) => ({ id: row.id, seq: row.seq, kind: row.kind, deliverableId: row.deliverable_id, hash: row.hash, withoutReason: row.without_reason }));
    const deliverables = (await store.listDeliverables(scopeId)).map((entry) => entry.state);
    const head = await store.getHistoryHead(scopeId);
    const named = checkpoint.ok ? checkpoint.value?.heads[scopeId] : undefined;
    problems.push(
      ...verifyScopeIntegrity({
        scopeId,
        records,
        head,
        derived,
        deliverables,
        checkpoint: named && checkpoint.ok && checkpoint.value ? { ...named, at: checkpoint.value.at } : null,
      }),
    );
  }
  return { scopes: scopes.length, records: count, checkpoint: checkpoint.ok ? checkpoint.file : null, problems };
}
