import { sql, type Kysely, type Migration } from 'kysely';

// The Linear adapter's durable queues (docs/adr/0003-linear-ingress-inbox-outbox.md): the inbox
// of verified webhook deliveries and the outbox of actions to send to Linear. They live in the
// scope store's database, so finishing a delivery is one transaction with its scope records, but
// the queue owns them: openQueueStore runs these, in name order, with their own bookkeeping table.

export const QUEUE_MIGRATION_TABLE = 'linear_queue_migration';

export const queueMigrations: Record<string, Migration> = {
  /**
   * `if not exists` throughout: a database created before the queue had its own migrations got
   * these tables from the store's 0002-linear-queue, and this adopts them as they are.
   */
  '0001-queue-tables': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('linear_inbox')
        .ifNotExists()
        .addColumn('delivery_id', 'text', (c) => c.primaryKey())
        // Arrival order ("older" is "smaller seq"); per-issue order is kept along it.
        .addColumn('seq', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity())
        .addColumn('received_at', 'timestamptz', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('ordering_key', 'text')
        // The exact text Linear signed (not jsonb): it can be verified again, and jsonb would
        // refuse a "\u0000" escape that JSON allows.
        .addColumn('raw_body', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending', 'done', 'failed')`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('outcome', 'text')
        .addColumn('processed_at', 'timestamptz')
        .execute();
      // Claims walk pending rows in arrival order and look for an older pending row of the same issue.
      await db.schema
        .createIndex('linear_inbox_pending_idx')
        .ifNotExists()
        .on('linear_inbox')
        .columns(['seq'])
        .where(sql.ref('status'), '=', 'pending')
        .execute();
      await db.schema
        .createIndex('linear_inbox_pending_key_idx')
        .ifNotExists()
        .on('linear_inbox')
        .columns(['ordering_key', 'seq'])
        .where(sql.ref('status'), '=', 'pending')
        .execute();

      await db.schema
        .createTable('linear_outbox')
        .ifNotExists()
        // The action's client-chosen id: enqueueing it again keeps the stored row.
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity())
        .addColumn('delivery_id', 'text')
        .addColumn('issue_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('action', 'jsonb', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending', 'sent', 'failed')`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('sent_at', 'timestamptz')
        .addColumn('failed_at', 'timestamptz')
        .execute();
      await db.schema
        .createIndex('linear_outbox_pending_idx')
        .ifNotExists()
        .on('linear_outbox')
        .columns(['seq'])
        .where(sql.ref('status'), '=', 'pending')
        .execute();
      await db.schema
        .createIndex('linear_outbox_pending_issue_idx')
        .ifNotExists()
        .on('linear_outbox')
        .columns(['issue_id', 'seq'])
        .where(sql.ref('status'), '=', 'pending')
        .execute();
      await db.schema
        .createIndex('linear_outbox_failed_idx')
        .ifNotExists()
        .on('linear_outbox')
        .columns(['failed_at'])
        .where(sql.ref('status'), '=', 'failed')
        .execute();
    },
  },
  /**
   * Who holds a claim (the instance id), so a restarted instance releases its own claims at once
   * instead of waiting out the lease (docs/adr/0008-keyed-worker-retry-health.md).
   */
  '0002-claimed-by': {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`alter table linear_inbox add column if not exists claimed_by text`.execute(db);
      await sql`alter table linear_outbox add column if not exists claimed_by text`.execute(db);
    },
  },

  /**
   * The exact bytes Linear signed and their SHA-256 (docs/adr/0009-replays-identity-tamper-evidence.md).
   * `raw_body` is text, which cannot hold invalid UTF-8 exactly; `signed_body` can, so a stored
   * delivery verifies against its signature. The unique hash makes a replay of the same signed
   * body under a new Linear-Delivery id a duplicate. Null for rows stored before this migration
   * (and for deliveries written without their bytes): several nulls never collide.
   */
  '0003-signed-body': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('linear_inbox').addColumn('signed_body', 'bytea').execute();
      await db.schema.alterTable('linear_inbox').addColumn('body_sha256', 'text').execute();
      await db.schema.createIndex('linear_inbox_body_sha256_key').unique().on('linear_inbox').column('body_sha256').execute();
    },
  },

  /**
   * How many times an action was claimed. On its first claim it cannot have been sent before, so
   * a revert skips the read that guards against sending it twice (one request less a refused
   * closure; docs/adr/0008-keyed-worker-retry-health.md). Rows from before count as claimed once
   * already, so they keep the read.
   */
  '0004-outbox-claims': {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`alter table linear_outbox add column claims integer not null default 1`.execute(db);
      await sql`alter table linear_outbox alter column claims set default 0`.execute(db);
    },
  },
};
