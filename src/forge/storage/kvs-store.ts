import { createHash, randomUUID } from 'node:crypto';
import { Filter, FilterConditions, kvs, Sort, WhereConditions } from '@forge/kvs';
import { chainHistory } from '../../core/chain-history';
import { computeBackoffMs } from '../../core/compute-backoff-ms';
import { z } from 'zod';
import { parseWith } from '../../core/parse-with';
import {
  actorSchema,
  baselineSchema,
  criterionSchema,
  deliverableStateSchema,
  platformSchema,
  type Baseline,
  type DeliverableState,
  type HistoryRecord,
  type Platform,
} from '../../core/schemas';
import {
  assertCommitShape,
  parseStoredJson,
  readStored,
  readStoredRecord,
  type BaselineCache,
  type BaselineMeta,
  type CommitOptions,
  type CommitResult,
  type DeliverableEntry,
  type ForgeScopeStore,
  type HistoryHead,
  type HistoryPage,
  type HistoryQuery,
  type ScopeSummary,
  type StoreCommit,
  type StoredDeliverable,
} from '../../core/store';
import { clampHistoryLimit, decodeHistoryCursor, encodeHistoryCursor } from '../../core/encode-history-cursor';

// The storage port on Forge's hosted storage (@forge/kvs). Layout and reasoning:
// docs/adr/0005-forge-kvs-store.md; the platform rules it keeps: docs/platform-rules.md. Pages
// cited below are on developer.atlassian.com/platform/forge/.

/** runtime-reference/storage-api-query-complex: an entity query page holds "a maximum of 100". */
export const ENTITY_PAGE_SIZE = 100;
/** Segments are up to ~200 KiB each: 20 a page keeps one response near 4 MB. */
export const SEGMENT_PAGE_SIZE = 20;
/** limits-kvs-ce: keys of at most 500 characters. */
const MAX_KEY_LENGTH = 500;
/** Under the 240 KiB value limit (limits-kvs-ce), leaving room for the other attributes of an entity. */
const PART_BYTES = 200 * 1024;
/** limits-kvs-ce (Transaction limits): 25 operations and 4 MB; the bytes keep a margin for the envelope. */
const MAX_TRANSACTION_OPERATIONS = 25;
const MAX_TRANSACTION_BYTES = 3.5 * 1024 * 1024;
/** storage-reference/entities-batch: 25 keys a batch, 4 MB a batchSet; the bytes keep a margin. */
const BATCH_KEYS = 25;
const BATCH_BYTES = 3.5 * 1024 * 1024;
const MAX_ATTEMPTS = 8;
/** A filtered history query stops after this many index pages (2000 entries) and hands back a cursor. */
const MAX_SCAN_PAGES = 20;
/**
 * Stands for "none" in string attributes: runtime-reference/custom-entities (Values) says a string
 * "Must not be empty" and "Must contain at least one non-whitespace character".
 */
const NONE = '-';

const E = { deliverable: 'deliverable', head: 'scope-head', segment: 'history-segment', entry: 'history-entry' } as const;

// The port's Forge part declares these; re-exported so handlers keep importing them from here.
export type { BaselineCache, BaselineMeta, CommitOptions, DeliverableEntry, ScopeSummary } from '../../core/store';

interface DeliverableEntity {
  platform: string;
  deliverableId: string;
  scopeId: string;
  /** 0: a reserved slot, not a stored deliverable (see reserveSlots). */
  version: number;
  state?: DeliverableState;
  baselineCache?: BaselineCache;
  /** Set when state and cache were too large for one value and live in plain keys. */
  stateParts?: number;
}

interface HeadEntity {
  scopeId: string;
  /** Replaced on every write: the compare-and-swap token of the transactions. */
  token: string;
  /** -1 while the scope has no history. */
  seq: number;
  /** Absent while the scope has no history: string attributes cannot be empty. */
  hash?: string;
  /** Absent while no record carried a scope version. */
  scopeVersion?: string;
  baselines: BaselineMeta[];
  ext: Record<string, unknown>;
}

/**
 * One segment: consecutive records, or the first ~200 KiB of one larger record whose other
 * `parts - 1` pieces are plain keys (segmentPartKey). Indexed by fromSeq: one segment per first seq.
 */
interface SegmentEntity {
  scopeId: string;
  fromSeq: number;
  toSeq: number;
  parts: number;
  records?: HistoryRecord[];
  text?: string;
}


// What is read back is checked, never cast: corrupt storage becomes an error naming the stored
// thing and the path ("stored head of scope 10000 is corrupted: seq: …"), not a crash deeper in.
const count = z.number().int().nonnegative();
const baselineCacheSchema = z.object({ baselineId: z.string().min(1), criteria: z.array(criterionSchema).nullable() });
const deliverableEntitySchema = z.object({
  platform: platformSchema,
  deliverableId: z.string().min(1),
  scopeId: z.string().min(1),
  version: count,
  // Checked on their own: a bad state is an error, a bad cache is dropped (it is derived data).
  state: z.unknown().optional(),
  baselineCache: z.unknown().optional(),
  stateParts: z.number().int().positive().optional(),
});
type StoredDeliverableEntity = z.infer<typeof deliverableEntitySchema>;
const splitDeliverableSchema = z.object({ state: z.unknown(), baselineCache: z.unknown().nullable() });
const baselineMetaSchema = z.object({
  id: z.string().min(1),
  major: z.number().int().positive(),
  name: z.string(),
  createdAt: z.string(),
  approvedBy: actorSchema,
  deliverableCount: count,
  criterionCount: count,
  parts: z.number().int().positive(),
});
const headEntitySchema = z.object({
  scopeId: z.string().min(1),
  token: z.string().min(1),
  seq: z.number().int().min(-1),
  hash: z.string().min(1).optional(),
  scopeVersion: z.string().min(1).optional(),
  baselines: z.array(baselineMetaSchema),
  ext: z.record(z.string(), z.unknown()),
});
const segmentEntitySchema = z.object({
  scopeId: z.string().min(1),
  fromSeq: count,
  toSeq: count,
  parts: z.number().int().positive(),
  // Records are checked one by one (readStoredRecord), and kept exactly as stored.
  records: z.array(z.unknown()).optional(),
  text: z.string().optional(),
});
type StoredSegmentEntity = z.infer<typeof segmentEntitySchema>;
const entryEntitySchema = z.object({
  scopeId: z.string().min(1),
  seq: count,
  kind: z.string().min(1),
  actorId: z.string().min(1),
  deliverableId: z.string().min(1),
  /** Epoch milliseconds as a `float` attribute: ~1.7e12 does not fit a 32-bit `integer`. */
  atMs: z.number(),
  noReason: z.union([z.literal(0), z.literal(1)]),
  changeId: z.string().min(1),
  recordId: z.string().min(1),
  /** The record itself, unless too large (then `inSegment`); checked by readStoredRecord when used. */
  record: z.unknown().optional(),
  inSegment: z.boolean().optional(),
});
type EntryEntity = z.infer<typeof entryEntitySchema>;
const documentPointerSchema = z.object({ token: z.string().min(1), parts: z.number().int().positive() });
const watermarkSchema = z.object({ through: z.number().int().min(-1) });
const reasonRefSchema = z.object({ seq: count });

type Conflict = { ok: false; code: 'VERSION_CONFLICT' | 'HISTORY_CONFLICT' | 'BASELINE_EXISTS'; message: string };

/** Where the store reports what it recovered from; defaults to the console. */
export interface KvsStoreLogger {
  info(message: string): void;
  warn(message: string, error?: unknown): void;
}

/** What the store recovered from, counted, so a test or an operator can see it happened. Each is also logged. */
export interface KvsStoreStats {
  /** FAIL_IF_EXISTS refusals, by the shape they came in ("409 KEY_CONFLICT", "409 X", "400 KEY_CONFLICT"). */
  keyConflicts: Record<string, number>;
  /** Commits whose index entries could not be written afterwards (repaired by the next history query). */
  indexFailures: number;
  /** Baseline cache writes skipped because the deliverable changed meanwhile (the next write or load refreshes it). */
  cacheWritesSkipped: number;
  /** Stored baseline caches that did not read and were dropped (a panel load rebuilds them). */
  corruptCaches: number;
  /** Transactions retried after another writer moved the scope's head first. */
  headRetries: number;
  /** Replaced document parts that could not be deleted (they only take space). */
  orphanedParts: number;
}

const consoleLogger: KvsStoreLogger = {
  info: (message) => console.info(`[scopekeeper] ${message}`),
  warn: (message, error) => console.warn(`[scopekeeper] ${message}`, error instanceof Error ? error.message : (error ?? '')),
};

/**
 * ScopeStore on @forge/kvs custom entities:
 * - `deliverable` entities keyed by platform and id (Jira issue ids survive moves; keys do not),
 *   with an optimistic `version` checked by conditional sets inside transactions;
 * - one `scope-head` entity per scope: the history head, the baseline list and the adapter's
 *   extension data, advanced by a transaction whose condition is the head's token, so two
 *   writers can never both append after the same head (the chain cannot fork);
 * - the authoritative history as `history-segment` entities (≤ 200 KiB each) written in the same
 *   transaction as the head, and `history-entry` index entities derived from them afterwards;
 * - baselines as immutable plain keys written with FAIL_IF_EXISTS before the transaction that
 *   makes them visible.
 */
export class KvsStore implements ForgeScopeStore {
  readonly stats: KvsStoreStats = { keyConflicts: {}, indexFailures: 0, cacheWritesSkipped: 0, corruptCaches: 0, headRetries: 0, orphanedParts: 0 };

  constructor(private readonly logger: KvsStoreLogger = consoleLogger) {}

  // ---- deliverables ----------------------------------------------------------------------------

  async getDeliverable(platform: Platform, deliverableId: string): Promise<StoredDeliverable | null> {
    return (await this.readDeliverableEntry(platform, deliverableId))?.stored ?? null;
  }

  /** The deliverable and its baseline cache: one read (more only when it was split into parts). */
  async readDeliverableEntry(platform: Platform, deliverableId: string): Promise<DeliverableEntry | null> {
    const entity = await kvs.entity<DeliverableEntity>(E.deliverable).get(deliverableKey(platform, deliverableId));
    return entity === undefined ? null : this.toEntry(entity);
  }

  async listDeliverables(scopeId: string): Promise<StoredDeliverable[]> {
    const found: StoredDeliverable[] = [];
    let cursor: string | undefined;
    do {
      let query = kvs.entity<DeliverableEntity>(E.deliverable).query().index('by-scope', { partition: [scopeId] }).limit(ENTITY_PAGE_SIZE);
      if (cursor) query = query.cursor(cursor);
      const page = await query.getMany();
      for (const { value } of page.results) {
        const entry = await this.toEntry(value);
        if (entry) found.push(entry.stored);
      }
      cursor = page.nextCursor;
    } while (cursor);
    return found;
  }

  /**
   * Stores a deliverable's baseline cache without changing its version; skipped (false) when the
   * deliverable changed meanwhile, since the next write or panel load refreshes the cache anyway.
   */
  async writeBaselineCache(platform: Platform, deliverableId: string, cache: BaselineCache): Promise<boolean> {
    const key = deliverableKey(platform, deliverableId);
    const raw = await kvs.entity<DeliverableEntity>(E.deliverable).get(key);
    const entry = raw === undefined ? null : await this.toEntry(raw);
    if (!entry) return false;
    const tx = kvs.transact();
    this.addDeliverableSet(tx, entry.stored.state, entry.stored.version, entry.stored.version, cache);
    try {
      await tx.execute();
      return true;
    } catch (error) {
      if (!mayBeConditionFailure(error)) throw error;
      this.stats.cacheWritesSkipped += 1;
      this.logger.info(`baseline cache of ${platform}:${deliverableId} not written: the deliverable changed meanwhile, and its next write or load refreshes it`);
      return false;
    }
  }

  // ---- scope head, baselines and extension data ------------------------------------------------

  async getHistoryHead(scopeId: string): Promise<HistoryHead | null> {
    return toHistoryHead(await this.readHead(scopeId));
  }

  async readScopeSummary(scopeId: string): Promise<ScopeSummary> {
    const head = await this.readHead(scopeId);
    const baselines = [...(head?.baselines ?? [])].sort((a, b) => a.major - b.major);
    return { head: toHistoryHead(head), baselines, activeBaseline: baselines[baselines.length - 1] ?? null, ext: head?.ext ?? {} };
  }

  /** Replaces the adapter's extension data (Forge: project settings) with a compare-and-swap on the head. */
  async updateScopeExtension(scopeId: string, update: (ext: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const head = await this.readOrCreateHead(scopeId);
      const tx = kvs.transact();
      tx.set(headKey(scopeId), { ...head, token: randomUUID(), ext: update(head.ext) }, { entityName: E.head, conditions: tokenIs(head.token) });
      try {
        await tx.execute();
        return;
      } catch (error) {
        if (!mayBeConditionFailure(error) || attempt >= MAX_ATTEMPTS) throw error;
        this.stats.headRetries += 1;
        await backoff(attempt);
      }
    }
  }

  async getActiveBaseline(scopeId: string): Promise<Baseline | null> {
    const { activeBaseline } = await this.readScopeSummary(scopeId);
    return activeBaseline ? this.readBaseline(scopeId, activeBaseline) : null;
  }

  async listBaselines(scopeId: string): Promise<Baseline[]> {
    const { baselines } = await this.readScopeSummary(scopeId);
    return Promise.all(baselines.map((meta) => this.readBaseline(scopeId, meta)));
  }

  async readBaselinePart(scopeId: string, meta: BaselineMeta, index: number): Promise<string> {
    if (!Number.isInteger(index) || index < 0 || index >= meta.parts) throw new Error(`baseline ${meta.major}.0 of scope ${scopeId} has no part ${index}`);
    const text = await kvs.get<string>(baselineKey(scopeId, meta.major, meta.id, index));
    if (typeof text !== 'string') throw new Error(`stored baseline ${meta.major}.0 of scope ${scopeId} is incomplete: part ${index} is missing`);
    return text;
  }

  async readBaseline(scopeId: string, meta: BaselineMeta): Promise<Baseline> {
    const texts = await Promise.all(
      Array.from({ length: meta.parts }, (_, i) => kvs.get<string>(baselineKey(scopeId, meta.major, meta.id, i))),
    );
    const where = `baseline ${meta.major}.0 of scope ${scopeId}`;
    if (texts.some((t) => typeof t !== 'string')) throw new Error(`stored ${where} is incomplete: a part is missing`);
    return readStored(baselineSchema, parseStoredJson(texts.join(''), where), where);
  }

  // ---- history -------------------------------------------------------------------------------

  async queryHistory(query: HistoryQuery): Promise<HistoryPage> {
    const limit = clampHistoryLimit(query.limit);
    const { scopeId } = query;
    await this.ensureIndexed(scopeId);
    const before = query.cursor ? decodeHistoryCursor(query.cursor) : null;
    const kinds = query.kinds && query.kinds.length > 0 ? new Set<string>(query.kinds) : null;
    const fromMs = query.from === undefined ? null : Date.parse(query.from);
    const toMs = query.to === undefined ? null : Date.parse(query.to);
    const wanted = (e: EntryEntity): boolean =>
      (query.deliverableId === undefined || e.deliverableId === orNone(query.deliverableId)) &&
      (kinds === null || kinds.has(e.kind)) &&
      (query.authorId === undefined || e.actorId === orNone(query.authorId)) &&
      (fromMs === null || e.atMs >= fromMs) &&
      (toMs === null || e.atMs <= toMs) &&
      (!query.undocumentedOnly || e.noReason === 1);

    // The most selective index for the filters; the rest are checked on each entry.
    const [index, partition] =
      query.deliverableId !== undefined
        ? ['by-deliverable', [scopeId, orNone(query.deliverableId)]]
        : query.authorId !== undefined
          ? ['by-author', [scopeId, orNone(query.authorId)]]
          : query.undocumentedOnly
            ? ['by-noreason', [scopeId, 1]]
            : kinds?.size === 1
              ? ['by-kind', [scopeId, [...kinds][0] as string]]
              : ['by-seq', [scopeId]];

    const found: EntryEntity[] = [];
    const readEntry = (value: unknown) => readStored(entryEntitySchema, value, `history index of scope ${scopeId}`);
    let kvsCursor: string | undefined;
    let lastScanned: number | null = null;
    let exhausted = false;
    for (let pages = 0; found.length <= limit && pages < MAX_SCAN_PAGES; pages += 1) {
      let q = kvs.entity<EntryEntity>(E.entry).query().index(index, { partition }).sort(Sort.DESC).limit(ENTITY_PAGE_SIZE);
      if (before !== null) q = q.where(WhereConditions.lessThan(before));
      if (kvsCursor) q = q.cursor(kvsCursor);
      const page = await q.getMany();
      const scanned = page.results.map((r) => readEntry(r.value));
      let candidates = scanned.filter(wanted);
      if (query.undocumentedOnly) candidates = await this.dropDocumented(scopeId, candidates);
      for (const c of candidates) {
        found.push(c);
        if (found.length > limit) break;
      }
      lastScanned = scanned[scanned.length - 1]?.seq ?? lastScanned;
      if (!page.nextCursor) {
        exhausted = true;
        break;
      }
      kvsCursor = page.nextCursor;
    }
    const entries = found.slice(0, limit);
    const last = entries[entries.length - 1];
    let nextCursor: string | null = null;
    if (found.length > limit && last) nextCursor = encodeHistoryCursor(last.seq);
    else if (!exhausted && lastScanned !== null) nextCursor = encodeHistoryCursor(lastScanned);
    return { records: await this.recordsOf(scopeId, entries), nextCursor };
  }

  /** The whole chain in order, from the segments (the authoritative log), ~200 KiB a read. */
  async *readHistory(scopeId: string): AsyncIterable<HistoryRecord> {
    yield* this.readHistoryFrom(scopeId, 0);
  }

  /** Ids of the given scope changes that are undocumented: no reason given, none attached later. */
  async findUndocumented(scopeId: string, records: readonly HistoryRecord[]): Promise<Set<string>> {
    const candidates = records.filter((r) => r.kind === 'scope_changed' && !r.data.reason?.trim()).map(toIndexEntry);
    const open = await this.dropDocumented(scopeId, candidates);
    return new Set(open.map((e) => e.recordId));
  }

  // ---- commit --------------------------------------------------------------------------------

  async commit(write: StoreCommit): Promise<CommitResult> {
    return this.commitWith(write, {});
  }

  async commitWith(write: StoreCommit, options: CommitOptions): Promise<CommitResult> {
    assertCommitShape(write);
    const { scopeId } = write;
    const drafts = write.history ?? [];
    const writes = write.deliverables ?? [];
    const touchesHead = drafts.length > 0 || write.baseline !== undefined || write.expectedHistoryHead !== undefined;
    let reserved = false;

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const head = touchesHead ? await this.readOrCreateHead(scopeId) : null;
      if (head && write.expectedHistoryHead !== undefined && (head.seq < 0 ? null : head.hash) !== write.expectedHistoryHead) {
        return conflict('HISTORY_CONFLICT', `scope ${scopeId}: history head is ${head.seq < 0 ? 'empty' : `seq ${head.seq}`}, not the one this change was based on`);
      }
      const baseline = write.baseline;
      if (head && baseline && head.baselines.some((b) => b.major === baseline.major || b.id === baseline.id)) {
        return conflict('BASELINE_EXISTS', `scope ${scopeId} already has baseline ${baseline.major}.0 (or a baseline with id ${baseline.id})`);
      }
      if (!reserved) {
        await this.reserveSlots(writes.filter((w) => w.expectedVersion === null).map((w) => w.state));
        reserved = true;
      }
      const records = head ? chainHistory(toHistoryHead(head), drafts) : [];
      const baselineMeta = baseline ? await this.writeBaselineParts(baseline, drafts) : null;

      const tx = kvs.transact();
      let operations = 0;
      let bytes = 0;
      const versions: Record<string, number> = {};
      for (const { state, expectedVersion } of writes) {
        const key = `${state.platform}:${state.id}`;
        const next = (expectedVersion ?? 0) + 1;
        versions[key] = next;
        const added = this.addDeliverableSet(tx, state, expectedVersion ?? 0, next, options.baselineCaches?.[key]);
        operations += added.operations;
        bytes += added.bytes;
      }
      if (head) {
        const last = records[records.length - 1];
        const nextHead = buildHead({
          scopeId,
          token: randomUUID(),
          seq: last ? last.seq : head.seq,
          hash: last ? last.hash : head.hash,
          scopeVersion: last ? last.scopeVersion : head.scopeVersion,
          baselines: baselineMeta ? [...head.baselines, baselineMeta] : head.baselines,
          ext: options.updateExt ? options.updateExt(head.ext) : head.ext,
        });
        tx.set(headKey(scopeId), nextHead, { entityName: E.head, conditions: tokenIs(head.token) });
        operations += 1;
        bytes += byteLength(nextHead);
        for (const { segment, moreParts } of buildSegments(scopeId, records)) {
          tx.set(segmentKey(scopeId, segment.fromSeq), segment, { entityName: E.segment });
          moreParts.forEach((text, i) => tx.set(segmentPartKey(scopeId, segment.fromSeq, i + 1), text));
          operations += 1 + moreParts.length;
          bytes += byteLength(segment) + moreParts.reduce((n, p) => n + byteLength(p), 0);
        }
      }
      if (operations > MAX_TRANSACTION_OPERATIONS || bytes > MAX_TRANSACTION_BYTES) {
        // A caller bug, not a conflict: retrying cannot make the commit smaller.
        throw new Error(
          `commit for scope ${scopeId} needs ${operations} operations and ${bytes} bytes; one KVS transaction takes ${MAX_TRANSACTION_OPERATIONS} and 4 MB. Split it into smaller commits.`,
        );
      }
      if (operations === 0) return { ok: true, versions, records };

      try {
        await tx.execute();
      } catch (error) {
        if (!mayBeConditionFailure(error)) throw error;
        const cause = await this.diagnose(write, head);
        if (cause === 'VERSION') {
          return conflict('VERSION_CONFLICT', `a deliverable in this commit is not at the version it was read at: it changed since, or was never stored`);
        }
        if (cause === 'UNKNOWN') throw error;
        this.stats.headRetries += 1;
        await backoff(attempt);
        continue;
      }
      if (records.length > 0) {
        try {
          await this.indexRecords(scopeId, records);
        } catch (error) {
          // The commit is durable; failing it now would invite a retry that duplicates it. The
          // watermark did not move, so the next history query rebuilds the missing entries.
          this.stats.indexFailures += 1;
          this.logger.warn(`history of scope ${scopeId} committed through seq ${records[records.length - 1]?.seq}, but indexing it failed; the next history query repairs it`, error);
        }
      }
      return { ok: true, versions, records };
    }
    return conflict('HISTORY_CONFLICT', `scope ${scopeId}: other writers kept appending history; gave up after ${MAX_ATTEMPTS} attempts`);
  }

  /**
   * Marks a platform event as handled, with FAIL_IF_EXISTS: false when it already was, since an
   * event can be delivered twice. Markers expire after 30 days.
   */
  async claimEvent(eventId: string): Promise<boolean> {
    try {
      await kvs.set(storageKey('evt', eventId), { claimed: true }, { keyPolicy: 'FAIL_IF_EXISTS', ttl: { value: 30, unit: 'DAYS' } });
      return true;
    } catch (error) {
      if (this.isKeyConflict(error)) return false;
      throw error;
    }
  }

  async close(): Promise<void> {
    // Nothing to release: every call is a request to Forge's storage service.
  }

  // ---- project page (added for bounded page loads: self-contained, nothing above depends on it) ----

  /**
   * One entity page (ENTITY_PAGE_SIZE) of a scope's deliverables, in id order, with their baseline
   * caches, starting after `after`. `last` is the last id read (pass it back as `after`); `done`
   * when nothing follows. Reserved slots are skipped but still move `last` on.
   */
  async readDeliverablePage(scopeId: string, after: string | null): Promise<{ entries: DeliverableEntry[]; last: string | null; done: boolean }> {
    let query = kvs.entity<DeliverableEntity>(E.deliverable).query().index('by-scope', { partition: [scopeId] }).limit(ENTITY_PAGE_SIZE);
    if (after !== null) query = query.where(WhereConditions.greaterThan(after));
    const page = await query.getMany();
    const entries: DeliverableEntry[] = [];
    let last = after;
    for (const { value } of page.results) {
      const entry = await this.toEntry(value);
      if (entry) entries.push(entry);
      last = readStored(deliverableEntitySchema, value, `a deliverable of scope ${scopeId}`).deliverableId;
    }
    return { entries, last, done: !page.nextCursor };
  }

  /** Several deliverables by id, BATCH_KEYS a request; missing ones are left out. */
  async readDeliverableEntries(platform: Platform, ids: readonly string[]): Promise<Map<string, DeliverableEntry>> {
    const found = new Map<string, DeliverableEntry>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += BATCH_KEYS) {
      const chunk = unique.slice(i, i + BATCH_KEYS);
      const result = await kvs.batchGet<DeliverableEntity>(chunk.map((id) => ({ key: deliverableKey(platform, id), entityName: E.deliverable })));
      for (const hit of result.successfulKeys) {
        const entry = await this.toEntry(hit.value);
        if (entry) found.set(entry.stored.state.id, entry);
      }
    }
    return found;
  }

  /**
   * The chain in order from `fromSeq`, from the segments (the authoritative log), one storage
   * read (SEGMENT_PAGE_SIZE segments) at a time, so a caller can stop at the end of a read.
   */
  async *readHistoryPagesSince(scopeId: string, fromSeq: number): AsyncIterable<HistoryRecord[]> {
    yield* this.readHistoryPagesFrom(scopeId, fromSeq);
  }

  /**
   * JSON documents of a scope by name (the project page keeps its running tallies in them);
   * absent ones are left out. Each lives in immutable parts named by a small pointer, so a reader
   * never mixes two writes: two batch reads for all of them.
   */
  async readScopeDocuments(scopeId: string, names: readonly string[]): Promise<Map<string, unknown>> {
    const found = new Map<string, unknown>();
    let pending = [...new Set(names)];
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      const pointers = new Map<string, DocumentPointer>();
      for (const chunk of chunkBatch(pending.map((name) => ({ key: documentKey(scopeId, name), name })))) {
        const result = await kvs.batchGet<DocumentPointer>(chunk.map(({ key }) => ({ key })));
        for (const hit of result.successfulKeys) {
          const name = chunk.find((c) => c.key === hit.key)?.name;
          if (name !== undefined) pointers.set(name, readStored(documentPointerSchema, hit.value, `pointer of document ${name} of scope ${scopeId}`));
        }
      }
      const keys = [...pointers].flatMap(([name, p]) => Array.from({ length: p.parts }, (_, i) => documentPartKey(scopeId, name, p.token, i)));
      const texts = new Map<string, string>();
      for (const chunk of chunkBatch(keys.map((key) => ({ key })))) {
        const result = await kvs.batchGet<string>(chunk);
        for (const hit of result.successfulKeys) texts.set(hit.key, hit.value);
      }
      pending = [];
      for (const [name, p] of pointers) {
        const parts = Array.from({ length: p.parts }, (_, i) => texts.get(documentPartKey(scopeId, name, p.token, i)));
        if (parts.every((t): t is string => typeof t === 'string')) found.set(name, parseStoredJson(parts.join(''), `document ${name} of scope ${scopeId}`));
        // A newer write replaced these parts after the pointer was read: read the new pointer.
        else if (attempt < 3) pending.push(name);
        else throw new Error(`stored document ${name} of scope ${scopeId} is incomplete: a part is missing`);
      }
    }
    return found;
  }

  /** Replaces a scope document: new parts, then the pointer, then the parts it replaced. Last writer wins. */
  async writeScopeDocument(scopeId: string, name: string, value: unknown): Promise<void> {
    const key = documentKey(scopeId, name);
    const stored = await kvs.get<DocumentPointer>(key);
    const previous = stored === undefined ? undefined : readStored(documentPointerSchema, stored, `pointer of document ${name} of scope ${scopeId}`);
    const token = randomUUID();
    const parts = splitText(JSON.stringify(value), PART_BYTES).map((text, i) => ({ key: documentPartKey(scopeId, name, token, i), value: text }));
    for (const chunk of chunkBatch(parts)) {
      const result = await kvs.batchSet(chunk);
      if (result.failedKeys.length > 0) throw new Error(`writing document ${name} of scope ${scopeId} failed: ${result.failedKeys[0]?.error.message}`);
    }
    await kvs.set(key, { token, parts: parts.length } satisfies DocumentPointer);
    if (previous) {
      const stale = Array.from({ length: previous.parts }, (_, i) => ({ key: documentPartKey(scopeId, name, previous.token, i) }));
      for (const chunk of chunkBatch(stale)) {
        const result = await kvs.batchDelete(chunk);
        // The new document stands; a part left behind only takes space.
        if (result.failedKeys.length > 0) {
          this.stats.orphanedParts += result.failedKeys.length;
          this.logger.warn(`document ${name} of scope ${scopeId}: ${result.failedKeys.length} replaced parts could not be deleted`);
        }
      }
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  private async readHead(scopeId: string): Promise<HeadEntity | null> {
    const head = await kvs.entity<HeadEntity>(E.head).get(headKey(scopeId));
    return head === undefined ? null : readStored(headEntitySchema, head, `head of scope ${scopeId}`);
  }

  /** The head, created empty first if the scope has none, so every later write is a compare-and-swap. */
  private async readOrCreateHead(scopeId: string): Promise<HeadEntity> {
    const existing = await this.readHead(scopeId);
    if (existing) return existing;
    const empty = buildHead({ scopeId, token: randomUUID(), seq: -1, hash: null, scopeVersion: null, baselines: [], ext: {} });
    try {
      await kvs.entity<HeadEntity>(E.head).set(headKey(scopeId), empty, { keyPolicy: 'FAIL_IF_EXISTS' });
      return empty;
    } catch (error) {
      if (!this.isKeyConflict(error)) throw error;
      const created = await this.readHead(scopeId);
      if (!created) throw error;
      return created;
    }
  }

  /**
   * Transactions cannot ask "does not exist yet", so a new deliverable first gets an empty slot
   * (version 0) written with FAIL_IF_EXISTS; the transaction then requires version 0. A slot left
   * by a failed commit is invisible: version 0 reads as "never stored".
   */
  private async reserveSlots(states: readonly DeliverableState[]): Promise<void> {
    await Promise.all(
      states.map(async (state) => {
        const slot: DeliverableEntity = { platform: state.platform, deliverableId: state.id, scopeId: state.scopeId, version: 0 };
        try {
          await kvs.entity<DeliverableEntity>(E.deliverable).set(deliverableKey(state.platform, state.id), slot, { keyPolicy: 'FAIL_IF_EXISTS' });
        } catch (error) {
          if (!this.isKeyConflict(error)) throw error;
        }
      }),
    );
  }

  private addDeliverableSet(
    tx: ReturnType<typeof kvs.transact>,
    state: DeliverableState,
    expected: number,
    next: number,
    cache: BaselineCache | undefined,
  ): { operations: number; bytes: number } {
    const key = deliverableKey(state.platform, state.id);
    const base: DeliverableEntity = { platform: state.platform, deliverableId: state.id, scopeId: state.scopeId, version: next };
    const inline: DeliverableEntity = { ...base, state, ...(cache ? { baselineCache: cache } : {}) };
    const conditions = new Filter<DeliverableEntity>().and('version', FilterConditions.equalTo(expected));
    if (byteLength(inline) <= PART_BYTES) {
      tx.set(key, inline, { entityName: E.deliverable, conditions });
      return { operations: 1, bytes: byteLength(inline) };
    }
    // Too large for one value: the state (and cache) go to plain keys named by version, so a
    // reader never mixes parts of two versions.
    const parts = splitText(JSON.stringify({ state, baselineCache: cache ?? null }), PART_BYTES);
    const entity: DeliverableEntity = { ...base, stateParts: parts.length };
    tx.set(key, entity, { entityName: E.deliverable, conditions });
    parts.forEach((text, i) => tx.set(deliverablePartKey(state.platform, state.id, next, i), text));
    return { operations: 1 + parts.length, bytes: byteLength(entity) + parts.reduce((n, p) => n + byteLength(p), 0) };
  }

  /** A stored deliverable entity as an entry; null for a reserved slot. A bad state throws; a bad cache is dropped. */
  private async toEntry(raw: unknown): Promise<DeliverableEntry | null> {
    const entity: StoredDeliverableEntity = readStored(deliverableEntitySchema, raw, 'deliverable entity');
    if (entity.version === 0) return null;
    const where = `deliverable ${entity.platform}:${entity.deliverableId}`;
    let state: unknown = entity.state;
    let cache: unknown = entity.baselineCache ?? null;
    if (entity.stateParts !== undefined) {
      const texts = await Promise.all(
        Array.from({ length: entity.stateParts }, (_, i) => kvs.get<string>(deliverablePartKey(entity.platform, entity.deliverableId, entity.version, i))),
      );
      if (texts.some((t) => typeof t !== 'string')) throw new Error(`stored ${where} is incomplete: a part is missing`);
      const joined = readStored(splitDeliverableSchema, parseStoredJson(texts.join(''), where), where);
      state = joined.state;
      cache = joined.baselineCache;
    }
    return { stored: { state: readStored(deliverableStateSchema, state, where), version: entity.version }, baselineCache: this.readCache(cache, where) };
  }

  /** A stored baseline cache; one that does not read is dropped, logged and counted, since a panel load rebuilds it. */
  private readCache(value: unknown, where: string): BaselineCache | null {
    if (value === null) return null;
    const parsed = parseWith(baselineCacheSchema, value);
    if (parsed.ok) return parsed.value;
    this.stats.corruptCaches += 1;
    this.logger.warn(`stored baseline cache of ${where} is corrupted and was dropped: ${parsed.errors.join('; ')}`);
    return null;
  }

  /** Writes a baseline's immutable parts; a retry of the same baseline finds them already there. */
  private async writeBaselineParts(baseline: Baseline, drafts: StoreCommit['history']): Promise<BaselineMeta> {
    const parts = splitText(JSON.stringify(baseline), PART_BYTES);
    await Promise.all(
      parts.map(async (text, i) => {
        const key = baselineKey(baseline.scopeId, baseline.major, baseline.id, i);
        try {
          await kvs.set(key, text, { keyPolicy: 'FAIL_IF_EXISTS' });
        } catch (error) {
          if (!this.isKeyConflict(error)) throw error;
          if ((await kvs.get<string>(key)) !== text) throw new Error(`baseline ${baseline.id} is already stored with other content`, { cause: error });
        }
      }),
    );
    const record = drafts?.find((d) => d.kind === 'baseline_created' && d.data.baselineId === baseline.id);
    return {
      id: baseline.id,
      major: baseline.major,
      name: baseline.name,
      createdAt: baseline.createdAt,
      approvedBy: baseline.approvedBy,
      deliverableCount: baseline.deliverables.length,
      criterionCount:
        record?.kind === 'baseline_created' ? record.data.criterionCount : baseline.deliverables.reduce((n, d) => n + d.criteria.length, 0),
      parts: parts.length,
    };
  }

  /** Which condition failed: a deliverable version (final), the head (retry), or neither. */
  private async diagnose(write: StoreCommit, head: HeadEntity | null): Promise<'VERSION' | 'HEAD' | 'UNKNOWN'> {
    for (const { state, expectedVersion } of write.deliverables ?? []) {
      const raw = await kvs.entity<DeliverableEntity>(E.deliverable).get(deliverableKey(state.platform, state.id));
      const entity = raw === undefined ? null : readStored(deliverableEntitySchema, raw, `deliverable ${state.platform}:${state.id}`);
      if (!entity || entity.version !== (expectedVersion ?? 0)) return 'VERSION';
    }
    if (head && (await this.readHead(write.scopeId))?.token !== head.token) return 'HEAD';
    return 'UNKNOWN';
  }

  /**
   * Writes the index entries (and reason references) of committed records. Idempotent: the same
   * records always produce the same entries, so a crash before the end is repaired by ensureIndexed.
   * The watermark only moves to N once everything up to N is indexed.
   */
  private async indexRecords(scopeId: string, records: readonly HistoryRecord[]): Promise<void> {
    const first = records[0];
    const last = records[records.length - 1];
    if (!first || !last) return;
    const indexed = await this.readWatermark(scopeId);
    if (indexed < first.seq - 1) await this.catchUp(scopeId, indexed + 1, first.seq - 1);
    await this.writeIndex(scopeId, records);
    await kvs.set(watermarkKey(scopeId), { through: last.seq });
  }

  private async ensureIndexed(scopeId: string): Promise<void> {
    const [head, indexed] = await Promise.all([this.readHead(scopeId), this.readWatermark(scopeId)]);
    if (head && head.seq > indexed) {
      await this.catchUp(scopeId, indexed + 1, head.seq);
      await kvs.set(watermarkKey(scopeId), { through: head.seq });
    }
  }

  private async readWatermark(scopeId: string): Promise<number> {
    const stored = await kvs.get<{ through: number }>(watermarkKey(scopeId));
    return stored === undefined ? -1 : readStored(watermarkSchema, stored, `index watermark of scope ${scopeId}`).through;
  }

  private async catchUp(scopeId: string, fromSeq: number, toSeq: number): Promise<void> {
    let batch: HistoryRecord[] = [];
    for await (const record of this.readHistoryFrom(scopeId, fromSeq)) {
      if (record.seq > toSeq) break;
      batch.push(record);
      if (batch.length >= 500) {
        await this.writeIndex(scopeId, batch);
        batch = [];
      }
    }
    if (batch.length > 0) await this.writeIndex(scopeId, batch);
  }

  private async writeIndex(scopeId: string, records: readonly HistoryRecord[]): Promise<void> {
    const items: { key: string; value: unknown; entityName?: string }[] = [];
    for (const record of records) {
      items.push({ key: entryKey(scopeId, record.seq), value: toIndexEntry(record), entityName: E.entry });
      if (record.kind === 'reason_attached') {
        // A later reason for the same change overwrites an earlier one: one batch must not hold a key twice.
        for (const id of new Set(record.data.changeIds)) items.push({ key: reasonKey(scopeId, id), value: { seq: record.seq } });
      }
    }
    for (const chunk of chunkBatch(dedupeLastWins(items))) {
      const result = await kvs.batchSet(chunk);
      if (result.failedKeys.length > 0) {
        const failed = result.failedKeys[0];
        throw new Error(`indexing history of scope ${scopeId} failed for ${failed?.key}: ${failed?.error.code} ${failed?.error.message}`);
      }
    }
  }

  private async *readHistoryFrom(scopeId: string, fromSeq: number): AsyncIterable<HistoryRecord> {
    for await (const page of this.readHistoryPagesFrom(scopeId, fromSeq)) yield* page;
  }

  /** The records of each segment query page in turn, so a reader can stop where a read ends. */
  private async *readHistoryPagesFrom(scopeId: string, fromSeq: number): AsyncIterable<HistoryRecord[]> {
    let start = 0;
    if (fromSeq > 0) {
      // The segment holding fromSeq may start before it.
      const holding = await kvs
        .entity<SegmentEntity>(E.segment)
        .query()
        .index('by-scope', { partition: [scopeId] })
        .where(WhereConditions.lessThanEqualTo(fromSeq))
        .sort(Sort.DESC)
        .limit(1)
        .getMany();
      const first = holding.results[0];
      start = first ? readStored(segmentEntitySchema, first.value, `history segment of scope ${scopeId}`).fromSeq : 0;
    }
    let cursor: string | undefined;
    do {
      let query = kvs
        .entity<SegmentEntity>(E.segment)
        .query()
        .index('by-scope', { partition: [scopeId] })
        .where(WhereConditions.greaterThanEqualTo(start))
        .sort(Sort.ASC)
        .limit(SEGMENT_PAGE_SIZE);
      if (cursor) query = query.cursor(cursor);
      const page = await query.getMany();
      const found: HistoryRecord[] = [];
      for (const { value } of page.results) {
        const segment = readStored(segmentEntitySchema, value, `history segment of scope ${scopeId}`);
        const where = `history segment ${segment.fromSeq} of scope ${scopeId}`;
        const stored = segment.records ?? (await this.readSplitRecord(scopeId, segment));
        stored.forEach((raw, i) => {
          const record = readStoredRecord(raw, `${where}, record ${i}`);
          if (record.seq >= fromSeq) found.push(record);
        });
      }
      yield found;
      cursor = page.nextCursor;
    } while (cursor);
  }

  /** Candidates minus those a later reason_attached record refers to (by change id or record id). */
  private async dropDocumented(scopeId: string, candidates: readonly EntryEntity[]): Promise<EntryEntity[]> {
    if (candidates.length === 0) return [];
    const ids = [...new Set(candidates.flatMap((c) => [c.changeId, c.recordId]).filter((id) => id !== NONE))];
    const reasons = new Map<string, number>();
    for (let i = 0; i < ids.length; i += BATCH_KEYS) {
      const chunk = ids.slice(i, i + BATCH_KEYS);
      const result = await kvs.batchGet<{ seq: number }>(chunk.map((id) => ({ key: reasonKey(scopeId, id) })));
      for (const hit of result.successfulKeys) {
        const id = chunk.find((candidate) => reasonKey(scopeId, candidate) === hit.key);
        if (id !== undefined) reasons.set(id, readStored(reasonRefSchema, hit.value, `reason reference ${id} of scope ${scopeId}`).seq);
      }
    }
    const documented = (id: string, seq: number) => (reasons.get(id) ?? -1) > seq;
    return candidates.filter((c) => !documented(c.changeId, c.seq) && !documented(c.recordId, c.seq));
  }

  /** A record stored as text in parts: the segment holds the first, plain keys the others. */
  private async readSplitRecord(scopeId: string, segment: StoredSegmentEntity): Promise<unknown[]> {
    const where = `history segment ${segment.fromSeq} of scope ${scopeId}`;
    const keys = Array.from({ length: segment.parts - 1 }, (_, i) => segmentPartKey(scopeId, segment.fromSeq, i + 1));
    const found = new Map<string, string>();
    for (let i = 0; i < keys.length; i += BATCH_KEYS) {
      const result = await kvs.batchGet<string>(keys.slice(i, i + BATCH_KEYS).map((key) => ({ key })));
      for (const hit of result.successfulKeys) found.set(hit.key, hit.value);
    }
    const texts = [segment.text ?? '', ...keys.map((key) => found.get(key))];
    if (texts.some((t) => typeof t !== 'string')) throw new Error(`stored ${where} is incomplete: a part is missing`);
    return readStored(z.array(z.unknown()), parseStoredJson(texts.join(''), where), where);
  }

  /**
   * A FAIL_IF_EXISTS refusal. The docs say only "if the key already exists, don't overwrite it"
   * (storage-reference/kvs-api, entities-api), and the error tables (handling-errors-kvs,
   * handling-errors-customentities) list no code for it, so either shape counts: HTTP 409, or the
   * code KEY_CONFLICT. Which shape came is counted, and logged once per shape, to confirm it on
   * the real platform.
   */
  private isKeyConflict(error: unknown): boolean {
    const { status, code } = errorFields(error);
    if (status !== 409 && code !== 'KEY_CONFLICT') return false;
    const shape = `${status ?? '?'} ${code ?? '?'}`;
    const seen = this.stats.keyConflicts[shape] ?? 0;
    this.stats.keyConflicts[shape] = seen + 1;
    if (seen === 0) this.logger.info(`storage answered a FAIL_IF_EXISTS conflict as ${shape}`);
    return true;
  }

  private async recordsOf(scopeId: string, entries: readonly EntryEntity[]): Promise<HistoryRecord[]> {
    const records: HistoryRecord[] = [];
    for (const entry of entries) {
      if (entry.record !== undefined) {
        records.push(readStoredRecord(entry.record, `history index entry ${entry.seq} of scope ${scopeId}`, entry.seq));
        continue;
      }
      // Rare: a record too large to repeat in its index entry is read from its segment.
      for await (const record of this.readHistoryFrom(scopeId, entry.seq)) {
        records.push(record);
        break;
      }
    }
    return records;
  }
}

// ---- keys --------------------------------------------------------------------------------------

const SAFE_PART = /^[A-Za-z0-9._-]+$/;

/**
 * Builds a storage key from parts. Keys allow letters, digits and `:._-#` and whitespace, up to
 * 500 characters (Forge storage limits). Ids from elsewhere may hold other characters, so such a
 * part is hex-encoded behind `#` (which plain parts never contain); an over-long key becomes a hash.
 */
export function storageKey(...parts: (string | number)[]): string {
  const key = parts.map((p) => (SAFE_PART.test(String(p)) ? String(p) : `#${Buffer.from(String(p), 'utf8').toString('hex')}`)).join(':');
  return key.length <= MAX_KEY_LENGTH ? key : `#sha256:${createHash('sha256').update(key).digest('hex')}`;
}

const pad = (n: number) => String(n).padStart(12, '0');
const deliverableKey = (platform: string, id: string) => storageKey(platform, id);
const deliverablePartKey = (platform: string, id: string, version: number, part: number) => storageKey('dlvp', platform, id, version, part);
const headKey = (scopeId: string) => storageKey(scopeId);
const segmentKey = (scopeId: string, fromSeq: number) => storageKey(scopeId, pad(fromSeq));
const segmentPartKey = (scopeId: string, fromSeq: number, part: number) => storageKey('segp', scopeId, pad(fromSeq), part);
const entryKey = (scopeId: string, seq: number) => storageKey(scopeId, pad(seq));
const baselineKey = (scopeId: string, major: number, id: string, part: number) => storageKey('bl', scopeId, major, id, part);
const reasonKey = (scopeId: string, id: string) => storageKey('rr', scopeId, id);
const watermarkKey = (scopeId: string) => storageKey('hix', scopeId);
const documentKey = (scopeId: string, name: string) => storageKey('sdoc', scopeId, name);
const documentPartKey = (scopeId: string, name: string, token: string, part: number) => storageKey('sdocp', scopeId, name, token, part);

/** Where a scope document's JSON is: `parts` plain keys named by `token`. */
interface DocumentPointer {
  token: string;
  parts: number;
}

// ---- helpers -----------------------------------------------------------------------------------

function toHistoryHead(head: HeadEntity | null): HistoryHead | null {
  if (!head || head.seq < 0) return null;
  if (!head.hash) throw new Error(`stored head of scope ${head.scopeId} is corrupted: seq ${head.seq} without a hash`);
  return { seq: head.seq, hash: head.hash, scopeVersion: head.scopeVersion ?? null };
}

/** A head entity; hash and scope version are left out when there are none, as empty strings are refused. */
function buildHead(fields: Omit<HeadEntity, 'hash' | 'scopeVersion'> & { hash: string | null | undefined; scopeVersion: string | null | undefined }): HeadEntity {
  const { hash, scopeVersion, ...rest } = fields;
  return { ...rest, ...(hash ? { hash } : {}), ...(scopeVersion ? { scopeVersion } : {}) };
}

/** A string attribute value: blank ones are stored as NONE, since the platform refuses them. */
function orNone(value: string | null | undefined): string {
  return value && value.trim() !== '' ? value : NONE;
}

function tokenIs(token: string) {
  return new Filter<HeadEntity>().and('token', FilterConditions.equalTo(token));
}

function toIndexEntry(record: HistoryRecord): EntryEntity {
  const isChange = record.kind === 'scope_changed';
  const entry: EntryEntity = {
    scopeId: record.scopeId,
    seq: record.seq,
    kind: record.kind,
    actorId: orNone(record.actor?.id),
    deliverableId: orNone(record.deliverableId),
    // Instants, not text: "12:00+02:00" and "10:00Z" are the same moment.
    atMs: Date.parse(record.at),
    // Same rule as the core's signal: a blank reason is no reason.
    noReason: isChange && !record.data.reason?.trim() ? 1 : 0,
    changeId: isChange ? orNone(record.data.changeId) : NONE,
    recordId: orNone(record.id),
  };
  return byteLength({ ...entry, record }) <= PART_BYTES ? { ...entry, record } : { ...entry, inSegment: true };
}

/**
 * Consecutive records grouped into segments of at most ~200 KiB; one larger record is split as
 * text, its first part in the segment and the others (moreParts) in plain keys. Each segment is
 * indexed by its first seq alone, an `integer` like every seq (32-bit: runtime-reference/custom-entities).
 */
function buildSegments(scopeId: string, records: readonly HistoryRecord[]): { segment: SegmentEntity; moreParts: string[] }[] {
  const segments: { segment: SegmentEntity; moreParts: string[] }[] = [];
  let group: HistoryRecord[] = [];
  let size = 2;
  const flush = () => {
    const first = group[0];
    const last = group[group.length - 1];
    if (first && last) segments.push({ segment: { scopeId, fromSeq: first.seq, toSeq: last.seq, parts: 1, records: group }, moreParts: [] });
    group = [];
    size = 2;
  };
  for (const record of records) {
    const bytes = byteLength(record) + 1;
    if (bytes > PART_BYTES) {
      flush();
      const [text = '', ...moreParts] = splitText(JSON.stringify([record]), PART_BYTES);
      segments.push({ segment: { scopeId, fromSeq: record.seq, toSeq: record.seq, parts: 1 + moreParts.length, text }, moreParts });
      continue;
    }
    if (size + bytes > PART_BYTES) flush();
    group.push(record);
    size += bytes;
  }
  flush();
  return segments;
}

/** Splits text into pieces whose stored (JSON-escaped, UTF-8) size stays within maxBytes. */
function splitText(text: string, maxBytes: number): string[] {
  const parts: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + Math.floor(maxBytes / 6));
    // Grow while it fits; escaping and multi-byte characters make the ratio unknown up front.
    while (end < text.length && byteLength(text.slice(start, Math.min(text.length, end + 4096))) <= maxBytes) {
      end = Math.min(text.length, end + 4096);
    }
    // Never cut a surrogate pair in two.
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end -= 1;
    parts.push(text.slice(start, end));
    start = end;
  }
  return parts.length > 0 ? parts : [''];
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

function conflict(code: Conflict['code'], message: string): Conflict {
  return { ok: false, code, message };
}

// Errors are read by their fields: the SDK's ForgeKvsAPIError carries the HTTP status and code.
function errorFields(error: unknown): { status: number | null; code: string | null } {
  const e = error as { responseDetails?: { status?: unknown }; code?: unknown } | null;
  const status = typeof e?.responseDetails?.status === 'number' ? e.responseDetails.status : null;
  return { status, code: typeof e?.code === 'string' ? e.code : null };
}

/** Splits batch items into batches within the documented key count and payload size. */
function chunkBatch<T>(items: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = byteLength(item);
    if (chunk.length > 0 && (chunk.length >= BATCH_KEYS || bytes + size > BATCH_BYTES)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** The items with each (entity, key) once, the last one winning, in the order of their last write. */
function dedupeLastWins<T extends { key: string; entityName?: string }>(items: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const item of items) {
    const id = `${item.entityName ?? ''}\u0000${item.key}`;
    byId.delete(id);
    byId.set(id, item);
  }
  return [...byId.values()];
}

/**
 * The code of a failed transaction condition is not documented, so any client error other than
 * a rate limit may be one; the store then re-reads to find out (see diagnose) and rethrows otherwise.
 */
function mayBeConditionFailure(error: unknown): boolean {
  const { status } = errorFields(error);
  return status !== null && status >= 400 && status < 500 && status !== 429;
}

/** A short, fully jittered pause between compare-and-swap attempts, so contending writers spread out. */
function backoff(attempt: number): Promise<void> {
  const ms = computeBackoffMs({ attempt, random: Math.random(), baseMs: 5, maxMs: 40, jitter: 'full' });
  return new Promise((resolve) => setTimeout(resolve, ms));
}
