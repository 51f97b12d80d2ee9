import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { chainHistory } from '../core/chain-history';
import { baselineSchema, deliverableStateSchema, type Baseline, type DeliverableState, type HistoryRecord, type Platform } from '../core/schemas';
import {
  assertCommitShape,
  parseStoredJson,
  readStored,
  readStoredRecord,
  type CommitResult,
  type ConsoleScopeStore,
  type ScopeTrendDay,
  type HistoryCounts,
  type HistoryHead,
  type HistoryPage,
  type HistoryQuery,
  type ScopeListing,
  type ScopeSettingsWrite,
  type StoreCommit,
  type StoredConsoleSession,
  type StoredScopeSettings,
  type StoreConflictCode,
  type StoredDeliverable,
} from '../core/store';
import type { Database, HistoryTable } from './database';
import { clampHistoryLimit, decodeHistoryCursor, encodeHistoryCursor } from '../core/encode-history-cursor';
import { migrateToLatest, type MigrationSet } from './migrate-to-latest';
import { describeError, reportFaultOnConsole, type ReportFault } from './report-fault';
import { createSlots } from './create-slots';

export type SqlBackend = 'pglite' | 'postgres';

/** What the SQL store recovers from: logged and counted through `onFault`. */
export const SQL_STORE_FAULT_KINDS = ['analyze_failed', 'close_after_failed_open_failed', 'idle_connection_lost'] as const;
export type SqlStoreFaultKind = (typeof SQL_STORE_FAULT_KINDS)[number];

export interface SqlStoreOptions {
  /** Where recovered faults go; default a console line. The service logs and counts them. */
  onFault?: ReportFault;
  /** Runs once the database is closed: openStore releases the PGlite directory lock here. */
  onClosed?: () => Promise<void>;
  /** Awaited as the close begins: refuses new queries and waits for those in flight (openStore: drain-on-close.ts). */
  drainQueries?: () => Promise<void>;
}

/**
 * A history record with one of the commit's ids is stored already. Record ids are derived from
 * what caused them (a delivery, a comment), so this is the same cause seen again: callers of
 * commitWith treat it as done, not as a fault. Nothing of the commit is written.
 */
export type RecordExists = { ok: false; code: 'RECORD_EXISTS'; message: string };
export type SqlCommitResult = CommitResult | RecordExists;

/** Work another adapter does on its own tables inside a commit's transaction (see openTables). */
export type TransactionWork<Tables> = (trx: Transaction<Tables>) => Promise<void>;

const READ_BATCH = 1000;
const LONG_READS_AT_ONCE = 4;
/** 13 parameters a row: 500 rows stay far below PostgreSQL's 65,535 bind parameters. */
const INSERT_BATCH = 500;
const MAX_ATTEMPTS = 5;
/** PGlite runs no autovacuum; this many appended records trigger a manual ANALYZE. */
const ANALYZE_EVERY = 5_000;
/** Concurrent reads of deliverables or baselines answered by one query. */
const READ_COALESCE_MAX = 100;

/** An expected refusal; thrown inside the transaction only to roll it back. */
class CommitConflict extends Error {
  constructor(readonly code: StoreConflictCode | RecordExists['code'], message: string) {
    super(message);
  }
}

/**
 * The storage port on SQL: the same code, schema and migrations run on embedded PGlite and
 * on PostgreSQL (see docs/adr/0001-sql-store-kysely.md).
 */
export class SqlStore implements ConsoleScopeStore {
  private closed = false;
  // Long reads hold a pooled connection each (of pg's 10): a few at once, the rest queue.
  private readonly longReads = createSlots(LONG_READS_AT_ONCE);
  private appendedSinceAnalyze = 0;
  private readonly reportFault: ReportFault;
  private readonly onClosed: (() => Promise<void>) | null;
  private readonly drainQueries: (() => Promise<void>) | null;
  // Reads made while another is in flight share one query (the inbox worker reads for several
  // deliveries at once; on PGlite every statement costs a fixed share of the one thread).
  private readonly loadDeliverable: (key: DeliverableKey) => Promise<StoredDeliverable | null>;
  private readonly loadActiveBaseline: (scopeId: string) => Promise<Baseline | null>;

  constructor(
    private readonly db: Kysely<Database>,
    readonly backend: SqlBackend,
    options: SqlStoreOptions = {},
  ) {
    this.reportFault = options.onFault ?? reportFaultOnConsole;
    this.onClosed = options.onClosed ?? null;
    this.drainQueries = options.drainQueries ?? null;
    this.loadDeliverable = coalesceCalls((keys) => readDeliverables(this.db, keys), { maxBatch: READ_COALESCE_MAX });
    this.loadActiveBaseline = coalesceCalls((scopeIds) => readActiveBaselines(this.db, scopeIds), { maxBatch: READ_COALESCE_MAX });
  }

  /**
   * The raw handle, for tests and benches that inspect or edit rows behind the store's back.
   * Adapters never use it: their own tables come from `openTables`.
   */
  get database(): Kysely<Database> {
    return this.db;
  }

  /**
   * Tables another adapter keeps beside the scope tables (the Linear queue's inbox and outbox),
   * so its writes can share a transaction with a commit (`commitWith`, `commitBatch`). Runs the
   * adapter's own migrations first, in order, with their own bookkeeping table; the handle's type
   * shows only those tables, so the scope tables stay behind the port.
   */
  async openTables<Tables>(set: MigrationSet): Promise<Kysely<Tables>> {
    await migrateToLatest(this.db as Kysely<unknown>, set);
    // Kysely's table types are compile-time only: the same connection, typed for those tables.
    return this.db as unknown as Kysely<Tables>;
  }

  async getDeliverable(platform: Platform, deliverableId: string): Promise<StoredDeliverable | null> {
    return this.loadDeliverable({ platform, id: deliverableId });
  }

  async listDeliverables(scopeId: string): Promise<StoredDeliverable[]> {
    const rows = await this.db
      .selectFrom('deliverables')
      .select(['platform', 'id', 'version', sql<string>`state::text`.as('state')])
      .where('scope_id', '=', scopeId)
      .orderBy('platform')
      .orderBy('id')
      .execute();
    return rows.map(readDeliverable);
  }

  async getActiveBaseline(scopeId: string): Promise<Baseline | null> {
    return this.loadActiveBaseline(scopeId);
  }

  async listBaselines(scopeId: string): Promise<Baseline[]> {
    const rows = await this.db
      .selectFrom('baselines')
      .select(['scope_id', 'major', sql<string>`payload::text`.as('payload')])
      .where('scope_id', '=', scopeId)
      .orderBy('major')
      .execute();
    return rows.map(readBaseline);
  }

  async getHistoryHead(scopeId: string): Promise<HistoryHead | null> {
    const row = await this.db
      .selectFrom('history_heads')
      .select(['seq', 'hash', 'scope_version'])
      .where('scope_id', '=', scopeId)
      .executeTakeFirst();
    return row ? { seq: row.seq, hash: row.hash, scopeVersion: row.scope_version } : null;
  }

  async queryHistory(query: HistoryQuery): Promise<HistoryPage> {
    const limit = clampHistoryLimit(query.limit);
    let select = this.db
      .selectFrom('history')
      .select(['seq', sql<string>`record::text`.as('record')])
      .where('scope_id', '=', query.scopeId);
    if (query.cursor) select = select.where('seq', '<', decodeHistoryCursor(query.cursor));
    if (query.deliverableId !== undefined) select = select.where('deliverable_id', '=', query.deliverableId);
    // An empty kinds list means "no kind selected", which UIs treat as "all kinds".
    if (query.kinds && query.kinds.length > 0) select = select.where('kind', 'in', query.kinds);
    if (query.authorId !== undefined) select = select.where('actor_id', '=', query.authorId);
    if (query.from !== undefined) select = select.where('at', '>=', query.from);
    if (query.to !== undefined) select = select.where('at', '<=', query.to);
    if (query.undocumentedOnly) {
      select = select
        .where('without_reason', '=', true)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('change_reasons')
                .select(sql<number>`1`.as('one'))
                .whereRef('change_reasons.scope_id', '=', 'history.scope_id')
                // Reasons refer to the change id; a record id is accepted too, as the core's
                // findUndocumentedChanges does.
                .where((eb) =>
                  eb.or([
                    eb('change_reasons.change_id', '=', eb.ref('history.change_id')),
                    eb('change_reasons.change_id', '=', eb.ref('history.id')),
                  ]),
                ),
            ),
          ),
        );
    }
    // One extra row tells whether another page exists without a count query.
    const rows = await select.orderBy('seq', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      records: page.map(readHistoryRow),
      nextCursor: rows.length > limit && last ? encodeHistoryCursor(last.seq) : null,
    };
  }

  async *readHistory(scopeId: string): AsyncIterable<HistoryRecord> {
    for await (const page of this.readHistoryPagesSince(scopeId, 0)) yield* page;
  }

  async *readHistoryPagesSince(scopeId: string, fromSeq: number): AsyncIterable<HistoryRecord[]> {
    // Batches by seq, so a scope with 100,000 records never sits in memory at once.
    const since = this.db
      .selectFrom('history')
      .select(['seq', sql<string>`record::text`.as('record')])
      .where('scope_id', '=', scopeId)
      .orderBy('seq');
    if (this.backend === 'postgres') {
      // One query read through a cursor, a page at a time. Pages of separate queries each arrive
      // over several socket reads while pg gathers the rows, so they outlive young-generation
      // collections and pile up in the old one: a 100,000-record export grew the service by
      // 70-90 MB before V8 collected, against 10-20 MB this way (BENCHMARKS.md). It also reads
      // the whole chain from one snapshot.
      const giveBack = await this.longReads.take();
      try {
        let page: HistoryRecord[] = [];
        for await (const row of since.where('seq', '>=', fromSeq).stream(READ_BATCH)) {
          page.push(readHistoryRow(row));
          if (page.length < READ_BATCH) continue;
          yield page;
          page = [];
        }
        if (page.length > 0) yield page;
      } finally {
        giveBack();
      }
      return;
    }
    // PGlite answers a query whole (its Kysely dialect's stream too), so it reads by pages.
    let after = fromSeq - 1;
    for (;;) {
      const rows = await since.where('seq', '>', after).limit(READ_BATCH).execute();
      if (rows.length > 0) yield rows.map(readHistoryRow);
      const last = rows[rows.length - 1];
      if (!last || rows.length < READ_BATCH) return;
      after = last.seq;
    }
  }

  async findUndocumented(scopeId: string, records: readonly HistoryRecord[]): Promise<Set<string>> {
    // Same rule as queryHistory's undocumentedOnly: a blank reason is none, and a reason may name the change id or the record id.
    const candidates = records.flatMap((r) => (r.kind === 'scope_changed' && !r.data.reason?.trim() ? [{ id: r.id, changeId: r.data.changeId }] : []));
    const ids = [...new Set(candidates.flatMap((c) => [c.id, c.changeId]))];
    const documented = new Set<string>();
    for (let start = 0; start < ids.length; start += READ_BATCH) {
      const rows = await this.db
        .selectFrom('change_reasons')
        .select('change_id')
        .where('scope_id', '=', scopeId)
        .where('change_id', 'in', ids.slice(start, start + READ_BATCH))
        .execute();
      for (const row of rows) documented.add(row.change_id);
    }
    return new Set(candidates.filter((c) => !documented.has(c.id) && !documented.has(c.changeId)).map((c) => c.id));
  }

  async commit(write: StoreCommit): Promise<CommitResult> {
    return asPortResult(await this.commitWith(write, null));
  }

  /**
   * `commit`, plus the caller's own writes in the same transaction, run after the scope commit
   * succeeded: on a conflict neither is written. A retried history append runs `alsoInTransaction`
   * again on the fresh transaction, so it must only write (no side effects outside the database).
   * With `write` null only the caller's writes run.
   */
  async commitWith<Tables>(write: StoreCommit | null, alsoInTransaction: TransactionWork<Tables> | null): Promise<SqlCommitResult> {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.tryCommits([write], alsoInTransaction);
      if (outcome instanceof CommitConflict) return describeConflict(outcome);
      if (outcome !== 'LOST_RACE') return outcome[0] ?? { ok: true, versions: {}, records: [] };
      if (attempt >= MAX_ATTEMPTS) {
        return {
          ok: false,
          code: 'HISTORY_CONFLICT',
          message: `scope ${write?.scopeId ?? '?'}: other writers kept appending history; gave up after ${MAX_ATTEMPTS} attempts`,
        };
      }
      await sleep(attempt * 5 + Math.random() * 20);
    }
  }

  /**
   * Several commits in one transaction, as if committed one after another in the given order,
   * then the caller's own writes (as in `commitWith`; null commits are allowed). The commits
   * share statements (one update for all deliverables, one insert for all records, one move of
   * each scope's head), which is what makes a batch cheaper than a commit each.
   *
   * All or nothing: when any commit would conflict (VERSION_CONFLICT, HISTORY_CONFLICT,
   * BASELINE_EXISTS, two commits of one deliverable) or a concurrent writer won a race, nothing
   * is written and the answer is null; commit them one by one with `commitWith` to learn each
   * one's result. Faults throw, and nothing is written then either.
   */
  async commitBatch<Tables>(writes: readonly (StoreCommit | null)[], alsoInTransaction: TransactionWork<Tables> | null): Promise<CommitResult[] | null> {
    const outcome = await this.tryCommits(writes, alsoInTransaction);
    return Array.isArray(outcome) ? outcome : null;
  }

  /** The one commit path: a single commit is a batch of one. Conflicts and lost races come back as values. */
  private async tryCommits<Tables>(
    writes: readonly (StoreCommit | null)[],
    alsoInTransaction: TransactionWork<Tables> | null,
  ): Promise<CommitResult[] | CommitConflict | 'LOST_RACE'> {
    for (const write of writes) if (write) assertCommitShape(write);
    try {
      const results = await this.db.transaction().execute(async (trx) => {
        const applied = await applyCommits(trx, writes);
        // Kysely's table types are compile-time only: the other adapter's view of the same transaction.
        if (alsoInTransaction) await alsoInTransaction(trx as unknown as Transaction<Tables>);
        return applied;
      });
      await this.noteAppended(results.reduce((sum, result) => sum + (result.ok ? result.records.length : 0), 0));
      return results;
    } catch (error) {
      if (error instanceof CommitConflict) return error;
      if (isLostRace(error)) return 'LOST_RACE';
      if (isRecordIdTaken(error)) return new CommitConflict('RECORD_EXISTS', `a history record with this id is already stored (${String(pgError(error).detail ?? 'duplicate id')})`);
      throw error;
    }
  }

  /**
   * Appends records that are already chained (by `chainHistory`) in large batches, for imports
   * and benchmarks where a commit per record would be too slow. The records must continue the
   * scope's current head exactly; anything else is a caller bug and throws.
   */
  async appendChainedHistory(scopeId: string, records: readonly HistoryRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      const head = (await lockHeads(trx, [scopeId])).get(scopeId) ?? null;
      let expected: { seq: number; prevHash: string | null } = { seq: head ? head.seq + 1 : 0, prevHash: head?.hash ?? null };
      for (const record of records) {
        if (record.scopeId !== scopeId || record.seq !== expected.seq || record.prevHash !== expected.prevHash) {
          throw new Error(`record ${record.id} (seq ${record.seq}) does not continue the history of scope ${scopeId} at seq ${expected.seq}`);
        }
        expected = { seq: record.seq + 1, prevHash: record.hash };
      }
      await insertRecords(trx, records);
      await moveHead(trx, scopeId, head, records[records.length - 1] as HistoryRecord);
    });
    // A bulk load changes the data's shape at once; plans must not wait for autovacuum (or, on
    // PGlite, forever) to learn about it.
    await this.analyzeHistory();
  }

  /**
   * The history queries only stay fast with fresh statistics: without them the planner guesses a
   * scope holds 0.5% of the rows and sorts every undocumented change instead of walking the index.
   * PostgreSQL's autovacuum keeps them fresh; PGlite has no background workers, so the store does.
   */
  private async noteAppended(count: number): Promise<void> {
    if (this.backend !== 'pglite' || count === 0) return;
    this.appendedSinceAnalyze += count;
    if (this.appendedSinceAnalyze < ANALYZE_EVERY) return;
    this.appendedSinceAnalyze = 0;
    try {
      await this.analyzeHistory();
    } catch (error) {
      // The commit is already durable; failing it now would invite a retry that duplicates it.
      // Statistics only speed queries up, and the next threshold tries again.
      this.reportFault({
        source: 'sql-store',
        kind: 'analyze_failed' satisfies SqlStoreFaultKind,
        message: `ANALYZE after ${ANALYZE_EVERY} appended records failed (${describeError(error)}); history queries may plan badly until the next one`,
        error,
      });
    }
  }

  private async analyzeHistory(): Promise<void> {
    await sql`analyze history, change_reasons`.execute(this.db);
  }

  async listScopes(prefix: string): Promise<ScopeListing[]> {
    const { rows } = await sql<{ scope_id: string; sample_key: string | null }>`
      select s.scope_id, (select d.state->>'key' from deliverables d where d.scope_id = s.scope_id order by d.platform, d.id limit 1) as sample_key
      from (select scope_id from history_heads union select distinct scope_id from deliverables) as s
      where starts_with(s.scope_id, ${prefix})
      order by s.scope_id`.execute(this.db);
    return rows.map((row) => ({ scopeId: row.scope_id, sampleKey: row.sample_key }));
  }

  async countHistory(scopeId: string): Promise<HistoryCounts> {
    // Same rule as queryHistory's undocumentedOnly; bypasses as computeSignals counts them. Each
    // count walks its own partial index (migration 0005), never the records themselves; seqs are
    // dense from 0, so the head gives the number of records.
    const { rows } = await sql<{ records: number; undocumented: number; bypasses: number; allowed: number }>`
      select
        coalesce((select seq + 1 from history_heads where scope_id = ${scopeId}), 0)::int as records,
        (select count(*) from history h where h.scope_id = ${scopeId} and h.without_reason
          and not exists (select 1 from change_reasons r where r.scope_id = h.scope_id and r.change_id = h.change_id)
          and not exists (select 1 from change_reasons r where r.scope_id = h.scope_id and r.change_id = h.id))::int as undocumented,
        (select count(*) from history h where h.scope_id = ${scopeId} and h.kind = 'closure_bypassed' and h.record->'data'->>'action' = 'recorded')::int as bypasses,
        (select count(*) from history h where h.scope_id = ${scopeId} and h.kind = 'closure_allowed')::int as allowed`.execute(this.db);
    const row = rows[0];
    return row ? { records: row.records, undocumented: row.undocumented, bypasses: row.bypasses, closures: row.bypasses + row.allowed } : { records: 0, undocumented: 0, bypasses: 0, closures: 0 };
  }

  async readScopeStamp(scopeId: string): Promise<string> {
    // Every write moves one of these: an appended record the head, a baseline the newest major,
    // a deliverable write its version (or the set of ids, when one is added or moves scope).
    const { rows } = await sql<{ stamp: string }>`
      select concat_ws('/',
        coalesce((select seq from history_heads where scope_id = ${scopeId}), -1),
        coalesce((select max(major) from baselines where scope_id = ${scopeId}), 0),
        coalesce((select md5(string_agg(d.platform || ':' || d.id || ':' || d.version, ',' order by d.platform, d.id)) from deliverables d where d.scope_id = ${scopeId}), '-')) as stamp`.execute(this.db);
    return rows[0]?.stamp ?? '';
  }

  async readScopeTrend(scopeId: string, days: number): Promise<ScopeTrendDay[]> {
    // The window ends at the latest record, so a quiet team still shows its last month of work;
    // (scope_id, at) is indexed. Undocumented: the same rule as countHistory.
    const { rows } = await sql<{ day: string; scope_version: string | null; changes: number; undocumented: number }>`
      select to_char(h.at at time zone 'UTC', 'YYYY-MM-DD') as day,
        (array_agg(h.scope_version order by h.seq desc))[1] as scope_version,
        (count(*) filter (where h.kind = 'scope_changed'))::int as changes,
        (count(*) filter (where h.without_reason
          and not exists (select 1 from change_reasons r where r.scope_id = h.scope_id and r.change_id = h.change_id)
          and not exists (select 1 from change_reasons r where r.scope_id = h.scope_id and r.change_id = h.id)))::int as undocumented
      from history h
      where h.scope_id = ${scopeId}
        and h.at >= (select date_trunc('day', l.at at time zone 'UTC') at time zone 'UTC' - make_interval(days => ${days - 1})
                    from history l where l.scope_id = ${scopeId} order by l.seq desc limit 1)
      group by 1 order by 1`.execute(this.db);
    return rows.map((row) => ({ day: row.day, scopeVersion: row.scope_version, changes: row.changes, undocumented: row.undocumented }));
  }

  async readDeliverableKeys(scopeId: string, ids?: readonly string[]): Promise<Map<string, string>> {
    const keys = new Map<string, string>();
    if (ids && ids.length === 0) return keys;
    let select = this.db
      .selectFrom('deliverables')
      .select(['id', sql<string | null>`state->>'key'`.as('key')])
      .where('scope_id', '=', scopeId);
    if (ids) select = select.where('id', 'in', [...new Set(ids)]);
    for (const row of await select.execute()) if (row.key !== null) keys.set(row.id, row.key);
    return keys;
  }

  async findDeliverableIdByKey(scopeId: string, key: string): Promise<string | null> {
    // upper(state->>'key') is indexed (migration 0005): no scan of the scope's states.
    const row = await this.db
      .selectFrom('deliverables')
      .select('id')
      .where('scope_id', '=', scopeId)
      .where(sql`upper(state->>'key')`, '=', key.toUpperCase())
      .orderBy('platform')
      .orderBy('id')
      .executeTakeFirst();
    return row?.id ?? null;
  }

  async insertConsoleSession(session: StoredConsoleSession): Promise<void> {
    await this.db
      .insertInto('console_sessions')
      .values({ id_hash: session.idHash, identity: jsonb(session.identity), csrf_token: session.csrfToken, expires_at: session.expiresAt })
      .execute();
  }

  async readConsoleSession(idHash: string): Promise<StoredConsoleSession | null> {
    const row = await this.db
      .selectFrom('console_sessions')
      .select(['id_hash', sql<string>`identity::text`.as('identity'), 'csrf_token', 'expires_at'])
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
    if (!row) return null;
    return { idHash: row.id_hash, identity: parseStoredJson(row.identity, 'a console session'), csrfToken: row.csrf_token, expiresAt: new Date(row.expires_at).toISOString() };
  }

  async deleteConsoleSessions(idHash: string | null, now: string): Promise<void> {
    await this.db
      .deleteFrom('console_sessions')
      .where((eb) => (idHash === null ? eb('expires_at', '<=', now) : eb.or([eb('id_hash', '=', idHash), eb('expires_at', '<=', now)])))
      .execute();
  }

  async readScopeSettings(scopeId: string): Promise<StoredScopeSettings | null> {
    const row = await this.db
      .selectFrom('scope_settings')
      .select(['version', sql<string>`settings::text`.as('settings')])
      .where('scope_id', '=', scopeId)
      .executeTakeFirst();
    return row ? { version: row.version, settings: parseStoredJson(row.settings, `settings of scope ${scopeId}`) } : null;
  }

  async commitScopeSettings(write: StoreCommit, settings: ScopeSettingsWrite): Promise<CommitResult> {
    const now = new Date().toISOString();
    return asPortResult(await this.commitWith<Database>(write, async (trx) => {
      const value = jsonb(settings.settings);
      const row =
        settings.expectedVersion === null
          ? await trx
              .insertInto('scope_settings')
              .values({ scope_id: write.scopeId, version: 1, settings: value, updated_at: now })
              .onConflict((conflict) => conflict.column('scope_id').doNothing())
              .returning('version')
              .executeTakeFirst()
          : await trx
              .updateTable('scope_settings')
              .set({ version: settings.expectedVersion + 1, settings: value, updated_at: now })
              .where('scope_id', '=', write.scopeId)
              .where('version', '=', settings.expectedVersion)
              .returning('version')
              .executeTakeFirst();
      if (!row) throw new CommitConflict('VERSION_CONFLICT', `the settings of scope ${write.scopeId} changed since they were read`);
    }));
  }

  /**
   * Waits for the queries in flight, then closes the database; a query asked for meanwhile or
   * later is refused with StoreClosingError (drain-on-close.ts, wired by openStore).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.drainQueries?.();
      await this.db.destroy();
    } finally {
      await this.onClosed?.();
    }
  }
}

type DeliverableKey = { platform: Platform; id: string };

/**
 * Applies commits in order with shared statements (one commit is a batch of one); any conflict
 * throws CommitConflict, which rolls the transaction back.
 */
async function applyCommits(trx: Transaction<Database>, writes: readonly (StoreCommit | null)[]): Promise<CommitResult[]> {
  const versions: Record<string, number>[] = writes.map(() => ({}));
  const updates: { index: number; state: DeliverableState; expectedVersion: number }[] = [];
  const inserts: { index: number; state: DeliverableState }[] = [];
  const written = new Set<string>();
  writes.forEach((write, index) => {
    for (const { state, expectedVersion } of write?.deliverables ?? []) {
      const key = deliverableKey(state);
      // The second would have to see the first's version: only one after the other can tell.
      if (written.has(key)) throw new CommitConflict('VERSION_CONFLICT', `deliverable ${key} is written by two commits of one batch`);
      written.add(key);
      if (expectedVersion === null) inserts.push({ index, state });
      else updates.push({ index, state, expectedVersion });
    }
  });
  // A fixed order keeps two commits touching the same deliverables from deadlocking. An update
  // joined to a VALUES list takes its row locks in plan order, though, so a deadlock with another
  // writer is still possible: PostgreSQL aborts one side, which is retried as a lost race.
  const byKey = (a: { state: DeliverableState }, b: { state: DeliverableState }) => compareKeys(deliverableKey(a.state), deliverableKey(b.state));
  updates.sort(byKey);
  inserts.sort(byKey);

  for (let start = 0; start < updates.length; start += INSERT_BATCH) {
    const chunk = updates.slice(start, start + INSERT_BATCH);
    const values = chunk.map(
      ({ state, expectedVersion }) =>
        sql`(${state.platform}, ${state.id}, cast(${expectedVersion} as integer), ${state.scopeId}, cast(${JSON.stringify(state)} as jsonb), cast(${state.updatedAt} as timestamptz))`,
    );
    const { rows } = await sql<{ platform: string; id: string; version: number }>`
      update deliverables as d
      set scope_id = v.scope_id, version = d.version + 1, state = v.state, updated_at = v.updated_at
      from (values ${sql.join(values)}) as v(platform, id, expected_version, scope_id, state, updated_at)
      where d.platform = v.platform and d.id = v.id and d.version = v.expected_version
      returning d.platform, d.id, d.version`.execute(trx);
    if (rows.length !== chunk.length) {
      const done = new Set(rows.map((row) => `${row.platform}:${row.id}`));
      const missed = chunk.find(({ state }) => !done.has(deliverableKey(state)));
      throw new CommitConflict(
        'VERSION_CONFLICT',
        `deliverable ${missed ? deliverableKey(missed.state) : '?'} is not at version ${missed?.expectedVersion ?? '?'}: it changed since it was read, or was never stored`,
      );
    }
    const byKeyVersion = new Map(rows.map((row) => [`${row.platform}:${row.id}`, row.version]));
    for (const { index, state } of chunk) (versions[index] as Record<string, number>)[deliverableKey(state)] = byKeyVersion.get(deliverableKey(state)) as number;
  }
  for (let start = 0; start < inserts.length; start += INSERT_BATCH) {
    const chunk = inserts.slice(start, start + INSERT_BATCH);
    const rows = await trx
      .insertInto('deliverables')
      .values(chunk.map(({ state }) => ({ platform: state.platform, id: state.id, scope_id: state.scopeId, version: 1, state: jsonb(state), updated_at: state.updatedAt })))
      .onConflict((conflict) => conflict.columns(['platform', 'id']).doNothing())
      .returning(['platform', 'id', 'version'])
      .execute();
    if (rows.length !== chunk.length) {
      const done = new Set(rows.map((row) => `${row.platform}:${row.id}`));
      const existing = chunk.find(({ state }) => !done.has(deliverableKey(state)));
      throw new CommitConflict('VERSION_CONFLICT', `deliverable ${existing ? deliverableKey(existing.state) : '?'} already exists`);
    }
    for (const { index, state } of chunk) (versions[index] as Record<string, number>)[deliverableKey(state)] = 1;
  }

  for (const write of writes) {
    if (!write?.baseline) continue;
    const baseline = write.baseline;
    const row = await trx
      .insertInto('baselines')
      .values({ scope_id: baseline.scopeId, major: baseline.major, id: baseline.id, name: baseline.name, created_at: baseline.createdAt, payload: jsonb(baseline) })
      .onConflict((conflict) => conflict.doNothing())
      .returning('major')
      .executeTakeFirst();
    if (!row) throw new CommitConflict('BASELINE_EXISTS', `scope ${baseline.scopeId} already has baseline ${baseline.major}.0 (or a baseline with id ${baseline.id})`);
  }

  const records: HistoryRecord[][] = writes.map(() => []);
  const scopes = [...new Set(writes.flatMap((w) => (w && ((w.history?.length ?? 0) > 0 || w.expectedHistoryHead !== undefined) ? [w.scopeId] : [])))].sort(compareKeys);
  if (scopes.length > 0) {
    const locked = await lockHeads(trx, scopes);
    const heads = new Map(locked);
    const last = new Map<string, HistoryRecord>();
    writes.forEach((write, index) => {
      if (!write) return;
      const head = heads.get(write.scopeId) ?? null;
      if (write.expectedHistoryHead !== undefined && (head?.hash ?? null) !== write.expectedHistoryHead) {
        throw new CommitConflict('HISTORY_CONFLICT', `scope ${write.scopeId}: history head is ${head ? `seq ${head.seq}` : 'empty'}, not the one this change was based on`);
      }
      const drafts = write.history ?? [];
      if (drafts.length === 0) return;
      const chained = chainHistory(head, drafts);
      records[index] = chained;
      const newest = chained[chained.length - 1] as HistoryRecord;
      heads.set(write.scopeId, { seq: newest.seq, hash: newest.hash, scopeVersion: newest.scopeVersion });
      last.set(write.scopeId, newest);
    });
    await insertRecords(trx, records.flat());
    for (const [scopeId, newest] of last) await moveHead(trx, scopeId, locked.get(scopeId) ?? null, newest);
  }
  return writes.map((_, index) => ({ ok: true, versions: versions[index] as Record<string, number>, records: records[index] as HistoryRecord[] }));
}

/** The heads of several scopes, locked in scope order (as single commits lock theirs). */

/** The heads of several scopes, locked in scope order (as single commits lock theirs). */
async function lockHeads(trx: Transaction<Database>, scopeIds: readonly string[]): Promise<Map<string, HistoryHead>> {
  const rows = await trx
    .selectFrom('history_heads')
    .select(['scope_id', 'seq', 'hash', 'scope_version'])
    .where('scope_id', 'in', scopeIds)
    .orderBy('scope_id')
    .forUpdate()
    .execute();
  return new Map(rows.map((row) => [row.scope_id, { seq: row.seq, hash: row.hash, scopeVersion: row.scope_version }]));
}

/** One query for several `getDeliverable` calls; a corrupted row fails only the calls that asked for it. */
async function readDeliverables(db: Kysely<Database>, keys: readonly DeliverableKey[]): Promise<PromiseSettledResult<StoredDeliverable | null>[]> {
  const pairs = [...new Map(keys.map((key) => [deliverableKey(key), key])).values()];
  const rows = await db
    .selectFrom('deliverables')
    .select(['platform', 'id', 'version', sql<string>`state::text`.as('state')])
    .where(sql<boolean>`(platform, id) in (${sql.join(pairs.map((key) => sql`(${key.platform}, ${key.id})`))})`)
    .execute();
  const found = new Map(rows.map((row) => [`${row.platform}:${row.id}`, row]));
  return keys.map((key) => {
    const row = found.get(deliverableKey(key));
    return settle(() => (row ? readDeliverable(row) : null));
  });
}

/** One query for several `getActiveBaseline` calls. */
async function readActiveBaselines(db: Kysely<Database>, scopeIds: readonly string[]): Promise<PromiseSettledResult<Baseline | null>[]> {
  const { rows } = await sql<{ scope_id: string; major: number; payload: string }>`
    select distinct on (scope_id) scope_id, major, payload::text as payload
    from baselines where scope_id in (${sql.join([...new Set(scopeIds)])})
    order by scope_id, major desc`.execute(db);
  const found = new Map(rows.map((row) => [row.scope_id, row]));
  return scopeIds.map((scopeId) => {
    const row = found.get(scopeId);
    return settle(() => (row ? readBaseline(row) : null));
  });
}

async function moveHead(trx: Transaction<Database>, scopeId: string, previous: HistoryHead | null, last: HistoryRecord): Promise<void> {
  const values = { seq: last.seq, hash: last.hash, scope_version: last.scopeVersion };
  if (previous) await trx.updateTable('history_heads').set(values).where('scope_id', '=', scopeId).execute();
  else await trx.insertInto('history_heads').values({ scope_id: scopeId, ...values }).execute();
}

async function insertRecords(trx: Transaction<Database>, records: readonly HistoryRecord[]): Promise<void> {
  for (let start = 0; start < records.length; start += INSERT_BATCH) {
    const batch = records.slice(start, start + INSERT_BATCH);
    await trx.insertInto('history').values(batch.map(toHistoryRow)).execute();
    const reasons = batch.flatMap((record) =>
      record.kind === 'reason_attached'
        ? [...new Set(record.data.changeIds)].map((changeId) => ({ scope_id: record.scopeId, change_id: changeId, record_id: record.id }))
        : [],
    );
    if (reasons.length > 0) await trx.insertInto('change_reasons').values(reasons).execute();
  }
}

function toHistoryRow(record: HistoryRecord): Omit<HistoryTable, 'record' | 'at'> & { record: RawBuilder<string>; at: string } {
  const isChange = record.kind === 'scope_changed';
  return {
    scope_id: record.scopeId,
    seq: record.seq,
    id: record.id,
    kind: record.kind,
    at: record.at,
    actor_id: record.actor?.id ?? null,
    deliverable_id: record.deliverableId,
    scope_version: record.scopeVersion,
    prev_hash: record.prevHash,
    hash: record.hash,
    change_id: isChange ? record.data.changeId : null,
    // Same rule as the core's early-warning signal: a blank reason is no reason.
    without_reason: isChange && !record.data.reason?.trim(),
    record: jsonb(record),
  };
}

function readDeliverable(row: { platform: string; id: string; version: number; state: string }): StoredDeliverable {
  const what = `deliverable ${row.platform}:${row.id}`;
  return { state: readStored(deliverableStateSchema, parseStoredJson(row.state, what), what), version: row.version };
}

function readBaseline(row: { scope_id: string; major: number; payload: string }): Baseline {
  const what = `baseline ${row.major}.0 of scope ${row.scope_id}`;
  return readStored(baselineSchema, parseStoredJson(row.payload, what), what);
}

function readHistoryRow(row: { seq: number; record: string }): HistoryRecord {
  const what = `history record seq ${row.seq}`;
  return readStoredRecord(parseStoredJson(row.record, what), what, row.seq);
}

/** JSON is sent as text and cast, so PGlite and pg serialise it identically. */
function jsonb(value: unknown): RawBuilder<string> {
  return sql<string>`cast(${JSON.stringify(value)} as jsonb)`;
}

function deliverableKey(state: { platform: string; id: string }): string {
  return `${state.platform}:${state.id}`;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface PgErrorFields {
  code?: unknown;
  constraint?: unknown;
  detail?: unknown;
  message?: unknown;
}

// Errors are inspected by their fields, not by class: PGlite and pg have different error
// classes, and under a test runner they may come from another realm.
function pgError(error: unknown): PgErrorFields {
  return typeof error === 'object' && error !== null ? (error as PgErrorFields) : {};
}

/** A concurrent writer took the sequence number or head this attempt wanted. */
function isLostRace(error: unknown): boolean {
  const { code, constraint } = pgError(error);
  if (code === '40001' || code === '40P01') return true;
  return code === '23505' && (constraint === 'history_pkey' || constraint === 'history_heads_pkey');
}

function describeConflict(conflict: CommitConflict): SqlCommitResult {
  const { code, message } = conflict;
  return code === 'RECORD_EXISTS' ? { ok: false, code, message } : { ok: false, code, message };
}

/** The port has no RECORD_EXISTS answer: for its callers a record id stored twice stays a fault. */
function asPortResult(result: SqlCommitResult): CommitResult {
  if (!result.ok && result.code === 'RECORD_EXISTS') throw new Error(result.message);
  return result;
}

/** A record id the commit derived is stored already: the same cause (delivery, comment) seen again. */
function isRecordIdTaken(error: unknown): boolean {
  const { code, constraint } = pgError(error);
  return code === '23505' && constraint === 'history_id_key';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface CoalesceOptions<In> {
  /** The most calls one run takes. */
  maxBatch: number;
  /** A call's size (e.g. bytes); a run takes no more calls once their sizes pass `maxWeight` (but always one). */
  weigh?: (input: In) => number;
  maxWeight?: number;
}

/**
 * Group commit for any call: a run takes the calls waiting (up to `maxBatch`), and calls made
 * meanwhile wait for the next run. A run starts at the end of the current turn of the event
 * loop (`setImmediate`), so it also takes every call made in that turn, such as the webhooks
 * whose bodies arrived together. That matters on PGlite: it runs on this thread and blocks the
 * loop while it works, so nothing can arrive during a run and only the end of a turn gathers a
 * batch. No timer: an idle caller waits for nothing. `run` answers each input in order; when it
 * throws, every call of that run rejects with the error. (Under Jest's fake timers, which fake
 * setImmediate, the calls wait until the timers are advanced.)
 */
export function coalesceCalls<In, Out>(
  run: (inputs: In[]) => Promise<PromiseSettledResult<Out>[]>,
  options: CoalesceOptions<In>,
): (input: In) => Promise<Out> {
  type Call = { input: In; resolve: (value: Out) => void; reject: (error: unknown) => void };
  let waiting: Call[] = [];
  let busy = false;

  function take(): Call[] {
    const maxWeight = options.maxWeight ?? Number.POSITIVE_INFINITY;
    let weight = 0;
    let count = 0;
    while (count < waiting.length && count < options.maxBatch) {
      weight += options.weigh ? options.weigh((waiting[count] as Call).input) : 0;
      if (count > 0 && weight > maxWeight) break;
      count += 1;
    }
    const batch = waiting.slice(0, count);
    waiting = waiting.slice(count);
    return batch;
  }

  async function flush(): Promise<void> {
    const batch = take();
    try {
      const results = await run(batch.map((call) => call.input));
      batch.forEach((call, index) => {
        const result = results[index];
        if (!result) call.reject(new Error('coalesced call got no answer'));
        else if (result.status === 'fulfilled') call.resolve(result.value);
        else call.reject(result.reason);
      });
    } catch (error) {
      for (const call of batch) call.reject(error);
    }
    if (waiting.length > 0) setImmediate(() => void flush());
    else busy = false;
  }

  return (input) =>
    new Promise<Out>((resolve, reject) => {
      waiting.push({ input, resolve, reject });
      if (busy) return;
      busy = true;
      setImmediate(() => void flush());
    });
}

/** A value, or what it threw, as one answer of a coalesced run. */
function settle<Out>(compute: () => Out): PromiseSettledResult<Out> {
  try {
    return { status: 'fulfilled', value: compute() };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}
