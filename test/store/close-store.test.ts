import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openStore } from '../../src/store/open-store';
import type { SqlStore } from '../../src/store/sql-store';
import { openPostgresTestStore } from '../support/open-postgres-test-store';

// SqlStore.close while queries run (issue 10): it waits for them, and refuses new ones with an
// error that says why, on both backends. A PGlite closed under a running query used to leave
// that query unanswered for good.

const databaseUrl = process.env.TEST_DATABASE_URL;

/** A write that takes a while: a transaction that sleeps, then stores one settings row. */
const slowWrite = (store: SqlStore, scopeId: string) =>
  store.database.transaction().execute(async (trx) => {
    await sql`select pg_sleep(0.4)`.execute(trx);
    await trx.insertInto('scope_settings').values({ scope_id: scopeId, version: 1, settings: '{}', updated_at: '2026-12-02T07:00:00.000Z' }).execute();
    return 'written';
  });

const settingsRow = async (store: SqlStore, scopeId: string) =>
  (await store.database.selectFrom('scope_settings').select('scope_id').where('scope_id', '=', scopeId).execute()).map((r) => r.scope_id);

describe('closing the store while queries run, on PGlite (a data directory)', () => {
  let dataDir: string;
  beforeEach(async () => (dataDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-close-'))));
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('waits for the write in flight, which is kept, and refuses a query asked for meanwhile, saying why', async () => {
    const store = await openStore({ dataDir });
    const inFlight = slowWrite(store, 'ENG');
    // Let the transaction start before closing.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = store.close();
    await expect(store.database.selectFrom('scope_settings').selectAll().execute()).rejects.toThrow(/database is closing .* not run\. Nothing was written/);
    await expect(inFlight).resolves.toBe('written');
    await closing;

    // The directory is free again (the lock was released) and the write is there.
    const reopened = await openStore({ dataDir });
    try {
      expect(await settingsRow(reopened, 'ENG')).toEqual(['ENG']);
    } finally {
      await reopened.close();
    }
  });

  it('closes at once when nothing runs, and twice is fine', async () => {
    const store = await openStore({ dataDir: 'memory://' });
    await store.close();
    await store.close();
    await expect(settingsRow(store, 'ENG')).rejects.toThrow(/database is closing/);
  });
});

(databaseUrl ? describe : describe.skip)('closing the store while queries run, on PostgreSQL', () => {
  it('waits for the write in flight, which is kept, and refuses a query asked for meanwhile, saying why', async () => {
    const test = await openPostgresTestStore(databaseUrl!, 'close');
    const second = await test.openSecond();
    try {
      const inFlight = slowWrite(test.store, 'ENG');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const closing = test.store.close();
      await expect(settingsRow(test.store, 'ENG')).rejects.toThrow(/database is closing/);
      await expect(inFlight).resolves.toBe('written');
      await closing;
      expect(await settingsRow(second, 'ENG')).toEqual(['ENG']);
    } finally {
      await second.close();
      await test.cleanup();
    }
  });
});
