import type { StoreCommit } from '../../src/core/store';
import type { SqlCommitResult } from '../../src/store/sql-store';
import type { LinearAction } from '../gateway/linear-action';

// The durable inbox (verified deliveries waiting to be processed) and outbox (actions waiting
// to be sent to Linear). `queue-store.ts` implements it in the same SQL database as the
// ScopeStore, so finishing a delivery is one transaction with its scope records.

export interface InboxDelivery {
  deliveryId: string;
  /** Arrival order. */
  seq: number;
  receivedAt: string;
  eventType: string;
  action: string;
  /** Deliveries with the same key (the issue id) are processed strictly in arrival order. */
  orderingKey: string | null;
  /** The envelope as received, already verified and validated. */
  body: unknown;
  attempts: number;
}

export interface NewDelivery {
  deliveryId: string;
  receivedAt: string;
  eventType: string;
  action: string;
  orderingKey: string | null;
  /**
   * The JSON text the worker reads: the signed text, or (when it held what PostgreSQL cannot
   * store, see normalise-webhook-text.ts) that text normalised.
   */
  rawBody: string;
  /**
   * The exact bytes Linear signed, kept so the signature can be checked again from storage. The
   * ingress always passes them, with their SHA-256 the inbox deduplicates on (a replay under a
   * new Linear-Delivery id is a duplicate); deliveries written without them (tests, imports) are
   * deduplicated by delivery id only.
   */
  signedBody?: Buffer;
}

/** What the inbox keeps of a delivery's signed bytes (readSignedBody). */
export interface SignedBody {
  bytes: Buffer;
  sha256: string;
}

export const INBOX_STATUSES = ['pending', 'done', 'failed'] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];

export const OUTBOX_STATUSES = ['pending', 'sent', 'failed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** What the queue recovers from, logged and counted through its `onFault`. */
export const QUEUE_FAULT_KINDS = [
  /** A stored delivery's body is not JSON: it is failed, so it cannot block its issue's later deliveries. */
  'corrupt_delivery',
  /** A stored outbox action does not match its schema: it is failed instead of sent. */
  'corrupt_action',
  /** A batch of completions failed as a whole; they were completed one by one instead. */
  'batch_completion_failed',
  /** PGlite's manual VACUUM failed; only speed is at stake. */
  'vacuum_failed',
] as const;
export type QueueFaultKind = (typeof QUEUE_FAULT_KINDS)[number];

export interface OutboxEntry {
  action: LinearAction;
  deliveryId: string | null;
  status: OutboxStatus;
  attempts: number;
  /** Times it was claimed for sending, this claim included: 1 means it was never handed out before. */
  claims: number;
  lastError: string | null;
  nextAttemptAt: string;
  createdAt: string;
}

/** A dead-lettered delivery, for /healthz and `scopekeeper deliveries list`. */
export interface FailedDelivery {
  deliveryId: string;
  receivedAt: string;
  eventType: string;
  action: string;
  orderingKey: string | null;
  attempts: number;
  lastError: string | null;
  failedAt: string | null;
}

/** A permanently failed action, for /healthz. `action` is null when the stored action itself could not be read. */
export interface FailedOutboxEntry extends Omit<OutboxEntry, 'action'> {
  id: string;
  issueId: string;
  action: LinearAction | null;
}

export interface CompleteDelivery {
  deliveryId: string;
  /**
   * A short word for logs and metrics: processed, ignored, own_change, … A string, not a union:
   * the decisions (decide-*.ts) name outcomes, and the queue only stores the word.
   */
  outcome: string;
  /** Scope records and deliverable state to write with it; null when nothing changes. */
  commit: StoreCommit | null;
  /** Actions to send to Linear, stored in the same transaction. Ids already stored are kept as they are. */
  actions: LinearAction[];
  now: string;
}

export interface QueueStore {
  /** Stores a verified delivery; 'duplicate' when this Linear-Delivery id, or these signed bytes, were stored before. */
  enqueueDelivery(delivery: NewDelivery): Promise<'stored' | 'duplicate'>;
  /**
   * Pending deliveries that are due, oldest first, skipping any whose ordering key has an
   * older delivery still pending (so one issue's deliveries are never processed out of order).
   */
  claimDeliveries(limit: number, now: string): Promise<InboxDelivery[]>;
  /** Marks the delivery done, writes its scope commit and enqueues its actions, atomically. */
  completeDelivery(input: CompleteDelivery): Promise<SqlCommitResult>;
  /** `countsAttempt: false`: waiting for Linear, not a failure of the delivery; its attempt budget stays. */
  retryDelivery(deliveryId: string, error: string, nextAttemptAt: string, countsAttempt?: boolean): Promise<void>;
  /** Gives up on a delivery (kept for inspection and `reconcile`); later ones for its issue go on. */
  failDelivery(deliveryId: string, error: string, now: string): Promise<void>;
  inboxBacklog(): Promise<number>;
  inboxOldestPendingAt(): Promise<string | null>;

  enqueueActions(actions: LinearAction[], deliveryId: string | null, now: string): Promise<void>;
  claimDueActions(limit: number, now: string): Promise<OutboxEntry[]>;
  markActionSent(id: string, now: string): Promise<void>;
  /** `countsAttempt: false`: a rate-limit wait or a wait for another action, not a failed attempt. */
  markActionRetry(id: string, error: string, nextAttemptAt: string, countsAttempt?: boolean): Promise<void>;
  /** The status of an outbox action, or null when there is none with this id. */
  actionStatus(id: string): Promise<OutboxStatus | null>;
  markActionFailed(id: string, error: string, now: string): Promise<void>;
  /** Permanent send failures, newest first, for /healthz. */
  listFailedActions(limit: number): Promise<FailedOutboxEntry[]>;
  countFailedActions(): Promise<number>;
  /** True when Scopekeeper itself created this comment (or other entity): loop prevention. */
  isOwnAction(id: string): Promise<boolean>;
}
