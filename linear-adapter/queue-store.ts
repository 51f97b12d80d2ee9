import { sql, type Generated, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { CommitResult } from '../src/core/store';
import type { Database } from '../src/store/database';
import type { SqlStore } from '../src/store/sql-store';
import type { LinearAction } from './linear-action';
import type { CompleteDelivery, InboxDelivery, NewDelivery, OutboxEntry, OutboxStatus, QueueStore } from './queue-types';

// The inbox and outbox tables (migration 0002-linear-queue). Timestamps go in as ISO strings
// and come back as Date (pg) or string; `toIso` evens that out. `seq` is a bigint: pg returns
// it as a string. `attempts` counts the attempts that failed (retried or given up).

type Timestamp = string | Date;

interface LinearInboxTable {
  delivery_id: string;
  seq: Generated<string | number>;
  received_at: Timestamp;
  event_type: string;
  action: string;
  ordering_key: string | null;
  raw_body: string;
  status: 'pending' | 'done' | 'failed';
  attempts: number;
  next_attempt_at: Timestamp;
  last_error: string | null;
  outcome: string | null;
  processed_at: Timestamp | null;
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
}

// A type alias, not an interface: `withTables` wants a type with an implicit index signature.
type QueueTables = {
  linear_inbox: LinearInboxTable;
  linear_outbox: LinearOutboxTable;
};

type QueueDb = Kysely<Database & QueueTables>;
type InboxRow = Selectable<LinearInboxTable>;
type OutboxRow = Selectable<LinearOutboxTable>;

export interface QueueStoreOptions {
  /**
   * How long a claimed delivery or action stays invisible to other claims. A worker that dies
   * mid-way leaves it pending, so it is claimed again after the lease: at least once.
   */
  claimLeaseMs?: number;
}

const DEFAULT_LEASE_MS = 5 * 60_000;
const MAX_ERROR_LENGTH = 2_000;

/** Inbox and outbox in the SqlStore's database, so a delivery finishes in one transaction with its scope commit. */
export class SqlQueueStore implements QueueStore {
  private readonly db: QueueDb;
  private readonly leaseMs: number;

  constructor(
    private readonly store: SqlStore,
    options: QueueStoreOptions = {},
  ) {
    this.db = store.database.withTables<QueueTables>();
    this.leaseMs = options.claimLeaseMs ?? DEFAULT_LEASE_MS;
  }

  async enqueueDelivery(delivery: NewDelivery): Promise<'stored' | 'duplicate'> {
    const row = await this.db
      .insertInto('linear_inbox')
      .values({
        delivery_id: delivery.deliveryId,
        received_at: delivery.receivedAt,
        event_type: delivery.eventType,
        action: delivery.action,
        ordering_key: delivery.orderingKey,
        raw_body: delivery.rawBody,
        status: 'pending',
        attempts: 0,
        next_attempt_at: delivery.receivedAt,
      })
      .onConflict((conflict) => conflict.column('delivery_id').doNothing())
      .returning('delivery_id')
      .executeTakeFirst();
    return row ? 'stored' : 'duplicate';
  }

  async claimDeliveries(limit: number, now: string): Promise<InboxDelivery[]> {
    if (limit < 1) return [];
    const leaseUntil = this.leaseUntil(now);
    // `skip locked`: two workers on PostgreSQL never claim the same row. The order check looks at
    // every older pending delivery of the key, due or not, so a delivery waiting for a retry
    // holds back the newer ones of its issue.
    const { rows } = await sql<InboxRow>`
      update linear_inbox set next_attempt_at = ${leaseUntil}
      where delivery_id in (
        select i.delivery_id from linear_inbox i
        where i.status = 'pending' and i.next_attempt_at <= ${now}
          and (i.ordering_key is null or not exists (
            select 1 from linear_inbox o
            where o.status = 'pending' and o.ordering_key = i.ordering_key and o.seq < i.seq))
        order by i.seq
        limit ${Math.floor(limit)}
        for update skip locked)
      returning *`.execute(this.db);
    return rows.map(readDelivery).sort((a, b) => a.seq - b.seq);
  }

  async completeDelivery(input: CompleteDelivery): Promise<CommitResult> {
    return this.store.commitWith(input.commit, async (trx) => {
      const done = await onQueue(trx)
        .updateTable('linear_inbox')
        .set({ status: 'done', outcome: input.outcome, processed_at: input.now })
        .where('delivery_id', '=', input.deliveryId)
        .where('status', '=', 'pending')
        .returning('delivery_id')
        .executeTakeFirst();
      // A bug or a second worker past its lease; throwing rolls the scope commit back too.
      if (!done) throw new Error(`delivery ${input.deliveryId} is not pending in the inbox (unknown, or already done or failed)`);
      await insertActions(onQueue(trx), input.actions, input.deliveryId, input.now);
    });
  }

  async retryDelivery(deliveryId: string, error: string, nextAttemptAt: string): Promise<void> {
    await this.db
      .updateTable('linear_inbox')
      .set({ attempts: sql<number>`attempts + 1`, last_error: clip(error), next_attempt_at: nextAttemptAt })
      .where('delivery_id', '=', deliveryId)
      .where('status', '=', 'pending')
      .execute();
  }

  async failDelivery(deliveryId: string, error: string, now: string): Promise<void> {
    await this.db
      .updateTable('linear_inbox')
      .set({ status: 'failed', outcome: 'failed', attempts: sql<number>`attempts + 1`, last_error: clip(error), processed_at: now })
      .where('delivery_id', '=', deliveryId)
      .where('status', '=', 'pending')
      .execute();
  }

  async inboxBacklog(): Promise<number> {
    return this.countWhere('linear_inbox', 'pending');
  }

  /** Deliveries given up on, for /healthz and `reconcile`. */
  async countFailedDeliveries(): Promise<number> {
    return this.countWhere('linear_inbox', 'failed');
  }

  async enqueueActions(actions: LinearAction[], deliveryId: string | null, now: string): Promise<void> {
    await insertActions(this.db, actions, deliveryId, now);
  }

  async claimDueActions(limit: number, now: string): Promise<OutboxEntry[]> {
    if (limit < 1) return [];
    const leaseUntil = this.leaseUntil(now);
    // Same rule as the inbox: one issue's actions go out in the order they were decided, so a
    // revert is never overtaken by the comment that explains it.
    const { rows } = await sql<OutboxRow>`
      update linear_outbox set next_attempt_at = ${leaseUntil}
      where id in (
        select a.id from linear_outbox a
        where a.status = 'pending' and a.next_attempt_at <= ${now}
          and not exists (
            select 1 from linear_outbox o
            where o.status = 'pending' and o.issue_id = a.issue_id and o.seq < a.seq)
        order by a.seq
        limit ${Math.floor(limit)}
        for update skip locked)
      returning id, seq, delivery_id, issue_id, type, action::text as action, status, attempts,
        next_attempt_at, last_error, created_at, sent_at, failed_at`.execute(this.db);
    return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map(readAction);
  }

  async markActionSent(id: string, now: string): Promise<void> {
    await this.db
      .updateTable('linear_outbox')
      .set({ status: 'sent', sent_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  }

  async markActionRetry(id: string, error: string, nextAttemptAt: string): Promise<void> {
    await this.db
      .updateTable('linear_outbox')
      .set({ attempts: sql<number>`attempts + 1`, last_error: clip(error), next_attempt_at: nextAttemptAt })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  }

  async markActionFailed(id: string, error: string, now: string): Promise<void> {
    await this.db
      .updateTable('linear_outbox')
      .set({ status: 'failed', attempts: sql<number>`attempts + 1`, last_error: clip(error), failed_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  }

  async listFailedActions(limit: number): Promise<OutboxEntry[]> {
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
      ])
      .where('status', '=', 'failed')
      .orderBy('failed_at', 'desc')
      .orderBy('seq', 'desc')
      .limit(Math.max(0, Math.floor(limit)))
      .execute();
    return rows.map(readAction);
  }

  async countFailedActions(): Promise<number> {
    return this.countWhere('linear_outbox', 'failed');
  }

  async isOwnAction(id: string): Promise<boolean> {
    // Any status: a pending action may have reached Linear before its row was marked sent.
    const row = await this.db.selectFrom('linear_outbox').select('id').where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  }

  private async countWhere(table: 'linear_inbox' | 'linear_outbox', status: string): Promise<number> {
    const row = await this.db
      .selectFrom(table)
      .select(sql<string | number>`count(*)`.as('count'))
      .where('status', '=', status as never)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  private leaseUntil(now: string): string {
    return new Date(Date.parse(now) + this.leaseMs).toISOString();
  }
}

/** Opens the inbox and outbox on an open SqlStore (its migrations created the tables). */
export function openQueueStore(store: SqlStore, options: QueueStoreOptions = {}): SqlQueueStore {
  return new SqlQueueStore(store, options);
}

function onQueue(trx: Transaction<Database>): Kysely<Database & QueueTables> {
  return trx.withTables<QueueTables>();
}

async function insertActions(db: QueueDb, actions: readonly LinearAction[], deliveryId: string | null, now: string): Promise<void> {
  if (actions.length === 0) return;
  await db
    .insertInto('linear_outbox')
    .values(
      actions.map((action) => ({
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

function readDelivery(row: InboxRow): InboxDelivery {
  let body: unknown;
  try {
    body = JSON.parse(row.raw_body);
  } catch (error) {
    throw new Error(`stored delivery ${row.delivery_id} is not valid JSON`, { cause: error });
  }
  return {
    deliveryId: row.delivery_id,
    seq: Number(row.seq),
    receivedAt: toIso(row.received_at),
    eventType: row.event_type,
    action: row.action,
    orderingKey: row.ordering_key,
    body,
    attempts: row.attempts,
  };
}

function readAction(row: OutboxRow): OutboxEntry {
  return {
    action: JSON.parse(row.action) as LinearAction,
    deliveryId: row.delivery_id,
    status: row.status,
    attempts: row.attempts,
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
