import { createHash } from 'node:crypto';
import { sql, type Generated, type Kysely, type Selectable } from 'kysely';
import { z } from 'zod';
import { parseWith } from '../../src/core/parse-with';
import { describeError, reportFaultOnConsole, type ReportFault } from '../../src/store/report-fault';
import { coalesceCalls, type SqlCommitResult, type SqlStore } from '../../src/store/sql-store';
import { linearActionSchema, type LinearAction } from '../gateway/linear-action';
import { QUEUE_MIGRATION_TABLE, queueMigrations } from './queue-migrations';
import {
  OUTBOX_STATUSES,
  type CompleteDelivery,
  type FailedDelivery,
  type FailedOutboxEntry,
  type InboxDelivery,
  type InboxStatus,
  type NewDelivery,
  type OutboxEntry,
  type OutboxStatus,
  type QueueFaultKind,
  type QueueStore,
  type SignedBody,
} from './queue-types';

// The inbox and outbox tables (queue-migrations.ts). Timestamps go in as ISO strings and come
// back as Date (pg) or string; `toIso` evens that out. `seq` is a bigint: pg returns it as a
// string. `attempts` counts the attempts that failed (retried or given up).

type Timestamp = string | Date;

interface LinearInboxTable {
  delivery_id: string;
  seq: Generated<string | number>;
  received_at: Timestamp;
  event_type: string;
  action: string;
  ordering_key: string | null;
  raw_body: string;
  signed_body: Buffer | Uint8Array | null;
  body_sha256: string | null;
  status: InboxStatus;
  attempts: number;
  next_attempt_at: Timestamp;
  last_error: string | null;
  outcome: string | null;
  processed_at: Timestamp | null;
  claimed_by: string | null;
}

interface LinearOutboxTable {
  id: string;
  seq: Generated<string | number>;
  delivery_id: string | null;
  issue_id: string;
  type: string;
  action: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: Timestamp;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  failed_at: Timestamp | null;
  claimed_by: string | null;
  claims: Generated<number>;
}

// A type alias, not an interface: `withTables` wants a type with an implicit index signature.
type QueueTables = {
  linear_inbox: LinearInboxTable;
  linear_outbox: LinearOutboxTable;
};

type QueueDb = Kysely<QueueTables>;
type InboxRow = Selectable<LinearInboxTable>;
type OutboxRow = Selectable<LinearOutboxTable>;

export interface QueueStoreOptions {
  /**
   * How long a claimed delivery or action stays invisible to other claims. A worker that dies
   * mid-way leaves it pending, so it is claimed again after the lease: at least once.
   */
  claimLeaseMs?: number;
  /** Where faults the queue recovered from go; default a console line. The service logs and counts them. */
  onFault?: ReportFault;
  /**
   * Who claims: stored with each claim, so a restarted instance (same id) takes back its own
   * unfinished work at once (releaseOwnClaims) instead of waiting for the lease. Default 'local'.
   */
  instanceId?: string;
}

const DEFAULT_LEASE_MS = 5 * 60_000;
const MAX_ERROR_LENGTH = 2_000;
/** Deliveries stored by one inbox insert; 9 bind parameters a row. */
const ENQUEUE_BATCH = 64;
/** …and at most about this many bytes of bodies in it (a body may be up to the ingress limit). */
const ENQUEUE_BATCH_BYTES = 4 * 1024 * 1024;
/** Deliveries finished by one transaction. */
const COMPLETE_BATCH = 32;
const MARK_SENT_BATCH = 100;
/**
 * PGlite has no autovacuum: rows leaving the pending state leave dead entries in the pending
 * indexes, and every claim walks them. This many state changes trigger a manual VACUUM.
 */
const VACUUM_EVERY = 2_000;

/** Inbox and outbox in the SqlStore's database, so a delivery finishes in one transaction with its scope commit. */
export class SqlQueueStore implements QueueStore {
  private readonly db: QueueDb;
  private readonly leaseMs: number;
  readonly instanceId: string;
  private readonly insertDelivery: (delivery: NewDelivery) => Promise<'stored' | 'duplicate'>;
  private readonly finishDelivery: (input: CompleteDelivery) => Promise<SqlCommitResult>;
  private readonly markSent: (sent: { id: string; now: string }) => Promise<void>;
  private readonly reportFault: ReportFault;
  private changesSinceVacuum = 0;
  private vacuuming: Promise<void> | null = null;

  /** Use openQueueStore, which runs the queue's migrations first. */
  constructor(
    private readonly store: SqlStore,
    db: QueueDb,
    options: QueueStoreOptions = {},
  ) {
    this.db = db;
    this.leaseMs = options.claimLeaseMs ?? DEFAULT_LEASE_MS;
    this.instanceId = options.instanceId ?? 'local';
    this.reportFault = options.onFault ?? reportFaultOnConsole;
    // Group commit: calls that arrive while the previous statement runs share the next one.
    this.insertDelivery = coalesceCalls((deliveries) => this.insertDeliveries(deliveries), {
      maxBatch: ENQUEUE_BATCH,
      weigh: (delivery) => delivery.rawBody.length,
      maxWeight: ENQUEUE_BATCH_BYTES,
    });
    this.finishDelivery = coalesceCalls((inputs) => this.completeDeliveries(inputs), { maxBatch: COMPLETE_BATCH });
    this.markSent = coalesceCalls((sent) => this.markActionsSent(sent), { maxBatch: MARK_SENT_BATCH });
  }

  /**
   * Resolves once the delivery is committed (or found stored before). Concurrent calls share
   * one multi-row insert, so each answer waits for that insert to be durable; when it fails,
   * every call in it rejects and none of them is stored.
   */
  async enqueueDelivery(delivery: NewDelivery): Promise<'stored' | 'duplicate'> {
    return this.insertDelivery(delivery);
  }

  private async insertDeliveries(deliveries: NewDelivery[]): Promise<PromiseSettledResult<'stored' | 'duplicate'>[]> {
    // A delivery id or signed body twice in one batch: the first is inserted (or found), the rest are duplicates.
    const hashes = deliveries.map((delivery) => (delivery.signedBody ? createHash('sha256').update(delivery.signedBody).digest('hex') : null));
    const first: number[] = [];
    const seenIds = new Set<string>();
    const seenHashes = new Set<string>();
    deliveries.forEach((delivery, index) => {
      const hash = hashes[index] ?? null;
      if (seenIds.has(delivery.deliveryId) || (hash !== null && seenHashes.has(hash))) return;
      seenIds.add(delivery.deliveryId);
      if (hash !== null) seenHashes.add(hash);
      first.push(index);
    });
    const rows = await this.db
      .insertInto('linear_inbox')
      .values(
        first.map((index) => {
          const delivery = deliveries[index] as NewDelivery;
          return {
            delivery_id: delivery.deliveryId,
            received_at: delivery.receivedAt,
            event_type: delivery.eventType,
            action: delivery.action,
            ordering_key: delivery.orderingKey,
            raw_body: delivery.rawBody,
            signed_body: delivery.signedBody ?? null,
            body_sha256: hashes[index] ?? null,
            status: 'pending' as const,
            attempts: 0,
            next_attempt_at: delivery.receivedAt,
          };
        }),
      )
      // No target: the delivery id (primary key) and the signed body's hash (unique) both decide.
      .onConflict((conflict) => conflict.doNothing())
      .returning('delivery_id')
      .execute();
    const inserted = new Set(rows.map((row) => row.delivery_id));
    const firsts = new Set(first);
    return deliveries.map((delivery, index) => {
      const stored = firsts.has(index) && inserted.has(delivery.deliveryId);
      return { status: 'fulfilled', value: stored ? 'stored' : 'duplicate' };
    });
  }

  /** The exact bytes a delivery was signed over, as stored; null when it is unknown or was stored without them. */
  async readSignedBody(deliveryId: string): Promise<SignedBody | null> {
    const row = await this.db
      .selectFrom('linear_inbox')
      .select(['signed_body', 'body_sha256'])
      .where('delivery_id', '=', deliveryId)
      .executeTakeFirst();
    if (!row?.signed_body || !row.body_sha256) return null;
    return { bytes: Buffer.from(row.signed_body), sha256: row.body_sha256 };
  }

  async claimDeliveries(limit: number, now: string): Promise<InboxDelivery[]> {
    if (limit < 1) return [];
    const leaseUntil = this.leaseUntil(now);
    // `skip locked`: two workers on PostgreSQL never claim the same row. The order check looks at
    // every older pending delivery of the key, due or not, so a delivery waiting for a retry
    // holds back the newer ones of its issue. `= any(array(…))` rather than `in (…)`: the same
    // rows, but a plan that is about half as costly to make (PGlite plans every statement).
    const { rows } = await sql<InboxRow>`
      update linear_inbox set next_attempt_at = ${leaseUntil}, claimed_by = ${this.instanceId}
      where delivery_id = any(array(
        select i.delivery_id from linear_inbox i
        where i.status = 'pending' and i.next_attempt_at <= ${now}
          and (i.ordering_key is null or not exists (
            select 1 from linear_inbox o
            where o.status = 'pending' and o.ordering_key = i.ordering_key and o.seq < i.seq))
        order by i.seq
        limit ${Math.floor(limit)}
        for update skip locked))
      returning *`.execute(this.db);
    const deliveries: InboxDelivery[] = [];
    for (const row of rows) {
      const read = readDelivery(row);
      if (read.ok) deliveries.push(read.delivery);
      else await this.giveUpCorrupt('corrupt_delivery', `delivery ${row.delivery_id}`, read.error, () => this.failDelivery(row.delivery_id, read.error, now));
    }
    return deliveries.sort((a, b) => a.seq - b.seq);
  }

  /**
   * Concurrent completions (the worker runs deliveries of several issues at once) share one
   * transaction: still atomic per delivery, and all of them or none are written. When any of
   * them conflicts or fails, they are completed one by one instead, so each gets its own answer.
   */
  async completeDelivery(input: CompleteDelivery): Promise<SqlCommitResult> {
    return this.finishDelivery(input);
  }

  private async completeDeliveries(inputs: CompleteDelivery[]): Promise<PromiseSettledResult<SqlCommitResult>[]> {
    if (inputs.length > 1 && new Set(inputs.map((input) => input.deliveryId)).size === inputs.length) {
      try {
        const results = await this.store.commitBatch<QueueTables>(
          inputs.map((input) => input.commit),
          async (trx) => {
            const done = await markDone(trx, inputs);
            // A bug or a second worker past its lease; throwing rolls the batch back, and one by one finds which.
            if (done < inputs.length) throw new Error('a delivery of the batch is not pending in the inbox');
            await insertActions(
              trx,
              inputs.flatMap((input) => input.actions.map((action) => ({ action, deliveryId: input.deliveryId, now: input.now }))),
            );
          },
        );
        if (results) {
          this.noteChanges(inputs.length);
          return results.map((value) => ({ status: 'fulfilled', value }));
        }
        // null: a conflict or a lost race, an expected answer; one by one tells each its result.
      } catch (error) {
        // Nothing was written; one by one below tells which delivery is at fault.
        this.reportFault({
          source: 'queue-store',
          kind: 'batch_completion_failed' satisfies QueueFaultKind,
          message: `completing ${inputs.length} deliveries in one transaction failed (${describeError(error)}); completing them one by one`,
          error,
        });
      }
    }
    const settled: PromiseSettledResult<SqlCommitResult>[] = [];
    for (const input of inputs) {
      try {
        settled.push({ status: 'fulfilled', value: await this.completeOne(input) });
      } catch (reason) {
        settled.push({ status: 'rejected', reason });
      }
    }
    return settled;
  }

  private async completeOne(input: CompleteDelivery): Promise<SqlCommitResult> {
    const result = await this.store.commitWith<QueueTables>(input.commit, async (trx) => {
      const done = await markDone(trx, [input]);
      // A bug or a second worker past its lease; throwing rolls the scope commit back too.
      if (done === 0) throw new Error(`delivery ${input.deliveryId} is not pending in the inbox (unknown, or already done or failed)`);
      await insertActions(trx, input.actions.map((action) => ({ action, deliveryId: input.deliveryId, now: input.now })));
    });
    if (result.ok) this.noteChanges(1);
    return result;
  }

  async retryDelivery(deliveryId: string, error: string, nextAttemptAt: string, countsAttempt = true): Promise<void> {
    await this.db
      .updateTable('linear_inbox')
      .set({ attempts: sql<number>`attempts + ${countsAttempt ? 1 : 0}`, last_error: clip(error), next_attempt_at: nextAttemptAt, claimed_by: null })
      .where('delivery_id', '=', deliveryId)
      .where('status', '=', 'pending')
      .execute();
  }

  async failDelivery(deliveryId: string, error: string, now: string): Promise<void> {
    await this.db
      .updateTable('linear_inbox')
      .set({ status: 'failed', outcome: 'failed', attempts: sql<number>`attempts + 1`, last_error: clip(error), processed_at: now, claimed_by: null })
      .where('delivery_id', '=', deliveryId)
      .where('status', '=', 'pending')
      .execute();
  }

  async inboxBacklog(): Promise<number> {
    return this.countWhere('linear_inbox', 'pending');
  }

  /** When the oldest delivery still waiting to be processed arrived (the pending index's first row); null when none waits. */
  async inboxOldestPendingAt(): Promise<string | null> {
    const row = await this.db.selectFrom('linear_inbox').select('received_at').where('status', '=', 'pending').orderBy('seq').limit(1).executeTakeFirst();
    return row ? toIso(row.received_at) : null;
  }

  /** Deliveries given up on, for /healthz and `reconcile`. */
  async countFailedDeliveries(): Promise<number> {
    return this.countWhere('linear_inbox', 'failed');
  }

  async enqueueActions(actions: LinearAction[], deliveryId: string | null, now: string): Promise<void> {
    await insertActions(this.db, actions.map((action) => ({ action, deliveryId, now })));
  }

  async claimDueActions(limit: number, now: string): Promise<OutboxEntry[]> {
    if (limit < 1) return [];
    const leaseUntil = this.leaseUntil(now);
    // Same rule as the inbox: one issue's actions go out in the order they were decided, so a
    // revert is never overtaken by the comment that explains it.
    const { rows } = await sql<OutboxRow>`
      update linear_outbox set next_attempt_at = ${leaseUntil}, claimed_by = ${this.instanceId}, claims = claims + 1
      where id = any(array(
        select a.id from linear_outbox a
        where a.status = 'pending' and a.next_attempt_at <= ${now}
          and not exists (
            select 1 from linear_outbox o
            where o.status = 'pending' and o.issue_id = a.issue_id and o.seq < a.seq)
        order by a.seq
        limit ${Math.floor(limit)}
        for update skip locked))
      returning id, seq, delivery_id, issue_id, type, action::text as action, status, attempts,
        next_attempt_at, last_error, created_at, sent_at, failed_at, claimed_by, claims`.execute(this.db);
    const entries: OutboxEntry[] = [];
    for (const row of rows.sort((a, b) => Number(a.seq) - Number(b.seq))) {
      const read = readAction(row);
      if (read.ok) entries.push(read.entry);
      // Failed, not retried: a stored action does not mend itself, and a pending one would hold back its issue's later actions.
      else await this.giveUpCorrupt('corrupt_action', `outbox action ${row.id}`, read.error, () => this.markActionFailed(row.id, read.error, now));
    }
    return entries;
  }

  /** Concurrent calls (the sender sends to several issues at once) share one update. */
  async markActionSent(id: string, now: string): Promise<void> {
    await this.markSent({ id, now });
  }

  private async markActionsSent(sent: { id: string; now: string }[]): Promise<PromiseSettledResult<void>[]> {
    const values = sent.map(({ id, now }) => sql`(${id}, cast(${now} as timestamptz))`);
    await sql`
      update linear_outbox as o set status = 'sent', sent_at = v.sent_at
      from (values ${sql.join(values)}) as v(id, sent_at)
      where o.id = v.id and o.status = 'pending'`.execute(this.db);
    this.noteChanges(sent.length);
    return sent.map(() => ({ status: 'fulfilled', value: undefined }));
  }

  async markActionRetry(id: string, error: string, nextAttemptAt: string, countsAttempt = true): Promise<void> {
    await this.db
      .updateTable('linear_outbox')
      .set({ attempts: sql<number>`attempts + ${countsAttempt ? 1 : 0}`, last_error: clip(error), next_attempt_at: nextAttemptAt, claimed_by: null })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  }

  async markActionFailed(id: string, error: string, now: string): Promise<void> {
    await this.db
      .updateTable('linear_outbox')
      .set({ status: 'failed', attempts: sql<number>`attempts + 1`, last_error: clip(error), failed_at: now, claimed_by: null })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  }

  async listFailedActions(limit: number): Promise<FailedOutboxEntry[]> {
    const rows = await this.db
      .selectFrom('linear_outbox')
      .select([
        'id',
        'seq',
        'delivery_id',
        'issue_id',
        'type',
        sql<string>`action::text`.as('action'),
        'status',
        'attempts',
        'next_attempt_at',
        'last_error',
        'created_at',
        'sent_at',
        'failed_at',
        'claimed_by',
        'claims',
      ])
      .where('status', '=', 'failed')
      .orderBy('failed_at', 'desc')
      .orderBy('seq', 'desc')
      .limit(Math.max(0, Math.floor(limit)))
      .execute();
    // For /healthz: an action that cannot be read is listed too, with why, rather than hidden.
    return rows.map((row) => {
      const read = readAction(row);
      return { ...readEntryFields(row), id: row.id, issueId: row.issue_id, action: read.ok ? read.entry.action : null, ...(read.ok ? {} : { lastError: read.error }) };
    });
  }

  async countFailedActions(): Promise<number> {
    return this.countWhere('linear_outbox', 'failed');
  }

  async actionStatus(id: string): Promise<OutboxStatus | null> {
    const row = await this.db.selectFrom('linear_outbox').select('status').where('id', '=', id).executeTakeFirst();
    return row ? outboxStatusSchema.parse(row.status) : null;
  }

  /** Pending actions and the oldest one's creation time, for /healthz and /metrics. */
  async outboxBacklog(): Promise<{ pending: number; oldestCreatedAt: string | null }> {
    const { rows } = await sql<{ count: string | number; oldest: Timestamp | null }>`
      select count(*) as count, min(created_at) as oldest from linear_outbox where status = 'pending'`.execute(this.db);
    const row = rows[0];
    return { pending: Number(row?.count ?? 0), oldestCreatedAt: row?.oldest ? toIso(row.oldest) : null };
  }

  /**
   * At start: what this instance had claimed when it stopped (a crash, kill -9) is due again
   * now, not when its lease runs out. Another instance's claims are left alone.
   */
  async releaseOwnClaims(now: string): Promise<{ deliveries: number; actions: number }> {
    const inbox = await this.db
      .updateTable('linear_inbox')
      .set({ next_attempt_at: now, claimed_by: null })
      .where('status', '=', 'pending')
      .where('claimed_by', '=', this.instanceId)
      .returning('delivery_id')
      .execute();
    const outbox = await this.db
      .updateTable('linear_outbox')
      .set({ next_attempt_at: now, claimed_by: null })
      .where('status', '=', 'pending')
      .where('claimed_by', '=', this.instanceId)
      .returning('id')
      .execute();
    return { deliveries: inbox.length, actions: outbox.length };
  }

  /**
   * Linear answers again after an outage: actions and deliveries waiting for a retry are due
   * now instead of at the end of their backoff (up to minutes). Claimed ones keep their lease.
   */
  async expediteWaiting(now: string): Promise<number> {
    const actions = await this.db
      .updateTable('linear_outbox')
      .set({ next_attempt_at: now })
      .where('status', '=', 'pending')
      .where('claimed_by', 'is', null)
      .where('next_attempt_at', '>', now)
      .returning('id')
      .execute();
    const deliveries = await this.db
      .updateTable('linear_inbox')
      .set({ next_attempt_at: now })
      .where('status', '=', 'pending')
      .where('claimed_by', 'is', null)
      .where('next_attempt_at', '>', now)
      .where('attempts', '=', 0)
      .returning('delivery_id')
      .execute();
    return actions.length + deliveries.length;
  }

  /** Dead-lettered deliveries (attempt budget spent, or a permanent error), newest first. */
  async listFailedDeliveries(limit: number): Promise<FailedDelivery[]> {
    const rows = await this.db
      .selectFrom('linear_inbox')
      .select(['delivery_id', 'received_at', 'event_type', 'action', 'ordering_key', 'attempts', 'last_error', 'processed_at'])
      .where('status', '=', 'failed')
      .orderBy('processed_at', 'desc')
      .orderBy('seq', 'desc')
      .limit(Math.max(0, Math.floor(limit)))
      .execute();
    return rows.map((row) => ({
      deliveryId: row.delivery_id,
      receivedAt: toIso(row.received_at),
      eventType: row.event_type,
      action: row.action,
      orderingKey: row.ordering_key,
      attempts: row.attempts,
      lastError: row.last_error,
      failedAt: row.processed_at === null ? null : toIso(row.processed_at),
    }));
  }

  /** A dead letter back in the inbox with a fresh attempt budget; false when it is not dead-lettered. */
  async retryFailedDelivery(deliveryId: string, now: string): Promise<boolean> {
    const rows = await this.db
      .updateTable('linear_inbox')
      .set({ status: 'pending', outcome: null, attempts: 0, next_attempt_at: now, processed_at: null, claimed_by: null })
      .where('delivery_id', '=', deliveryId)
      .where('status', '=', 'failed')
      .returning('delivery_id')
      .execute();
    return rows.length > 0;
  }

  /** Gives up on a dead letter for good: kept as done with outcome `dropped`, its error stays; false when it is not dead-lettered. */
  async dropFailedDelivery(deliveryId: string, now: string): Promise<boolean> {
    const rows = await this.db
      .updateTable('linear_inbox')
      .set({ status: 'done', outcome: 'dropped', processed_at: now })
      .where('delivery_id', '=', deliveryId)
      .where('status', '=', 'failed')
      .returning('delivery_id')
      .execute();
    return rows.length > 0;
  }

  /** The latest revert (set_state) queued for an issue, for `reconcile` to repair one that never landed. */
  async latestRevert(issueId: string): Promise<{ id: string; status: OutboxStatus; stateId: string } | null> {
    const row = await this.db
      .selectFrom('linear_outbox')
      .select(['id', 'status', sql<string>`action::text`.as('action')])
      .where('issue_id', '=', issueId)
      .where('type', '=', 'set_state')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) return null;
    const action = parseWith(storedActionSchema, row.action);
    if (!action.ok || action.value.type !== 'set_state') return null;
    return { id: row.id, status: outboxStatusSchema.parse(row.status), stateId: action.value.stateId };
  }

  async isOwnAction(id: string): Promise<boolean> {
    // Any status: a pending action may have reached Linear before its row was marked sent.
    const row = await this.db.selectFrom('linear_outbox').select('id').where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  }

  private async countWhere(table: 'linear_inbox', status: InboxStatus): Promise<number>;
  private async countWhere(table: 'linear_outbox', status: OutboxStatus): Promise<number>;
  private async countWhere(table: 'linear_inbox' | 'linear_outbox', status: InboxStatus | OutboxStatus): Promise<number> {
    const { rows } = await sql<{ count: string | number }>`select count(*) as count from ${sql.table(table)} where status = ${status}`.execute(this.db);
    return Number(rows[0]?.count ?? 0);
  }

  /** A stored row that cannot be read: given up on (so it never blocks others), logged and counted. */
  private async giveUpCorrupt(kind: QueueFaultKind, what: string, error: string, giveUp: () => Promise<void>): Promise<void> {
    await giveUp();
    this.reportFault({ source: 'queue-store', kind, message: `${what} was given up on: ${error}` });
  }

  /** On PGlite, a VACUUM of the queues every VACUUM_EVERY state changes (PostgreSQL's autovacuum does it there). */
  private noteChanges(count: number): void {
    if (this.store.backend !== 'pglite') return;
    this.changesSinceVacuum += count;
    if (this.changesSinceVacuum < VACUUM_EVERY || this.vacuuming) return;
    this.changesSinceVacuum = 0;
    this.vacuuming = sql`vacuum linear_inbox, linear_outbox`
      .execute(this.db)
      .then(
        () => undefined,
        // Only speed is at stake; the next threshold tries again.
        (error: unknown) =>
          this.reportFault({
            source: 'queue-store',
            kind: 'vacuum_failed' satisfies QueueFaultKind,
            message: `VACUUM of the queues failed (${describeError(error)}); claims may slow down until the next one`,
            error,
          }),
      )
      .finally(() => (this.vacuuming = null));
  }

  private leaseUntil(now: string): string {
    return new Date(Date.parse(now) + this.leaseMs).toISOString();
  }
}

/** Opens the inbox and outbox on an open SqlStore, creating or updating their tables first. */
export async function openQueueStore(store: SqlStore, options: QueueStoreOptions = {}): Promise<SqlQueueStore> {
  const db = await store.openTables<QueueTables>({ name: 'Linear queue', migrations: queueMigrations, table: QUEUE_MIGRATION_TABLE });
  return new SqlQueueStore(store, db, options);
}

/** Marks deliveries done with their outcomes, in one statement; answers how many were pending. */
async function markDone(db: QueueDb, inputs: readonly CompleteDelivery[]): Promise<number> {
  const values = inputs.map((input) => sql`(${input.deliveryId}, ${input.outcome}, cast(${input.now} as timestamptz))`);
  const { rows } = await sql<{ delivery_id: string }>`
    update linear_inbox as i set status = 'done', outcome = v.outcome, processed_at = v.processed_at
    from (values ${sql.join(values)}) as v(delivery_id, outcome, processed_at)
    where i.delivery_id = v.delivery_id and i.status = 'pending'
    returning i.delivery_id`.execute(db);
  return rows.length;
}

/** Rows go in the order given: `seq` keeps each issue's actions in the order they were decided. */
async function insertActions(db: QueueDb, entries: readonly { action: LinearAction; deliveryId: string | null; now: string }[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('linear_outbox')
    .values(
      entries.map(({ action, deliveryId, now }) => ({
        id: action.id,
        delivery_id: deliveryId,
        issue_id: action.issueId,
        type: action.type,
        action: sql<string>`cast(${JSON.stringify(action)} as jsonb)`,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
      })),
    )
    // A reprocessed delivery derives the same ids: the stored row (maybe already sent) stays.
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute();
}

function readDelivery(row: InboxRow): { ok: true; delivery: InboxDelivery } | { ok: false; error: string } {
  let body: unknown;
  try {
    body = JSON.parse(row.raw_body);
  } catch (error) {
    return { ok: false, error: `stored delivery ${row.delivery_id} is not valid JSON: ${describeError(error)}` };
  }
  return {
    ok: true,
    delivery: {
      deliveryId: row.delivery_id,
      seq: Number(row.seq),
      receivedAt: toIso(row.received_at),
      eventType: row.event_type,
      action: row.action,
      orderingKey: row.ordering_key,
      body,
      attempts: row.attempts,
    },
  };
}

/** The `action` column as stored: JSON text of a LinearAction. */
const storedActionSchema = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
    return z.NEVER;
  }
}).pipe(linearActionSchema);

function readAction(row: OutboxRow): { ok: true; entry: OutboxEntry } | { ok: false; error: string } {
  const action = parseWith(storedActionSchema, row.action);
  if (!action.ok) return { ok: false, error: `stored outbox action ${row.id} is corrupted: ${action.errors.join('; ')}` };
  return { ok: true, entry: { ...readEntryFields(row), action: action.value } };
}

const outboxStatusSchema = z.enum(OUTBOX_STATUSES);

function readEntryFields(row: OutboxRow): Omit<OutboxEntry, 'action'> {
  return {
    deliveryId: row.delivery_id,
    // The table's check constraint allows only these; parsing keeps the type honest all the same.
    status: outboxStatusSchema.parse(row.status),
    attempts: row.attempts,
    claims: row.claims,
    lastError: row.last_error,
    nextAttemptAt: toIso(row.next_attempt_at),
    createdAt: toIso(row.created_at),
  };
}

function toIso(value: Timestamp): string {
  // Not `instanceof Date`: under Jest the drivers' Dates come from another realm.
  return new Date(value).toISOString();
}

function clip(error: string): string {
  return error.length > MAX_ERROR_LENGTH ? `${error.slice(0, MAX_ERROR_LENGTH)}…` : error;
}
