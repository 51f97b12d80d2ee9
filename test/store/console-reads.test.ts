import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { openStore } from '../../src/store/open-store';
import type { SqlStore } from '../../src/store/sql-store';
import { ENG, OPS, seedConsoleTeams } from '../support/seed-console-teams';

// The console's narrow reads (migration 0005): the scope stamp its page memo trusts, keys by id,
// a deliverable by key, the overview counts and the day-by-day trend, on PGlite and PostgreSQL.

const databaseUrl = process.env.TEST_DATABASE_URL;
const backends: [string, () => Promise<{ store: SqlStore; cleanup: () => Promise<void> }>][] = [
  ['PGlite', async () => {
    const store = await openStore({ dataDir: 'memory://' });
    return { store, cleanup: () => store.close() };
  }],
];
if (databaseUrl) {
  backends.push(['PostgreSQL', async () => {
    const schema = `sk_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const store = await openStore({ databaseUrl, schema });
    return {
      store,
      cleanup: async () => {
        await store.close();
        const client = new Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
      },
    };
  }]);
} else {
  it.skip('console reads on PostgreSQL: set TEST_DATABASE_URL to run', () => undefined);
}

describe.each(backends)('console reads (%s)', (_name, open) => {
  let store: SqlStore;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await open());
    await seedConsoleTeams(store);
  });
  afterAll(() => cleanup());

  it('changes the scope stamp on every deliverable write and history append, and only then', async () => {
    const before = await store.readScopeStamp(ENG.scopeId);
    expect(await store.readScopeStamp(ENG.scopeId)).toBe(before);
    const [eng1] = await store.listDeliverables(ENG.scopeId);
    const edited = await store.commit({ scopeId: ENG.scopeId, deliverables: [{ state: { ...eng1!.state, title: 'Retitled' }, expectedVersion: eng1!.version }] });
    expect(edited.ok).toBe(true);
    const afterEdit = await store.readScopeStamp(ENG.scopeId);
    expect(afterEdit).not.toBe(before);
    const opsStamp = await store.readScopeStamp(OPS.scopeId);
    const appended = await store.commit({ scopeId: ENG.scopeId, history: [{ id: randomUUID(), scopeId: ENG.scopeId, at: '2026-11-06T10:00:00.000Z', actor: null, deliverableId: null, kind: 'closure_allowed', data: { toState: 'Done' } }] });
    expect(appended.ok).toBe(true);
    expect(await store.readScopeStamp(ENG.scopeId)).not.toBe(afterEdit);
    expect(await store.readScopeStamp(OPS.scopeId)).toBe(opsStamp);
  });

  it('reads deliverable keys for the ids asked, and finds a deliverable by key in any case', async () => {
    expect(await store.readDeliverableKeys(ENG.scopeId, ['issue-ENG-2', 'issue-ENG-9'])).toEqual(new Map([['issue-ENG-2', 'ENG-2']]));
    expect((await store.readDeliverableKeys(ENG.scopeId)).size).toBe(4);
    expect(await store.findDeliverableIdByKey(ENG.scopeId, 'eng-3')).toBe('issue-ENG-3');
    expect(await store.findDeliverableIdByKey(OPS.scopeId, 'ENG-3')).toBeNull();
  });

  it('counts records, undocumented changes and closures as the overview shows them', async () => {
    // Seeded: baseline, sign-off, a reworded criterion and a removal (both without reason), and the closure above.
    expect(await store.countHistory(ENG.scopeId)).toEqual({ records: 5, undocumented: 2, bypasses: 0, closures: 1 });
    expect(await store.countHistory(OPS.scopeId)).toEqual({ records: 0, undocumented: 0, bypasses: 0, closures: 0 });
  });

  it('gives the scope version and undocumented changes day by day, up to the latest record', async () => {
    expect(await store.readScopeTrend(ENG.scopeId, 30)).toEqual([
      { day: '2026-11-02', scopeVersion: '1.0', changes: 0, undocumented: 0 },
      { day: '2026-11-03', scopeVersion: '1.0', changes: 0, undocumented: 0 },
      { day: '2026-11-04', scopeVersion: '1.1', changes: 1, undocumented: 1 },
      { day: '2026-11-05', scopeVersion: '1.2', changes: 1, undocumented: 1 },
      { day: '2026-11-06', scopeVersion: '1.2', changes: 0, undocumented: 0 },
    ]);
    expect((await store.readScopeTrend(ENG.scopeId, 2)).map((d) => d.day)).toEqual(['2026-11-05', '2026-11-06']);
    expect(await store.readScopeTrend(OPS.scopeId, 30)).toEqual([]);
  });
});
