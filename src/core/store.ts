import type { Baseline, DeliverableState, HistoryDraft, HistoryKind, HistoryRecord, Platform } from './schemas';

// The storage port. The core only declares it; adapters implement it (SQL in src/store,
// Forge KVS in src/forge) and one contract suite (test/store/store-contract.ts) holds them to it.

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
  commit(write: StoreCommit): Promise<CommitResult>;
  close(): Promise<void>;
}

export const HISTORY_PAGE_MAX = 100;
