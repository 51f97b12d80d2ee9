import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { openStore } from '../src/store/open-store';
import type { SqlStore } from '../src/store/sql-store';

/** Runs `use` on a fresh PGlite store in a temporary directory, removed afterwards. */
export async function withPgliteStore<T>(use: (store: SqlStore, where: { dataDir: string }) => Promise<T>): Promise<T> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-bench-'));
  const store = await openStore({ dataDir });
  try {
    return await use(store, { dataDir });
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Runs `use` on a PostgreSQL store in a schema of its own, dropped afterwards. */
export async function withPostgresStore<T>(databaseUrl: string, use: (store: SqlStore, where: { schema: string }) => Promise<T>): Promise<T> {
  const schema = `sk_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const store = await openStore({ databaseUrl, schema });
  try {
    return await use(store, { schema });
  } finally {
    await store.close();
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
  }
}
