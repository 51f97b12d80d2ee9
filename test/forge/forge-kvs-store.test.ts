import { installForgeKvsMock, type FakeKvsService } from '../mocks/forge-kvs';
import { KvsStore, ENTITY_PAGE_SIZE, storageKey } from '../../src/forge/storage/kvs-store';
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

  it('reads entity pages of 100, the documented maximum, however many records a history page holds', async () => {
    await store.commit({ scopeId: '10000', history: Array.from({ length: 150 }, (_, i) => closure(i)) });
    service.resetCounts();
    const page = await store.queryHistory({ scopeId: '10000', limit: 100 });
    expect(page.records).toHaveLength(100);
    await store.listDeliverables('10000');
    await readAll();
    expect(service.counts().largestQueryLimit).toBe(ENTITY_PAGE_SIZE);
    expect(ENTITY_PAGE_SIZE).toBe(100);
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
    expect(store.stats.indexFailures).toBe(1);
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

describe('KvsStore on the platform value rules', () => {
  it('creates a project head the platform accepts for a scope without history, then appends to it', async () => {
    // The empty head once had hash '' and scopeVersion '': string attributes cannot be empty.
    await store.updateScopeExtension('10000', (ext) => ({ ...ext, settings: { bypassPolicy: 'reopen' } }));
    expect(await store.readScopeSummary('10000')).toMatchObject({ head: null, ext: { settings: { bypassPolicy: 'reopen' } } });
    expect(await store.commit({ scopeId: '10000', history: [closure(0)] })).toMatchObject({ ok: true });
    expect(await store.getHistoryHead('10000')).toMatchObject({ seq: 0, scopeVersion: null });
  });

  it('keeps history written in 2026 past seq 2.2 million: reading, time filters and deliverable filters all find it', async () => {
    await store.commit({ scopeId: '10000', history: [closure(0)] });
    // A history this long cannot be written record by record in a test: the head and the index
    // watermark are moved there, as if 2.2 million records had been committed.
    service.tamper(storageKey('10000'), { ...(service.peek(storageKey('10000'), 'scope-head') as object), seq: 2_199_999 }, 'scope-head');
    service.tamper(storageKey('hix', '10000'), { through: 2_199_999 });
    const late: HistoryDraft = { ...closure(1), at: '2026-07-01T12:00:00.000Z', deliverableId: '10043' };
    expect(await store.commit({ scopeId: '10000', history: [late] })).toMatchObject({ ok: true, records: [{ seq: 2_200_000 }] });
    expect(store.stats.indexFailures).toBe(0);
    expect((await readAll()).map((r) => r.seq)).toEqual([0, 2_200_000]);
    const inJuly = await store.queryHistory({ scopeId: '10000', from: '2026-07-01T00:00:00.000Z', to: '2026-07-31T23:59:59.999Z' });
    expect(inJuly.records.map((r) => r.id)).toEqual(['rec-1']);
    expect((await store.queryHistory({ scopeId: '10000', deliverableId: '10043' })).records.map((r) => r.seq)).toEqual([2_200_000]);
  });

  it('rebuilds a history index larger than one 4 MB batch in several batches of at most 25 keys', async () => {
    const bulky = (i: number): HistoryDraft => ({
      id: `rec-${i}`,
      scopeId: '10000',
      at: '2026-03-02T09:00:00.000Z',
      actor: null,
      deliverableId: '10042',
      kind: 'closure_allowed',
      data: { toState: `Done ${i} ${'x'.repeat(200_000)}` },
    });
    await store.commit({ scopeId: '10000', history: Array.from({ length: 17 }, (_, i) => bulky(i)) });
    await store.commit({ scopeId: '10000', history: Array.from({ length: 17 }, (_, i) => bulky(17 + i)) });
    service.tamper(storageKey('hix', '10000'), { through: -1 });
    service.resetCounts();
    expect((await store.queryHistory({ scopeId: '10000', limit: 100 })).records).toHaveLength(34);
    const batches = service.requests.filter((r) => r.path === '/api/v1/batch/set').map((r) => r.body as unknown[]);
    expect(batches.length).toBeGreaterThan(1);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(25);
  });

  it.each([
    [409, 'KEY_CONFLICT'],
    [409, 'SOMETHING_ELSE'],
    [400, 'KEY_CONFLICT'],
  ])('takes a FAIL_IF_EXISTS refusal answered %i %s for an event already claimed, and logs that shape once', async (status, code) => {
    const info: string[] = [];
    const logged = new KvsStore({ info: (message) => info.push(message), warn: () => undefined });
    service.answerKeyConflictsWith(status, code);
    expect(await logged.claimEvent('10042:10119')).toBe(true);
    expect(await logged.claimEvent('10042:10119')).toBe(false);
    expect(await logged.claimEvent('10042:10119')).toBe(false);
    expect(logged.stats.keyConflicts).toEqual({ [`${status} ${code}`]: 2 });
    expect(info).toEqual([`storage answered a FAIL_IF_EXISTS conflict as ${status} ${code}`]);
  });

  it('passes on a refusal of any other shape instead of taking it for an event already claimed', async () => {
    service.answerKeyConflictsWith(400, 'INVALID_REQUEST');
    expect(await store.claimEvent('10042:10119')).toBe(true);
    expect(await rejection(store.claimEvent('10042:10119'))).toMatchObject({ code: 'INVALID_REQUEST', responseDetails: { status: 400 } });
  });
});

describe('KvsStore when what it reads back is corrupted or it had to fall back', () => {
  const segmentKey = (fromSeq: number) => storageKey('10000', String(fromSeq).padStart(12, '0'));
  const cached = { baselineId: 'bl-1', criteria: [{ id: 'c1', text: 'A PDF downloads', met: false }] };

  function loggedStore(): { store: KvsStore; warnings: string[] } {
    const warnings: string[] = [];
    return { store: new KvsStore({ info: () => undefined, warn: (message) => warnings.push(message) }), warnings };
  }

  it('throws an error naming the segment and the path when a stored history segment is corrupted', async () => {
    await store.commit({ scopeId: '10000', history: [closure(1), closure(2)] });
    const segment = service.peek(segmentKey(0), 'history-segment') as { records: { seq: number }[] };
    service.tamper(segmentKey(0), { ...segment, records: [segment.records[0], { ...segment.records[1], seq: 'two' }] }, 'history-segment');
    await expect(readAll()).rejects.toThrow('stored history segment 0 of scope 10000, record 1 is corrupted: seq: Invalid input: expected number, received string');
  });

  it('throws an error naming the path when the segment itself lost a field', async () => {
    await store.commit({ scopeId: '10000', history: [closure(1)] });
    const { parts: _parts, ...withoutParts } = service.peek(segmentKey(0), 'history-segment') as Record<string, unknown>;
    service.tamper(segmentKey(0), withoutParts as never, 'history-segment');
    await expect(readAll()).rejects.toThrow(/stored history segment of scope 10000 is corrupted: parts: /);
  });

  it('throws an error naming the path when the scope head is corrupted', async () => {
    await store.commit({ scopeId: '10000', history: [closure(1)] });
    service.tamper(storageKey('10000'), { ...(service.peek(storageKey('10000'), 'scope-head') as object), baselines: [{ id: 'bl-1' }] }, 'scope-head');
    await expect(store.getHistoryHead('10000')).rejects.toThrow(/stored head of scope 10000 is corrupted: baselines\.0\.major: /);
  });

  it('drops a corrupted baseline cache, logs it and counts it, and still reads the deliverable', async () => {
    const { store: logged, warnings } = loggedStore();
    const state = deliverable();
    await logged.commitWith({ scopeId: '10000', deliverables: [{ state, expectedVersion: null }] }, { baselineCaches: { 'jira:10042': cached } });
    expect((await logged.readDeliverableEntry('jira', '10042'))?.baselineCache).toEqual(cached);

    const entity = service.peek(storageKey('jira', '10042'), 'deliverable') as object;
    service.tamper(storageKey('jira', '10042'), { ...entity, baselineCache: { baselineId: 'bl-1', criteria: [{ text: 7 }] } }, 'deliverable');
    expect(await logged.readDeliverableEntry('jira', '10042')).toEqual({ stored: { state, version: 1 }, baselineCache: null });
    expect(logged.stats.corruptCaches).toBe(1);
    expect(warnings).toEqual([expect.stringMatching(/^stored baseline cache of deliverable jira:10042 is corrupted and was dropped: criteria\.0\.text: /)]);
  });

  it('skips a baseline cache write, logs it and counts it, when the deliverable changed meanwhile', async () => {
    const infos: string[] = [];
    const logged = new KvsStore({ info: (message) => infos.push(message), warn: () => undefined });
    await logged.commit({ scopeId: '10000', deliverables: [{ state: deliverable(), expectedVersion: null }] });
    // The transaction's condition fails as a concurrent write would make it fail.
    service.failNext('/api/v1/transaction', 409, 'CONDITION_FAILED');
    expect(await logged.writeBaselineCache('jira', '10042', cached)).toBe(false);
    expect(logged.stats.cacheWritesSkipped).toBe(1);
    expect(infos).toEqual([expect.stringMatching(/^baseline cache of jira:10042 not written: the deliverable changed meanwhile/)]);
  });
});
