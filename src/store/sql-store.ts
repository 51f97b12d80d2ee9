import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { chainHistory } from '../core/chain-history';
import { parseWith } from '../core/parse-with';
import { baselineSchema, deliverableStateSchema, type Baseline, type HistoryRecord, type Platform } from '../core/schemas';
import {
  HISTORY_PAGE_MAX,
  type CommitResult,
  type HistoryHead,
  type HistoryPage,
  type HistoryQuery,
  type ScopeStore,
  type StoreCommit,
  type StoreConflictCode,
  type StoredDeliverable,
} from '../core/store';
import type { Database, HistoryTable } from './database';

export type SqlBackend = 'pglite' | 'postgres';

const DEFAULT_PAGE_SIZE = 50;
const READ_BATCH = 1000;
/** 13 parameters a row: 500 rows stay far below PostgreSQL's 65,535 bind parameters. */
const INSERT_BATCH = 500;
const MAX_ATTEMPTS = 5;
const CURSOR_PREFIX = 'seq:';
/** PGlite runs no autovacuum; this many appended records trigger a manual ANALYZE. */
const ANALYZE_EVERY = 5_000;

/** An expected refusal; thrown inside the transaction only to roll it back. */
class CommitConflict extends Error {
  constructor(readonly code: StoreConflictCode, message: string) {
    super(message);
  }
}

/**
 * The storage port on SQL: the same code, schema and migrations run on embedded PGlite and
 * on PostgreSQL (see docs/adr/0001-sql-store-kysely.md).
 */
export class SqlStore implements ScopeStore {
  private closed = false;
  private appendedSinceAnalyze = 0;

  constructor(
    private readonly db: Kysely<Database>,
    readonly backend: SqlBackend,
  ) {}

  /**
   * The store's database handle, for tables other adapters keep beside the scope tables (the
   * Linear adapter's inbox and outbox) so their writes can share a transaction with a commit.
   */
  get database(): Kysely<Database> {
    return this.db;
  }

  async getDeliverable(platform: Platform, deliverableId: string): Promise<StoredDeliverable | null> {
    const row = await this.db
      .selectFrom('deliverables')
      .select(['platform', 'id', 'version', sql<string>`state::text`.as('state')])
      .where('platform', '=', platform)
      .where('id', '=', deliverableId)
      .executeTakeFirst();
    return row ? readDeliverable(row) : null;
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
    const row = await this.db
      .selectFrom('baselines')
      .select(['scope_id', 'major', sql<string>`payload::text`.as('payload')])
      .where('scope_id', '=', scopeId)
      .orderBy('major', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? readBaseline(row) : null;
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
    const limit = clampLimit(query.limit);
    let select = this.db
      .selectFrom('history')
      .select(['seq', sql<string>`record::text`.as('record')])
      .where('scope_id', '=', query.scopeId);
    if (query.cursor) select = select.where('seq', '<', decodeCursor(query.cursor));
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
      nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null,
    };
  }

  async *readHistory(scopeId: string): AsyncIterable<HistoryRecord> {
    // Batches by seq, so a scope with 100,000 records never sits in memory at once.
    let after = -1;
    for (;;) {
      const rows = await this.db
        .selectFrom('history')
        .select(['seq', sql<string>`record::text`.as('record')])
        .where('scope_id', '=', scopeId)
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(READ_BATCH)
        .execute();
      for (const row of rows) yield readHistoryRow(row);
      const last = rows[rows.length - 1];
      if (!last || rows.length < READ_BATCH) return;
      after = last.seq;
    }
  }

  async commit(write: StoreCommit): Promise<CommitResult> {
    return this.commitWith(write, null);
  }

  /**
   * `commit`, plus the caller's own writes in the same transaction, run after the scope commit
   * succeeded: on a conflict neither is written. A retried history append runs `alsoInTransaction`
   * again on the fresh transaction, so it must only write (no side effects outside the database).
   * With `write` null only the caller's writes run.
   */
  async commitWith(write: StoreCommit | null, alsoInTransaction: ((trx: Transaction<Database>) => Promise<void>) | null): Promise<CommitResult> {
    if (write === null) {
      if (alsoInTransaction) await this.db.transaction().execute(alsoInTransaction);
      return { ok: true, versions: {}, records: [] };
    }
    assertCommitShape(write);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await this.db.transaction().execute(async (trx) => {
          const applied = await applyCommit(trx, write);
          if (applied.ok && alsoInTransaction) await alsoInTransaction(trx);
          return applied;
        });
        if (result.ok) await this.noteAppended(result.records.length);
        return result;
      } catch (error) {
        if (error instanceof CommitConflict) return { ok: false, code: error.code, message: error.message };
        if (!isLostRace(error)) throw describeUniqueViolation(error);
        if (attempt >= MAX_ATTEMPTS) {
          return {
            ok: false,
            code: 'HISTORY_CONFLICT',
            message: `scope ${write.scopeId}: other writers kept appending history; gave up after ${MAX_ATTEMPTS} attempts`,
          };
        }
        await sleep(attempt * 5 + Math.random() * 20);
      }
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
      const head = await lockHead(trx, scopeId);
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
    } catch {
      // The commit is already durable; failing it now would invite a retry that duplicates it.
      // Statistics only speed queries up, and the next threshold tries again.
    }
  }

  private async analyzeHistory(): Promise<void> {
    await sql`analyze history, change_reasons`.execute(this.db);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
  }
}

async function applyCommit(trx: Transaction<Database>, write: StoreCommit): Promise<CommitResult> {
  const versions: Record<string, number> = {};
  // A fixed order of row locks keeps two commits touching the same deliverables from deadlocking.
  const deliverables = [...(write.deliverables ?? [])].sort((a, b) => compareKeys(deliverableKey(a.state), deliverableKey(b.state)));
  for (const { state, expectedVersion } of deliverables) {
    const key = deliverableKey(state);
    const row =
      expectedVersion === null
        ? await trx
            .insertInto('deliverables')
            .values({
              platform: state.platform,
              id: state.id,
              scope_id: state.scopeId,
              version: 1,
              state: jsonb(state),
              updated_at: state.updatedAt,
            })
            .onConflict((conflict) => conflict.columns(['platform', 'id']).doNothing())
            .returning('version')
            .executeTakeFirst()
        : await trx
            .updateTable('deliverables')
            .set({
              scope_id: state.scopeId,
              version: sql<number>`version + 1`,
              state: jsonb(state),
              updated_at: state.updatedAt,
            })
            .where('platform', '=', state.platform)
            .where('id', '=', state.id)
            .where('version', '=', expectedVersion)
            .returning('version')
            .executeTakeFirst();
    if (!row) {
      throw new CommitConflict(
        'VERSION_CONFLICT',
        expectedVersion === null
          ? `deliverable ${key} already exists`
          : `deliverable ${key} is not at version ${expectedVersion}: it changed since it was read, or was never stored`,
      );
    }
    versions[key] = row.version;
  }

  if (write.baseline) {
    const baseline = write.baseline;
    const row = await trx
      .insertInto('baselines')
      .values({
        scope_id: baseline.scopeId,
        major: baseline.major,
        id: baseline.id,
        name: baseline.name,
        created_at: baseline.createdAt,
        payload: jsonb(baseline),
      })
      .onConflict((conflict) => conflict.doNothing())
      .returning('major')
      .executeTakeFirst();
    if (!row) {
      throw new CommitConflict(
        'BASELINE_EXISTS',
        `scope ${baseline.scopeId} already has baseline ${baseline.major}.0 (or a baseline with id ${baseline.id})`,
      );
    }
  }

  const drafts = write.history ?? [];
  if (drafts.length === 0 && write.expectedHistoryHead === undefined) return { ok: true, versions, records: [] };

  // The head row lock serialises appends to one scope; the first append of a scope has no row
  // to lock yet, so two of those race on the primary keys and the loser is retried.
  const head = await lockHead(trx, write.scopeId);
  if (write.expectedHistoryHead !== undefined && (head?.hash ?? null) !== write.expectedHistoryHead) {
    throw new CommitConflict(
      'HISTORY_CONFLICT',
      `scope ${write.scopeId}: history head is ${head ? `seq ${head.seq}` : 'empty'}, not the one this change was based on`,
    );
  }
  if (drafts.length === 0) return { ok: true, versions, records: [] };
  const records = chainHistory(head, drafts);
  await insertRecords(trx, records);
  await moveHead(trx, write.scopeId, head, records[records.length - 1] as HistoryRecord);
  return { ok: true, versions, records };
}

async function lockHead(trx: Transaction<Database>, scopeId: string): Promise<HistoryHead | null> {
  const row = await trx
    .selectFrom('history_heads')
    .select(['seq', 'hash', 'scope_version'])
    .where('scope_id', '=', scopeId)
    .forUpdate()
    .executeTakeFirst();
  return row ? { seq: row.seq, hash: row.hash, scopeVersion: row.scope_version } : null;
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

function assertCommitShape(write: StoreCommit): void {
  // These are caller bugs, not conflicts: a retry could never fix them.
  for (const draft of write.history ?? []) {
    if (draft.scopeId !== write.scopeId) throw new Error(`history record ${draft.id} belongs to scope ${draft.scopeId}, not ${write.scopeId}`);
  }
  if (write.baseline && write.baseline.scopeId !== write.scopeId) {
    throw new Error(`baseline ${write.baseline.id} belongs to scope ${write.baseline.scopeId}, not ${write.scopeId}`);
  }
  const keys = (write.deliverables ?? []).map((w) => deliverableKey(w.state));
  const repeated = keys.find((key, index) => keys.indexOf(key) !== index);
  if (repeated) throw new Error(`deliverable ${repeated} is written twice in one commit`);
}

function readDeliverable(row: { platform: string; id: string; version: number; state: string }): StoredDeliverable {
  const parsed = parseWith(deliverableStateSchema, parseJson(row.state, `deliverable ${row.platform}:${row.id}`));
  if (!parsed.ok) throw new Error(`stored deliverable ${row.platform}:${row.id} is corrupted: ${parsed.errors.join('; ')}`);
  return { state: parsed.value, version: row.version };
}

function readBaseline(row: { scope_id: string; major: number; payload: string }): Baseline {
  const where = `baseline ${row.major}.0 of scope ${row.scope_id}`;
  const parsed = parseWith(baselineSchema, parseJson(row.payload, where));
  if (!parsed.ok) throw new Error(`stored ${where} is corrupted: ${parsed.errors.join('; ')}`);
  return parsed.value;
}

/**
 * History is returned as stored, not re-parsed through zod: defaults or trimming would change
 * the content and hide tampering that `verifyHistory` must be able to see. Only the shape the
 * store itself relies on is checked.
 */
function readHistoryRow(row: { seq: number; record: string }): HistoryRecord {
  const record = parseJson(row.record, `history record seq ${row.seq}`) as Partial<HistoryRecord> | null;
  if (typeof record !== 'object' || record === null || record.seq !== row.seq || typeof record.kind !== 'string' || typeof record.hash !== 'string') {
    throw new Error(`stored history record seq ${row.seq} is corrupted: it is not a history record with that sequence number`);
  }
  return record as HistoryRecord;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`stored ${what} is not valid JSON`, { cause: error });
  }
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

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_PAGE_SIZE;
  return Math.min(HISTORY_PAGE_MAX, Math.max(1, Math.floor(limit)));
}

function encodeCursor(seq: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${seq}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const seq = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : Number.NaN;
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`not a history page cursor: ${cursor}`);
  return seq;
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

function describeUniqueViolation(error: unknown): unknown {
  const { code, constraint, detail } = pgError(error);
  if (code !== '23505' || constraint !== 'history_id_key') return error;
  return new Error(`a history record with this id is already stored (${String(detail ?? 'duplicate id')})`, { cause: error });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
