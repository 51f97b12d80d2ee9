import { sql, type Kysely } from 'kysely';
import { Migrator } from 'kysely';
import { migrations } from './migrations';

/**
 * Brings the store's schema up to date. Kysely's migrator takes a database lock, so two
 * processes opening the same database at once do not run a migration twice.
 */
export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  // Name the schema explicitly: Kysely looks for its bookkeeping tables in every schema
  // otherwise, and would find another test schema's tables in the same database.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('the database connection has no current schema (check search_path)');
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`store migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
