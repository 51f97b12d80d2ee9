import { z } from 'zod';
import { parseWith } from './parse-with';
import type { Actor, Baseline, Criterion, DeliverableState, HistoryDraft, HistoryKind, HistoryRecord, Platform } from './schemas';

// The storage port. The core only declares it; adapters implement it (SQL in src/store,
// Forge KVS in src/forge) and one contract suite (test/store/store-contract.ts) holds them to it.
// Two parts: ScopeStore, what every adapter offers and shared callers may use, and
// ForgeScopeStore, what only the Forge handlers need (each method says why it is Forge's alone).

export interface StoredDeliverable {
  state: DeliverableState;
  /** Optimistic concurrency token: 1 on first write, +1 on every write. */
  version: number;
}

export interface HistoryHead {
  seq: number;
  hash: string;
  scopeVersion: string | null;
}

export interface DeliverableWrite {
  state: DeliverableState;
  /** The version the caller read; null means "must not exist yet". */
  expectedVersion: number | null;
}

/**
 * One atomic unit of work: either every part is written or none is.
 * History drafts are chained onto the scope's head inside the same transaction.
 */
export interface StoreCommit {
  scopeId: string;
  deliverables?: DeliverableWrite[];
  baseline?: Baseline;
  history?: HistoryDraft[];
  /**
   * When set, the commit fails with HISTORY_CONFLICT unless the scope's head hash is this
   * value (null: the scope has no history yet). Without it, a concurrent append is retried
   * onto the new head, which is safe because drafts do not depend on the head.
   */
  expectedHistoryHead?: string | null;
}

export type StoreConflictCode = 'VERSION_CONFLICT' | 'HISTORY_CONFLICT' | 'BASELINE_EXISTS';

export type CommitResult =
  | { ok: true; versions: Record<string, number>; records: HistoryRecord[] }
  | { ok: false; code: StoreConflictCode; message: string };

export interface HistoryQuery {
  scopeId: string;
  /** Newest first. Pass the previous page's `nextCursor` to continue. */
  cursor?: string | null;
  limit?: number;
  deliverableId?: string;
  kinds?: HistoryKind[];
  authorId?: string;
  /** Inclusive ISO times. */
  from?: string;
  to?: string;
  /** Only scope changes with no reason, given or attached later. */
  undocumentedOnly?: boolean;
}

export interface HistoryPage {
  records: HistoryRecord[];
  nextCursor: string | null;
}

export interface ScopeStore {
  getDeliverable(platform: Platform, deliverableId: string): Promise<StoredDeliverable | null>;
  listDeliverables(scopeId: string): Promise<StoredDeliverable[]>;
  getActiveBaseline(scopeId: string): Promise<Baseline | null>;
  listBaselines(scopeId: string): Promise<Baseline[]>;
  getHistoryHead(scopeId: string): Promise<HistoryHead | null>;
  queryHistory(query: HistoryQuery): Promise<HistoryPage>;
  /** The whole chain in order, for verification and export. */
  readHistory(scopeId: string): AsyncIterable<HistoryRecord>;
  /**
   * The chain in order from `fromSeq`, one storage read at a time, so a caller that counts or
   * checks the history in slices can stop at the end of a read.
   */
  readHistoryPagesSince(scopeId: string, fromSeq: number): AsyncIterable<HistoryRecord[]>;
  /** Ids of the given scope changes that are undocumented: no reason given, none attached later. */
  findUndocumented(scopeId: string, records: readonly HistoryRecord[]): Promise<Set<string>>;
  commit(write: StoreCommit): Promise<CommitResult>;
  close(): Promise<void>;
}

/** A deliverable's criteria in the scope's active baseline, kept beside it so a panel load needs no baseline read. */
export interface BaselineCache {
  baselineId: string;
  /** Null: the deliverable is not in that baseline (it was added after it). */
  criteria: Criterion[] | null;
}

export interface DeliverableEntry {
  stored: StoredDeliverable;
  baselineCache: BaselineCache | null;
}

/** What the scope's head keeps about each baseline, so listing them needs no baseline read. */
export interface BaselineMeta {
  id: string;
  major: number;
  name: string;
  createdAt: string;
  approvedBy: Actor;
  deliverableCount: number;
  criterionCount: number;
  /** How many stored pieces the baseline was split into. */
  parts: number;
}

/** One read: the scope's history head, its baselines and the adapter's extension data. */
export interface ScopeSummary {
  head: HistoryHead | null;
  baselines: BaselineMeta[];
  activeBaseline: BaselineMeta | null;
  ext: Record<string, unknown>;
}

export interface CommitOptions {
  /** Baseline caches to store with the deliverables written, by "platform:id"; others lose theirs. */
  baselineCaches?: Record<string, BaselineCache>;
  /** Replaces the extension data (Forge: project settings) in the same transaction as the history. */
  updateExt?: (ext: Record<string, unknown>) => Record<string, unknown>;
}

/**
 * What the Forge handlers need beyond ScopeStore. None of it has a use on the Linear side:
 * Forge's storage has no joins, no aggregates, at most 100 entities a query and a read per key,
 * so the Forge app caches, pages and tallies where SQL simply queries; and Forge keeps project
 * settings in storage, where the Linear service reads them from its environment.
 */
export interface ForgeScopeStore extends ScopeStore {
  /** The deliverable with its baseline cache (saves the baseline read on a panel load). */
  readDeliverableEntry(platform: Platform, deliverableId: string): Promise<DeliverableEntry | null>;
  /** Several deliverables by id, missing ones left out: one batch read instead of one read each. */
  readDeliverableEntries(platform: Platform, ids: readonly string[]): Promise<Map<string, DeliverableEntry>>;
  /** One storage page of a scope's deliverables in id order, after `after`: a KVS query returns at most 100. */
  readDeliverablePage(scopeId: string, after: string | null): Promise<{ entries: DeliverableEntry[]; last: string | null; done: boolean }>;
  /** Stores a baseline cache without a new version; false when the deliverable changed meanwhile. */
  writeBaselineCache(platform: Platform, deliverableId: string, cache: BaselineCache): Promise<boolean>;
  /** Head, baselines and project settings in one read: they share the scope's head entity. */
  readScopeSummary(scopeId: string): Promise<ScopeSummary>;
  /** Replaces the project settings kept with the head. */
  updateScopeExtension(scopeId: string, update: (ext: Record<string, unknown>) => Record<string, unknown>): Promise<void>;
  /** A baseline by its meta (which says how many parts it is stored in). */
  readBaseline(scopeId: string, meta: BaselineMeta): Promise<Baseline>;
  /**
   * One stored piece of a baseline's JSON text, unchecked (0 ≤ index < meta.parts; the pieces
   * join to the text readBaseline parses). For copying a large baseline a piece at a time.
   */
  readBaselinePart(scopeId: string, meta: BaselineMeta, index: number): Promise<string>;
  /** `commit`, also writing baseline caches and project settings in the same transaction. */
  commitWith(write: StoreCommit, options: CommitOptions): Promise<CommitResult>;
  /** Marks a Forge event handled; false when it was (events can come twice, with no inbox to dedupe them). */
  claimEvent(eventId: string): Promise<boolean>;
  /** Running tallies of the project page, which stand in for the aggregate queries KVS cannot run. */
  readScopeDocuments(scopeId: string, names: readonly string[]): Promise<Map<string, unknown>>;
  writeScopeDocument(scopeId: string, name: string, value: unknown): Promise<void>;
}

export const HISTORY_PAGE_MAX = 100;

// ---- shared by the adapters: checks of what they read back and of what they are asked to write ----

/** Parses stored JSON text; `what` names the stored thing in the error. */
export function parseStoredJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`stored ${what} is not valid JSON`, { cause: error });
  }
}

/** A stored value checked against its schema; corrupt data throws an error naming what and where ("path: message"). */
export function readStored<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = parseWith(schema, value);
  if (!parsed.ok) throw new Error(`stored ${what} is corrupted: ${parsed.errors.join('; ')}`);
  return parsed.value;
}

/** The fields of a stored history record that the stores themselves rely on. */
const storedRecordShape = z.looseObject({ seq: z.number().int().nonnegative(), kind: z.string().min(1), hash: z.string().min(1) });

/**
 * A stored history record, returned as stored rather than as parsed: zod's defaults and trimming
 * would change the content and hide tampering that verifyHistory must be able to see. Only the
 * shape the stores rely on is checked; the hash chain vouches for the rest.
 */
export function readStoredRecord(value: unknown, what: string, expectedSeq?: number): HistoryRecord {
  const shape = readStored(storedRecordShape, value, what);
  if (expectedSeq !== undefined && shape.seq !== expectedSeq) throw new Error(`stored ${what} is corrupted: seq: expected ${expectedSeq}, found ${shape.seq}`);
  return value as HistoryRecord;
}

/** Caller bugs, not conflicts, so they throw: a retry could never fix them. */
export function assertCommitShape(write: StoreCommit): void {
  for (const draft of write.history ?? []) {
    if (draft.scopeId !== write.scopeId) throw new Error(`history record ${draft.id} belongs to scope ${draft.scopeId}, not ${write.scopeId}`);
  }
  if (write.baseline && write.baseline.scopeId !== write.scopeId) {
    throw new Error(`baseline ${write.baseline.id} belongs to scope ${write.baseline.scopeId}, not ${write.scopeId}`);
  }
  const keys = (write.deliverables ?? []).map((w) => `${w.state.platform}:${w.state.id}`);
  const repeated = keys.find((key, index) => keys.indexOf(key) !== index);
  if (repeated) throw new Error(`deliverable ${repeated} is written twice in one commit`);
}

// ---- the Linear console's reads and per-scope settings (SQL store only) ----

/** A scope the store holds, with one deliverable key to name it by (Linear: "ENG-42" names team ENG). */
export interface ScopeListing {
  scopeId: string;
  sampleKey: string | null;
}

/** History counts the console's overview shows without reading the whole chain. */
export interface HistoryCounts {
  records: number;
  /** Scope changes with no reason, given or attached later. */
  undocumented: number;
  /** closure_bypassed with action recorded: closures that stand without a valid sign-off. */
  bypasses: number;
  /** Closures that stand: bypasses and closure_allowed. */
  closures: number;
}

/** One day of a scope's history, for the console's chart of scope version and drift. */
export interface ScopeTrendDay {
  /** UTC date, YYYY-MM-DD. */
  day: string;
  /** The scope version after the day's last record. */
  scopeVersion: string | null;
  /** Scope changes recorded that day. */
  changes: number;
  /** Of those, the ones that still have no reason. */
  undocumented: number;
}

/** A scope's stored settings as written (the caller checks them with its own schema). */
export interface StoredScopeSettings {
  settings: unknown;
  /** Optimistic concurrency token: 1 on first write, +1 on every write. */
  version: number;
}

export interface ScopeSettingsWrite {
  settings: Record<string, unknown>;
  /** The version the caller read; null means "none stored yet". */
  expectedVersion: number | null;
}

/**
 * What the Linear service's console needs beyond ScopeStore: SQL answers these with one query
 * each, and per-scope settings live in the database with their history record in one commit.
 */
export interface ConsoleScopeStore extends ScopeStore {
  /** Scopes whose id starts with `prefix` (e.g. "linear:"). */
  listScopes(prefix: string): Promise<ScopeListing[]>;
  countHistory(scopeId: string): Promise<HistoryCounts>;
  /**
   * A token that changes whenever the scope's history, baselines or deliverables do (any write
   * to them): a page may keep what it computed from them until the token changes.
   */
  readScopeStamp(scopeId: string): Promise<string>;
  /** The days with records among the `days` days up to the scope's latest record, oldest first. */
  readScopeTrend(scopeId: string, days: number): Promise<ScopeTrendDay[]>;
  /** Deliverable id → key for the given ids (all of the scope's when omitted), without reading whole states. */
  readDeliverableKeys(scopeId: string, ids?: readonly string[]): Promise<Map<string, string>>;
  /** The id of the scope's deliverable with this key (case-insensitive), or null. */
  findDeliverableIdByKey(scopeId: string, key: string): Promise<string | null>;
  readScopeSettings(scopeId: string): Promise<StoredScopeSettings | null>;
  /** `commit` (e.g. the settings_changed record) and the settings, in one transaction; VERSION_CONFLICT when they changed since read. */
  commitScopeSettings(write: StoreCommit, settings: ScopeSettingsWrite): Promise<CommitResult>;
  /** Console sessions, keyed by the SHA-256 of the session id (the console checks what it reads back). */
  insertConsoleSession(session: StoredConsoleSession): Promise<void>;
  readConsoleSession(idHash: string): Promise<StoredConsoleSession | null>;
  /** Removes that session and every session expired by `now` (ISO). */
  deleteConsoleSessions(idHash: string | null, now: string): Promise<void>;
}

export interface StoredConsoleSession {
  idHash: string;
  identity: unknown;
  csrfToken: string;
  /** ISO time. */
  expiresAt: string;
}
