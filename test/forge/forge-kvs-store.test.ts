import { kvs, Filter, FilterConditions, WhereConditions } from '@forge/kvs';
import { installForgeKvsMock, type FakeKvsService } from '../mocks/forge-kvs';
import { KvsStore, KVS_PAGE_SIZE, storageKey } from '../../src/forge/kvs-store';
import { verifyHistory } from '../../src/core/verify-history';
import type { DeliverableState, HistoryDraft, HistoryRecord } from '../../src/core/schemas';

jest.mock('@forge/kvs', () => jest.requireActual('../mocks/forge-kvs').mockForgeKvsModule());

let service: FakeKvsService;
let store: KvsStore;

beforeEach(() => {
  service = installForgeKvsMock();
  store = new KvsStore();
});

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; responseDetails?: { status?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string };
  }
  throw new Error('expected the call to be refused');
}

function deliverable(overrides: Partial<DeliverableState> = {}): DeliverableState {
  return {
    platform: 'jira',
    id: '10042',
    key: 'PROJ-12',
    scopeId: '10000',
    title: 'Export invoices as PDF',
    assigneeId: null,
    criteria: [{ id: 'c1', text: 'A PDF downloads', met: false }],
    signOff: null,
    inScope: true,
    updatedAt: '2026-03-02T09:00:00.000Z',
    ...overrides,
  };
}

function closure(i: number, scopeId = '10000'): HistoryDraft {
  return { id: `rec-${i}`, scopeId, at: '2026-03-02T09:00:00.000Z', actor: null, deliverableId: '10042', kind: 'closure_allowed', data: { toState: 'Done' } };
}

async function readAll(scopeId = '10000'): Promise<HistoryRecord[]> {
  const records: HistoryRecord[] = [];
  for await (const r of store.readHistory(scopeId)) records.push(r);
  return records;
}

describe('the @forge/kvs stand-in enforces the documented limits', () => {
  it('refuses a key longer than 500 characters', async () => {
    expect(await rejection(kvs.set('k'.repeat(501), 1))).toMatchObject({ code: 'KEY_TOO_LONG', responseDetails: { status: 400 } });
    await kvs.set('k'.repeat(500), 1);
    expect(await kvs.get('k'.repeat(500))).toBe(1);
  });

  it('refuses a key with a character outside letters, digits and :._-# and spaces', async () => {
    expect(await rejection(kvs.set('scope/10000', 1))).toMatchObject({ code: 'INVALID_KEY' });
  });

  it('refuses a value larger than 240 KiB', async () => {
    expect(await rejection(kvs.set('big', 'x'.repeat(240 * 1024)))).toMatchObject({ code: 'MAX_SIZE' });
    await kvs.set('fits', 'x'.repeat(240 * 1024 - 2));
  });

  it('refuses to overwrite with FAIL_IF_EXISTS and keeps the first value', async () => {
    await kvs.set('once', 'first', { keyPolicy: 'FAIL_IF_EXISTS' });
    expect(await rejection(kvs.set('once', 'second', { keyPolicy: 'FAIL_IF_EXISTS' }))).toMatchObject({ responseDetails: { status: 409 } });
    expect(await kvs.get('once')).toBe('first');
  });

  it('answers undefined for a key that was never stored', async () => {
    expect(await kvs.get('missing')).toBeUndefined();
  });

  it('returns at most 20 results a page from kvs.query and pages through the rest with the cursor', async () => {
    for (let i = 0; i < 45; i += 1) await kvs.set(`item:${String(i).padStart(2, '0')}`, i);
    const first = await kvs.query().where('key', WhereConditions.beginsWith('item:')).limit(50).getMany();
    expect(first.results).toHaveLength(20);
    const second = await kvs.query().where('key', WhereConditions.beginsWith('item:')).limit(20).cursor(first.nextCursor as string).getMany();
    const third = await kvs.query().where('key', WhereConditions.beginsWith('item:')).limit(20).cursor(second.nextCursor as string).getMany();
    expect([...first.results, ...second.results, ...third.results].map((r) => r.value)).toEqual(Array.from({ length: 45 }, (_, i) => i));
    expect(third.nextCursor).toBeUndefined();
  });

  it('refuses a transaction of more than 25 operations and applies none of them', async () => {
    const tx = kvs.transact();
    for (let i = 0; i < 26; i += 1) tx.set(`t${i}`, i);
    expect(await rejection(tx.execute())).toMatchObject({ responseDetails: { status: 400 } });
    expect(await kvs.get('t0')).toBeUndefined();
  });

  it('rolls back every operation of a transaction whose condition fails', async () => {
    await kvs.entity('scope-head').set('s1', { scopeId: 's1', token: 'a', seq: -1, hash: '', scopeVersion: '', baselines: [], ext: {} });
    const tx = kvs
      .transact()
      .set('plain', 'written?')
      .set('s1', { scopeId: 's1', token: 'b', seq: 0, hash: 'h', scopeVersion: '', baselines: [], ext: {} }, { entityName: 'scope-head', conditions: new Filter<{ token: string }>().and('token', FilterConditions.equalTo('stale')) });
    expect(await rejection(tx.execute())).toMatchObject({ responseDetails: { status: 409 } });
    expect(await kvs.get('plain')).toBeUndefined();
    expect(await kvs.entity<{ token: string }>('scope-head').get('s1')).toMatchObject({ token: 'a' });
  });

  it('refuses a custom entity attribute the manifest does not declare', async () => {
    expect(await rejection(kvs.entity('deliverable').set('jira:1', { platform: 'jira', secret: 'x' }))).toMatchObject({ code: 'INVALID_ENTITY_VALUE' });
  });

  it('refuses an index query without its partition values or with more than 100 a page', async () => {
    expect(await rejection(kvs.entity('history-entry').query().index('by-deliverable', { partition: ['10000'] }).getMany())).toMatchObject({ responseDetails: { status: 400 } });
    expect(await rejection(kvs.entity('history-entry').query().index('by-seq', { partition: ['10000'] }).limit(101).getMany())).toMatchObject({
      code: 'COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE',
    });
  });
});

describe('KvsStore within the limits', () => {
  it('keys deliverables by id, also ids with characters keys do not allow or longer than a key may be', async () => {
    const odd = deliverable({ platform: 'linear', id: 'team/ENG issue #42 ✓', key: 'ENG-42' });
    const long = deliverable({ platform: 'linear', id: 'x'.repeat(600), key: 'ENG-43' });
    await store.commit({ scopeId: '10000', deliverables: [{ state: odd, expectedVersion: null }, { state: long, expectedVersion: null }] });
    expect(await store.getDeliverable('linear', odd.id)).toEqual({ state: odd, version: 1 });
    expect(await store.getDeliverable('linear', long.id)).toEqual({ state: long, version: 1 });
    expect(storageKey('x'.repeat(600)).length).toBeLessThanOrEqual(500);
  });

  it('stores criteria larger than one 240 KiB value by splitting them, and reads them back whole', async () => {
    const criteria = Array.from({ length: 200 }, (_, i) => ({ id: `c${i}`, text: `Criterion ${i}: ${'détail '.repeat(280).trim()}`, met: i % 2 === 0 }));
    const big = deliverable({ criteria });
    expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(240 * 1024);
    const first = await store.commit({ scopeId: '10000', deliverables: [{ state: big, expectedVersion: null }] });
    expect(first.ok).toBe(true);
    const edited = { ...big, title: 'Export invoices and credit notes' };
    expect(await store.commit({ scopeId: '10000', deliverables: [{ state: edited, expectedVersion: 1 }] })).toMatchObject({ ok: true, versions: { 'jira:10042': 2 } });
    expect(await store.getDeliverable('jira', '10042')).toEqual({ state: edited, version: 2 });
    expect((await store.listDeliverables('10000')).map((d) => d.state.title)).toEqual(['Export invoices and credit notes']);
  });

  it('keeps a history record larger than 240 KiB, and its chain still verifies', async () => {
    const huge = 'Given a very long criterion '.repeat(12_000);
    const drafts: HistoryDraft[] = [
      { id: 'b1', scopeId: '10000', at: '2026-03-02T09:00:00.000Z', actor: null, deliverableId: null, kind: 'baseline_created', data: { baselineId: 'bl', name: 'SRS v1.0', deliverableCount: 1, criterionCount: 1 } },
      {
        id: 'c1',
        scopeId: '10000',
        at: '2026-03-02T09:01:00.000Z',
        actor: null,
        deliverableId: '10042',
        kind: 'scope_changed',
        data: { changeId: 'c1', kind: 'criterion_added', deliverableKey: 'PROJ-12', criterionId: 'x', before: null, after: huge, diff: null, replaced: false, fromIndex: null, toIndex: 0, source: 'jira-panel', reason: null },
      },
      closure(3),
    ];
    const result = await store.commit({ scopeId: '10000', history: drafts });
    expect(result.ok).toBe(true);
    const all = await readAll();
    expect(all.map((r) => r.id)).toEqual(['b1', 'c1', 'rec-3']);
    expect(verifyHistory(all)).toEqual({ ok: true, count: 3 });
    const page = await store.queryHistory({ scopeId: '10000', undocumentedOnly: true });
    expect(page.records.map((r) => r.kind === 'scope_changed' && r.data.after?.length)).toEqual([huge.length]);
  });

  it(`never asks storage for more than ${KVS_PAGE_SIZE} items a page, however many records a history page holds`, async () => {
    await store.commit({ scopeId: '10000', history: Array.from({ length: 150 }, (_, i) => closure(i)) });
    service.resetCounts();
    const page = await store.queryHistory({ scopeId: '10000', limit: 100 });
    expect(page.records).toHaveLength(100);
    await store.listDeliverables('10000');
    await readAll();
    expect(service.counts().largestQueryLimit).toBeLessThanOrEqual(KVS_PAGE_SIZE);
  });

  it('rebuilds the history index when a writer stopped after its commit and before indexing', async () => {
    await store.commit({ scopeId: '10000', history: [closure(1), closure(2)] });
    for (const key of service.keys('history-entry')) service.tamper(key, { scopeId: 'elsewhere', seq: -1, kind: 'x', actorId: '-', deliverableId: '-', atMs: 0, noReason: 0, changeId: '-', recordId: '-' }, 'history-entry');
    service.tamper(storageKey('hix', '10000'), { through: -1 });
    const page = await store.queryHistory({ scopeId: '10000' });
    expect(page.records.map((r) => r.id)).toEqual(['rec-2', 'rec-1']);
  });

  it('reports a commit as done when only its indexing failed, and the next query still finds its records', async () => {
    service.failNext('/api/v1/batch/set', 503, 'SERVICE_UNAVAILABLE');
    expect(await store.commit({ scopeId: '10000', history: [closure(1)] })).toMatchObject({ ok: true });
    expect((await store.queryHistory({ scopeId: '10000' })).records.map((r) => r.id)).toEqual(['rec-1']);
  });

  it('leaves no visible deliverable behind when a create fails, and a later create succeeds', async () => {
    const existing = deliverable({ id: '10043', key: 'PROJ-13' });
    await store.commit({ scopeId: '10000', deliverables: [{ state: existing, expectedVersion: null }] });
    const fresh = deliverable();
    const failed = await store.commit({ scopeId: '10000', deliverables: [{ state: fresh, expectedVersion: null }, { state: existing, expectedVersion: 5 }] });
    expect(failed).toMatchObject({ ok: false, code: 'VERSION_CONFLICT' });
    expect(await store.getDeliverable('jira', fresh.id)).toBeNull();
    expect((await store.listDeliverables('10000')).map((d) => d.state.id)).toEqual(['10043']);
    expect(await store.commit({ scopeId: '10000', deliverables: [{ state: fresh, expectedVersion: null }] })).toMatchObject({ ok: true, versions: { 'jira:10042': 1 } });
  });

  it('refuses a commit too large for one transaction before writing any of it', async () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ state: deliverable({ id: `d${i}`, key: `PROJ-${i}` }), expectedVersion: 1 }));
    await expect(store.commit({ scopeId: '10000', deliverables: many })).rejects.toThrow(/needs 30 operations .* one KVS transaction takes 25/);
    expect(await store.listDeliverables('10000')).toEqual([]);
  });

  it('keeps both a settings change and a history append that race for the same scope head', async () => {
    await store.commit({ scopeId: '10000', history: [closure(0)] });
    const [, appended] = await Promise.all([
      store.updateScopeExtension('10000', (ext) => ({ ...ext, settings: { bypassPolicy: 'reopen' } })),
      store.commit({ scopeId: '10000', history: [closure(1)] }),
    ]);
    expect(appended.ok).toBe(true);
    const summary = await store.readScopeSummary('10000');
    expect(summary.ext).toEqual({ settings: { bypassPolicy: 'reopen' } });
    expect(summary.head?.seq).toBe(1);
  });

  it('claims an event once and reports a second delivery', async () => {
    expect(await store.claimEvent('10042:10119')).toBe(true);
    expect(await store.claimEvent('10042:10119')).toBe(false);
  });
});
