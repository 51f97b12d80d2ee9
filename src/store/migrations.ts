import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely';

// Migrations live in code (not files read at runtime) so the store works the same from
// tsx, compiled output, tests and a bundled service. Names sort in the order they run.

export const migrations: Record<string, Migration> = {
  '0001-initial': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('deliverables')
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('scope_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
        .addColumn('state', 'jsonb', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('deliverables_pkey', ['platform', 'id'])
        .execute();
      await db.schema.createIndex('deliverables_scope_idx').on('deliverables').columns(['scope_id', 'platform', 'id']).execute();

      await db.schema
        .createTable('baselines')
        .addColumn('scope_id', 'text', (c) => c.notNull())
        .addColumn('major', 'integer', (c) => c.notNull().check(sql`major >= 1`))
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull())
        .addColumn('payload', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('baselines_pkey', ['scope_id', 'major'])
        .addUniqueConstraint('baselines_id_key', ['id'])
        .execute();

      await db.schema
        .createTable('history')
        .addColumn('scope_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull().check(sql`seq >= 0`))
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('at', 'timestamptz', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('deliverable_id', 'text')
        .addColumn('scope_version', 'text')
        .addColumn('prev_hash', 'text')
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('change_id', 'text')
        .addColumn('without_reason', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('record', 'jsonb', (c) => c.notNull())
        .addPrimaryKeyConstraint('history_pkey', ['scope_id', 'seq'])
        .addUniqueConstraint('history_id_key', ['id'])
        .execute();
      // Every filter is "within one scope, newest first": lead with scope_id, end with seq.
      await db.schema.createIndex('history_deliverable_idx').on('history').columns(['scope_id', 'deliverable_id', 'seq']).execute();
      await db.schema.createIndex('history_kind_idx').on('history').columns(['scope_id', 'kind', 'seq']).execute();
      await db.schema.createIndex('history_actor_idx').on('history').columns(['scope_id', 'actor_id', 'seq']).execute();
      await db.schema.createIndex('history_at_idx').on('history').columns(['scope_id', 'at']).execute();
      await db.schema
        .createIndex('history_without_reason_idx')
        .on('history')
        .columns(['scope_id', 'seq'])
        .where(sql.ref('without_reason'), '=', true)
        .execute();

      await db.schema
        .createTable('change_reasons')
        .addColumn('scope_id', 'text', (c) => c.notNull())
        .addColumn('change_id', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('change_reasons_pkey', ['scope_id', 'change_id', 'record_id'])
        .execute();

      await db.schema
        .createTable('history_heads')
        .addColumn('scope_id', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('scope_version', 'text')
        .execute();
    },
  },

  /**
   * Once the Linear adapter's inbox and outbox. They moved to linear-adapter/queue/queue-migrations.ts,
   * which the queue runs itself; the name stays, doing nothing, because Kysely refuses to open a
   * database that ran a migration it no longer lists.
   */
  '0002-linear-queue': {
    async up(): Promise<void> {},
  },

  /** Per-scope settings edited in the Linear console; the environment's values stay the defaults. */
  '0004-scope-settings': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('scope_settings')
        .addColumn('scope_id', 'text', (c) => c.primaryKey())
        .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
        .addColumn('settings', 'jsonb', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .execute();
    },
  },

  /**
   * The console's reads on a team with 100,000 records and 5,000 deliverables: each overview
   * count walks a partial index instead of the records (the undocumented one carries the ids the
   * reasons are matched on), and the history filter finds a deliverable by key without reading
   * every state. Measured in bench/console-pages.ts.
   */
  '0005-console-indexes': {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`create index history_undocumented_idx on history (scope_id, seq) include (change_id, id) where without_reason`.execute(db);
      await sql`drop index history_without_reason_idx`.execute(db);
      await sql`create index history_bypass_recorded_idx on history (scope_id, seq) where kind = 'closure_bypassed' and (record->'data'->>'action') = 'recorded'`.execute(db);
      await sql`create index deliverables_key_idx on deliverables (scope_id, upper(state->>'key'))`.execute(db);
    },
  },

  /**
   * Console sessions in the database, not in one process's memory: a restart or a second
   * instance behind the same address keeps everyone signed in (docs/adr/0011-console-web-stack.md).
   */
  '0006-console-sessions': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('console_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('identity', 'jsonb', (c) => c.notNull())
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('console_sessions_expires_idx').on('console_sessions').column('expires_at').execute();
    },
  },
};
