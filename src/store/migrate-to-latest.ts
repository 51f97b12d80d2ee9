import { sql, type Kysely, type Migration } from 'kysely';
import { Migrator } from 'kysely';
import { migrations as storeMigrations } from './migrations';

export interface MigrationSet {
  /** Named in errors, e.g. "store" or "Linear queue". */
  name: string;
  migrations: Record<string, Migration>;
  /** Kysely's bookkeeping table; each set has its own, so they never see each other's names. Default: Kysely's. */
  table?: string;
}

export const STORE_MIGRATIONS: MigrationSet = { name: 'store', migrations: storeMigrations };

/**
 * Brings a set of tables up to date, running its migrations in name order. Kysely's migrator
 * takes a database lock, so two processes opening the same database at once do not run a
 * migration twice.
 */
export async function migrateToLatest(db: Kysely<unknown>, set: MigrationSet = STORE_MIGRATIONS): Promise<void> {
  // Name the schema explicitly: Kysely looks for its bookkeeping tables in every schema
  // otherwise, and would find another test schema's tables in the same database.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('the database connection has no current schema (check search_path)');
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => set.migrations },
    migrationTableSchema: schema,
    ...(set.table ? { migrationTableName: set.table, migrationLockTableName: `${set.table}_lock` } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`${set.name} migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
