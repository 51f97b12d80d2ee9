import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql, type Dialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { Pool } from 'pg';
import Cursor from 'pg-cursor';
import { drainOnClose } from './drain-on-close';
import type { Database } from './database';
import { lockDataDirectory, type DirectoryLock } from './lock-data-directory';
import { migrateToLatest } from './migrate-to-latest';
import { describeError, reportFaultOnConsole, type ReportFault } from './report-fault';
import { SqlStore, type SqlStoreFaultKind } from './sql-store';

export interface OpenStoreOptions {
  /** PostgreSQL connection string. When set, PostgreSQL is used instead of PGlite. */
  databaseUrl?: string;
  /** PGlite data directory; `memory://` keeps everything in memory. Default `./data/pglite`. */
  dataDir?: string;
  /**
   * A schema to keep the store's tables in, created when missing. Lets tests (or several
   * installations) share one database without seeing each other's rows.
   */
  schema?: string;
  /** Where the store reports faults it recovered from; default a console line. */
  onFault?: ReportFault;
}

export const DEFAULT_DATA_DIR = './data/pglite';

/** Opens the SQL store (PostgreSQL when a URL is given, else embedded PGlite) and migrates it. */
export async function openStore(options: OpenStoreOptions = {}): Promise<SqlStore> {
  const schema = options.schema === undefined ? undefined : checkSchemaName(options.schema);
  const backend = options.databaseUrl ? 'postgres' : 'pglite';
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  // One process per PGlite directory: refused here, before PGlite touches a file (lock-data-directory.ts).
  const lock: DirectoryLock | null = !options.databaseUrl && !dataDir.includes('://') ? await lockDataDirectory(path.resolve(dataDir)) : null;
  let opened: Opened;
  try {
    opened = options.databaseUrl ? openPostgres(options.databaseUrl, schema, options.onFault ?? reportFaultOnConsole) : await openPglite(dataDir);
  } catch (error) {
    await lock?.release();
    throw error;
  }
  const { db } = opened;
  try {
    if (schema) {
      // A search_path may name a schema that does not exist yet, so it can be created afterwards.
      await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
      // PGlite has a single session, so a session-level search_path covers every later query.
      if (backend === 'pglite') await sql`set search_path to ${sql.id(schema)}`.execute(db);
    }
    await migrateToLatest(db as Kysely<unknown>);
  } catch (error) {
    // The open's own error is what the caller must see; a failed clean-up is only reported.
    await db.destroy().catch((closeError: unknown) =>
      (options.onFault ?? reportFaultOnConsole)({
        source: 'sql-store',
        kind: 'close_after_failed_open_failed' satisfies SqlStoreFaultKind,
        message: `closing the database after a failed open also failed (${describeError(closeError)}); the open failed with: ${describeError(error)}`,
        error: closeError,
      }),
    );
    await lock?.release();
    throw error;
  }
  return new SqlStore(db, backend, {
    ...(options.onFault ? { onFault: options.onFault } : {}),
    ...(lock ? { onClosed: () => lock.release() } : {}),
    drainQueries: opened.drain,
  });
}

/** A Kysely whose close drains the queries in flight and refuses new ones (drain-on-close.ts). */
function guarded(dialect: Dialect): Opened {
  const guard = drainOnClose(dialect);
  return { db: new Kysely<Database>({ dialect: guard.dialect, plugins: [guard.plugin] }), drain: guard.drain };
}

interface Opened {
  db: Kysely<Database>;
  drain: () => Promise<void>;
}

function openPostgres(databaseUrl: string, schema: string | undefined, reportFault: ReportFault): Opened {
  const pool = new Pool({
    connectionString: databaseUrl,
    // A startup parameter applies to every pooled connection from its first query, with no
    // extra round trip and no chance of a connection that missed a `SET`.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection dropped by the server emits here; the pool replaces it on next use.
  // Without a listener Node would treat it as an uncaught error and exit.
  pool.on('error', (error) =>
    reportFault({
      source: 'sql-store',
      kind: 'idle_connection_lost' satisfies SqlStoreFaultKind,
      message: `an idle PostgreSQL connection failed (${describeError(error)}); the pool opens a new one on next use`,
      error,
    }),
  );
  // The cursor lets long reads (exports, bundles, the chain check) stream rows (SqlStore.readHistoryPagesSince).
  return guarded(new PostgresDialect({ pool, cursor: Cursor }));
}

/**
 * Durability on a data directory, as PGlite 0.4 runs: `synchronous_commit` is on, so a commit
 * returns only after its WAL was written to the files (write(2) through Node's fs), and a
 * process crash loses nothing committed. But PGlite runs with `fsync = off` and its Node file
 * system has no fsync, so an OS crash or power loss can lose recent commits: use PostgreSQL
 * where that matters. `relaxedDurability` changes nothing here (it only defers IndexedDB/OPFS
 * syncs) and no setting is relaxed: the inbox answers 200 only after a real commit.
 */
async function openPglite(dataDir: string): Promise<Opened> {
  if (!dataDir.includes('://')) await mkdir(dataDir, { recursive: true });
  return guarded(new PGliteDialect(await PGlite.create(dataDir)));
}

/** Lower-case SQL identifiers only: the name goes into a startup parameter unquoted. */
function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`schema name ${JSON.stringify(schema)} must be a lower-case SQL identifier (a-z, 0-9, _)`);
  }
  return schema;
}
