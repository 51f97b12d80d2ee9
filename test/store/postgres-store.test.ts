import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { openStore } from '../../src/store/open-store';
import { describeStoreContract } from './store-contract';

// Runs only when TEST_DATABASE_URL is set. Then an unreachable server fails every test (from
// beforeAll): a configured database that silently skips would hide a broken setup.
const databaseUrl = process.env.TEST_DATABASE_URL;

if (!databaseUrl) {
  it.skip('PostgreSQL contract: set TEST_DATABASE_URL to run', () => undefined);
} else {
  describeStoreContract('PostgreSQL', async () => {
    // A fresh schema per run keeps runs (and parallel CI jobs) from seeing each other's rows.
    const schema = `sk_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const store = await openStore({ databaseUrl, schema });
    return {
      store,
      // A second store has its own pg pool: the concurrency tests race real connections.
      openSecondConnection: () => openStore({ databaseUrl, schema }),
      cleanup: async () => {
        await store.close();
        const client = new Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          await client.query(`drop schema if exists "${schema}" cascade`);
        } finally {
          await client.end();
        }
      },
    };
  });

  it('opens PostgreSQL, not PGlite, when a database URL is given', async () => {
    const schema = `sk_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const store = await openStore({ databaseUrl, schema });
    try {
      expect(store.backend).toBe('postgres');
    } finally {
      await store.close();
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
    }
  });
}
