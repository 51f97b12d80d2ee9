import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { chainHistory } from '../../src/core/chain-history';
import type { DeliverableState, HistoryDraft } from '../../src/core/schemas';
import { verifyHistory } from '../../src/core/verify-history';
import { openStore } from '../../src/store/open-store';
import type { Fault } from '../../src/store/report-fault';
import type { SqlStore } from '../../src/store/sql-store';
import { describeStoreContract } from './store-contract';

// PGlite is a single-connection engine: there is no second connection to race with, so the
// contract's concurrency tests run their commits in parallel on one store, where the dialect
// queues whole transactions. They still prove no commit is lost and the chain never forks.
describeStoreContract('PGlite', async () => {
  const store = await openStore({ dataDir: 'memory://' });
  return { store, cleanup: () => store.close() };
});

const state: DeliverableState = {
  platform: 'linear',
  id: 'lin-1',
  key: 'ENG-42',
  scopeId: 'team-eng',
  title: 'Invite teammates by email',
  assigneeId: null,
  criteria: [{ id: null, text: 'An invitation email arrives within a minute', met: false }],
  signOff: null,
  inScope: true,
  updatedAt: '2026-02-01T09:00:00.000Z',
};

const baselineDraft: HistoryDraft = {
  id: 'rec-1',
  scopeId: 'team-eng',
  at: '2026-02-01T09:00:00.000Z',
  actor: { id: 'u-anna', name: 'Anna', email: null },
  deliverableId: null,
  kind: 'baseline_created',
  data: { baselineId: 'bl-1', name: 'SRS v1.0', deliverableCount: 1, criterionCount: 1 },
};

describe('SQL store on a PGlite data directory', () => {
  let dataDir: string;
  let store: SqlStore | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-pglite-'));
  });

  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Edits a row behind the store's back, as a broken backup restore or a manual fix would. */
  async function tamper(statement: string): Promise<void> {
    await store?.close();
    const raw = await PGlite.create(dataDir);
    await raw.exec(statement);
    await raw.close();
    store = await openStore({ dataDir });
  }

  it('keeps deliverables and history when the data directory is closed and reopened', async () => {
    store = await openStore({ dataDir });
    expect(store.backend).toBe('pglite');
    await store.commit({ scopeId: 'team-eng', deliverables: [{ state, expectedVersion: null }], history: [baselineDraft] });
    await store.close();

    store = await openStore({ dataDir });
    expect(await store.getDeliverable('linear', 'lin-1')).toEqual({ state, version: 1 });
    const records = [];
    for await (const record of store.readHistory('team-eng')) records.push(record);
    expect(verifyHistory(records)).toEqual({ ok: true, count: 1 });
  });

  it('throws a clear error naming the deliverable when its stored state is corrupted', async () => {
    store = await openStore({ dataDir });
    await store.commit({ scopeId: 'team-eng', deliverables: [{ state, expectedVersion: null }] });
    await tamper(`update deliverables set state = state - 'criteria'`);
    await expect(store.getDeliverable('linear', 'lin-1')).rejects.toThrow(/stored deliverable linear:lin-1 is corrupted: criteria/);
  });

  it('reports the tampered record when a history row is edited behind the store', async () => {
    store = await openStore({ dataDir });
    await store.commit({ scopeId: 'team-eng', history: [baselineDraft] });
    await tamper(`update history set record = jsonb_set(record, '{data,name}', '"SRS v9.9"')`);
    const records = [];
    for await (const record of store.readHistory('team-eng')) records.push(record);
    expect(verifyHistory(records)).toMatchObject({ ok: false, recordId: 'rec-1', problem: 'HASH_MISMATCH' });
  });

  it('refuses a schema name that is not a plain lower-case SQL identifier', async () => {
    await expect(openStore({ dataDir, schema: 'x; drop table history' })).rejects.toThrow(/must be a lower-case SQL identifier/);
  });

  it('keeps stores in different schemas of one database apart', async () => {
    store = await openStore({ dataDir, schema: 'tenant_a' });
    await store.commit({ scopeId: 'team-eng', deliverables: [{ state, expectedVersion: null }] });
    await store.close();
    store = await openStore({ dataDir, schema: 'tenant_b' });
    expect(await store.getDeliverable('linear', 'lin-1')).toBeNull();
  });
});

describe('SQL store bulk history append', () => {
  let store: SqlStore;
  const draftsFor = (scopeId: string, count: number, from = 0): HistoryDraft[] =>
    Array.from({ length: count }, (_, i) => ({ ...baselineDraft, id: `${scopeId}-rec-${from + i}`, scopeId, kind: 'closure_allowed', data: { toState: 'Done' } }));

  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
  });

  afterAll(async () => {
    await store.close();
  });

  it('stores pre-chained records as one chain that verifies and moves the head', async () => {
    const records = chainHistory(null, draftsFor('bulk-a', 1_200));
    await store.appendChainedHistory('bulk-a', records);
    const stored = [];
    for await (const record of store.readHistory('bulk-a')) stored.push(record);
    expect(verifyHistory(stored)).toEqual({ ok: true, count: 1_200 });
    expect(await store.getHistoryHead('bulk-a')).toEqual({ seq: 1_199, hash: records[1_199]?.hash, scopeVersion: null });
  });

  it('throws and stores nothing when the pre-chained records do not continue the head', async () => {
    const first = chainHistory(null, draftsFor('bulk-b', 3));
    await store.appendChainedHistory('bulk-b', first);
    const forked = chainHistory(null, draftsFor('bulk-b', 2, 3));
    await expect(store.appendChainedHistory('bulk-b', forked)).rejects.toThrow(/does not continue the history of scope bulk-b at seq 3/);
    expect((await store.getHistoryHead('bulk-b'))?.seq).toBe(2);
  });
});

describe('SQL store when a statistics refresh fails after a commit', () => {
  it('keeps the commit, and logs and counts the failed ANALYZE through onFault', async () => {
    const faults: Fault[] = [];
    const store = await openStore({ dataDir: 'memory://', onFault: (fault) => faults.push(fault) });
    try {
      // ANALYZE names change_reasons too; without it the refresh fails, while the commit needs it not.
      await sql`drop table change_reasons`.execute(store.database);
      const drafts = Array.from({ length: 5_000 }, (_, i): HistoryDraft => ({ ...baselineDraft, id: `an-${i}`, scopeId: 'an', kind: 'closure_allowed', data: { toState: 'Done' } }));
      expect(await store.commit({ scopeId: 'an', history: drafts })).toMatchObject({ ok: true });
      expect((await store.getHistoryHead('an'))?.seq).toBe(4_999);
      expect(faults).toEqual([expect.objectContaining({ source: 'sql-store', kind: 'analyze_failed', message: expect.stringMatching(/^ANALYZE after 5000 appended records failed/) })]);
    } finally {
      await store.close();
    }
  });
});
