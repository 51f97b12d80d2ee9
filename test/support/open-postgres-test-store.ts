import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { openStore } from '../../src/store/open-store';
import type { SqlStore } from '../../src/store/sql-store';

export interface PostgresTestStore {
  store: SqlStore;
  /** Another store (its own pool) on the same schema: a second connection for concurrency tests. */
  openSecond(): Promise<SqlStore>;
  /** Closes the store and drops the schema. */
  cleanup(): Promise<void>;
}

/**
 * A SqlStore on PostgreSQL in a fresh schema, so test files running in parallel (and earlier
 * runs) never see each other's rows.
 */
export async function openPostgresTestStore(databaseUrl: string, prefix: string): Promise<PostgresTestStore> {
  const schema = `sk_${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const store = await openStore({ databaseUrl, schema });
  return {
    store,
    openSecond: () => openStore({ databaseUrl, schema }),
    cleanup: async () => {
      await store.close();
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
    },
  };
}
