import { randomUUID } from 'node:crypto';
import type { Actor, Baseline, DeliverableState, HistoryDraft, HistoryRecord } from '../../src/core/schemas';
import { HISTORY_PAGE_MAX, type CommitResult, type HistoryQuery, type ScopeStore } from '../../src/core/store';
import { verifyHistory } from '../../src/core/verify-history';

// The contract every ScopeStore adapter must keep (SQL on PGlite and PostgreSQL, Forge KVS).
// It talks to the port only. `makeStore` runs once per suite; tests isolate themselves with
// fresh scope and deliverable ids, so adapters need not be emptied between tests.

export interface StoreUnderTest {
  store: ScopeStore;
  /**
   * A second, independent connection (own pool or client) to the same data, for the real
   * concurrency tests. Adapters that cannot have one (PGlite is a single-connection engine)
   * leave it out and the concurrent commits run in parallel on `store` instead.
   * The suite closes what this returns.
   */
  openSecondConnection?: () => Promise<ScopeStore>;
  cleanup: () => Promise<void>;
}

const ANNA: Actor = { id: 'u-anna', name: 'Anna Product Owner', email: 'anna@example.com' };
const RAVI: Actor = { id: 'u-ravi', name: 'Ravi Engineer', email: null };
const BASE_TIME = Date.parse('2026-02-01T09:00:00.000Z');

const run = randomUUID().slice(0, 8);
let counter = 0;
const nextId = (prefix: string): string => `${prefix}-${run}-${(counter += 1)}`;

function timeAt(minutes: number): string {
  return new Date(BASE_TIME + minutes * 60_000).toISOString();
}

function deliverable(scopeId: string, overrides: Partial<DeliverableState> = {}): DeliverableState {
  const id = overrides.id ?? nextId('issue');
  return {
    platform: 'jira',
    id,
    key: `PROJ-${counter}`,
    scopeId,
    title: 'Export invoices as PDF',
    assigneeId: null,
    criteria: [{ id: 'c1', text: 'Given an invoice, when I export it, then a PDF downloads', met: false }],
    signOff: null,
    inScope: true,
    updatedAt: timeAt(0),
    ...overrides,
  };
}

function baseline(scopeId: string, major: number): Baseline {
  return {
    id: nextId('baseline'),
    scopeId,
    name: `SRS v${major}.0`,
    major,
    createdAt: timeAt(major),
    approvedBy: ANNA,
    deliverables: [{ id: 'issue-1', key: 'PROJ-1', title: 'Export invoices as PDF', criteria: [{ id: 'c1', text: 'A PDF downloads', met: false }] }],
  };
}

function baselineCreated(scopeId: string, at = timeAt(0)): HistoryDraft {
  return {
    id: nextId('rec'),
    scopeId,
    at,
    actor: ANNA,
    deliverableId: null,
    kind: 'baseline_created',
    data: { baselineId: nextId('baseline'), name: 'SRS v1.0', deliverableCount: 1, criterionCount: 1 },
  };
}

function scopeChanged(
  scopeId: string,
  options: { changeId?: string; reason?: string | null; deliverableId?: string; actor?: Actor; at?: string } = {},
): HistoryDraft {
  return {
    id: nextId('rec'),
    scopeId,
    at: options.at ?? timeAt(1),
    actor: options.actor ?? RAVI,
    deliverableId: options.deliverableId ?? 'issue-1',
    kind: 'scope_changed',
    data: {
      changeId: options.changeId ?? nextId('change'),
      kind: 'criterion_modified',
      deliverableKey: 'PROJ-1',
      criterionId: 'c1',
      before: 'A PDF downloads',
      after: 'A PDF downloads within 5 seconds',
      diff: null,
      replaced: false,
      fromIndex: null,
      toIndex: null,
      source: 'jira-panel',
      reason: options.reason === undefined ? 'Client asked for a time limit' : options.reason,
    },
  };
}

function reasonAttached(scopeId: string, changeIds: string[], at = timeAt(2)): HistoryDraft {
  return {
    id: nextId('rec'),
    scopeId,
    at,
    actor: ANNA,
    deliverableId: null,
    kind: 'reason_attached',
    data: { changeIds, reason: 'Agreed in the weekly call' },
  };
}

function closureAllowed(scopeId: string, deliverableId: string, at = timeAt(3)): HistoryDraft {
  return { id: nextId('rec'), scopeId, at, actor: RAVI, deliverableId, kind: 'closure_allowed', data: { toState: 'Done' } };
}

async function readAll(store: ScopeStore, scopeId: string): Promise<HistoryRecord[]> {
  const records: HistoryRecord[] = [];
  for await (const record of store.readHistory(scopeId)) records.push(record);
  return records;
}

async function readAllPages(store: ScopeStore, query: HistoryQuery): Promise<HistoryRecord[][]> {
  const pages: HistoryRecord[][] = [];
  let cursor: string | null = null;
  do {
    const page = await store.queryHistory({ ...query, cursor });
    pages.push(page.records);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 1000);
  return pages;
}

function expectOk(result: CommitResult): Extract<CommitResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected the commit to succeed, got ${result.code}: ${result.message}`);
  return result;
}

/** A scope with a baseline, so scope changes can follow. */
async function baselinedScope(store: ScopeStore): Promise<string> {
  const scopeId = nextId('scope');
  expectOk(await store.commit({ scopeId, history: [baselineCreated(scopeId)] }));
  return scopeId;
}

/** A baselined scope and three scope changes for it: without a reason, with a blank one, and explained. */
async function undocumentedScope(store: ScopeStore): Promise<{ scopeId: string; silent: HistoryDraft; blank: HistoryDraft; explained: HistoryDraft }> {
  const scopeId = await baselinedScope(store);
  return {
    scopeId,
    silent: scopeChanged(scopeId, { reason: null }),
    blank: scopeChanged(scopeId, { reason: '   ' }),
    explained: scopeChanged(scopeId, { reason: 'Client asked for it' }),
  };
}

const changeIdOf = (d: HistoryDraft): string => (d.kind === 'scope_changed' ? d.data.changeId : '');

export function describeStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`store contract (${name})`, () => {
    let subject: StoreUnderTest | undefined;
    let store: ScopeStore;

    beforeAll(async () => {
      subject = await makeStore();
      store = subject.store;
    });

    afterAll(async () => {
      await subject?.cleanup();
    });

    describe('deliverables (optimistic versions)', () => {
      it('stores a new deliverable at version 1 when written with expectedVersion null', async () => {
        const scopeId = nextId('scope');
        const state = deliverable(scopeId);
        const result = expectOk(await store.commit({ scopeId, deliverables: [{ state, expectedVersion: null }] }));
        expect(result.versions).toEqual({ [`jira:${state.id}`]: 1 });
        expect(await store.getDeliverable('jira', state.id)).toEqual({ state, version: 1 });
      });

      it('raises the version by one and stores the new state when updated from the version it read', async () => {
        const scopeId = nextId('scope');
        const state = deliverable(scopeId);
        expectOk(await store.commit({ scopeId, deliverables: [{ state, expectedVersion: null }] }));
        const edited = { ...state, title: 'Export invoices and credit notes as PDF', updatedAt: timeAt(5) };
        const result = expectOk(await store.commit({ scopeId, deliverables: [{ state: edited, expectedVersion: 1 }] }));
        expect(result.versions[`jira:${state.id}`]).toBe(2);
        expect(await store.getDeliverable('jira', state.id)).toEqual({ state: edited, version: 2 });
      });

      it('returns null when the deliverable was never stored', async () => {
        expect(await store.getDeliverable('linear', nextId('missing'))).toBeNull();
      });

      it('keeps a Jira and a Linear deliverable with the same id apart', async () => {
        const scopeId = nextId('scope');
        const id = nextId('shared-id');
        const jira = deliverable(scopeId, { id, platform: 'jira', key: 'PROJ-7' });
        const linear = deliverable(scopeId, { id, platform: 'linear', key: 'ENG-7' });
        const result = expectOk(
          await store.commit({ scopeId, deliverables: [{ state: jira, expectedVersion: null }, { state: linear, expectedVersion: null }] }),
        );
        expect(result.versions).toEqual({ [`jira:${id}`]: 1, [`linear:${id}`]: 1 });
        expect((await store.getDeliverable('linear', id))?.state.key).toBe('ENG-7');
        expect((await store.getDeliverable('jira', id))?.state.key).toBe('PROJ-7');
      });

      it('lists the deliverables of one scope and none of another', async () => {
        const scopeId = nextId('scope');
        const other = nextId('scope');
        const a = deliverable(scopeId);
        const b = deliverable(scopeId);
        const elsewhere = deliverable(other);
        expectOk(await store.commit({ scopeId, deliverables: [{ state: a, expectedVersion: null }, { state: b, expectedVersion: null }] }));
        expectOk(await store.commit({ scopeId: other, deliverables: [{ state: elsewhere, expectedVersion: null }] }));
        const listed = await store.listDeliverables(scopeId);
        expect(listed.map((d) => d.state.id).sort()).toEqual([a.id, b.id].sort());
        expect(listed.every((d) => d.version === 1)).toBe(true);
      });

      it('refuses with VERSION_CONFLICT and leaves the stored state unchanged when the expected version is stale', async () => {
        const scopeId = nextId('scope');
        const state = deliverable(scopeId);
        expectOk(await store.commit({ scopeId, deliverables: [{ state, expectedVersion: null }] }));
        const first = { ...state, title: 'First edit' };
        expectOk(await store.commit({ scopeId, deliverables: [{ state: first, expectedVersion: 1 }] }));

        const result = await store.commit({ scopeId, deliverables: [{ state: { ...state, title: 'Stale edit' }, expectedVersion: 1 }] });
        expect(result).toMatchObject({ ok: false, code: 'VERSION_CONFLICT' });
        expect(await store.getDeliverable('jira', state.id)).toEqual({ state: first, version: 2 });
      });

      it('refuses with VERSION_CONFLICT when expectedVersion is null but the deliverable already exists', async () => {
        const scopeId = nextId('scope');
        const state = deliverable(scopeId);
        expectOk(await store.commit({ scopeId, deliverables: [{ state, expectedVersion: null }] }));
        const result = await store.commit({ scopeId, deliverables: [{ state: { ...state, title: 'Created twice' }, expectedVersion: null }] });
        expect(result).toMatchObject({ ok: false, code: 'VERSION_CONFLICT' });
        expect(await store.getDeliverable('jira', state.id)).toEqual({ state, version: 1 });
      });

      it('refuses with VERSION_CONFLICT when updating a deliverable that was never stored', async () => {
        const scopeId = nextId('scope');
        const state = deliverable(scopeId);
        const result = await store.commit({ scopeId, deliverables: [{ state, expectedVersion: 3 }] });
        expect(result).toMatchObject({ ok: false, code: 'VERSION_CONFLICT' });
        expect(await store.getDeliverable('jira', state.id)).toBeNull();
      });

      it('writes none of the deliverables when one write in the same commit conflicts', async () => {
        const scopeId = nextId('scope');
        const existing = deliverable(scopeId);
        expectOk(await store.commit({ scopeId, deliverables: [{ state: existing, expectedVersion: null }] }));
        const fresh = deliverable(scopeId);
        const result = await store.commit({
          scopeId,
          deliverables: [
            { state: fresh, expectedVersion: null },
            { state: { ...existing, title: 'Stale' }, expectedVersion: 7 },
          ],
        });
        expect(result).toMatchObject({ ok: false, code: 'VERSION_CONFLICT' });
        expect(await store.getDeliverable('jira', fresh.id)).toBeNull();
      });
    });

    describe('baselines', () => {
      it('returns no active baseline and no history head when the scope has none', async () => {
        const scopeId = nextId('scope');
        expect(await store.getActiveBaseline(scopeId)).toBeNull();
        expect(await store.listBaselines(scopeId)).toEqual([]);
        expect(await store.getHistoryHead(scopeId)).toBeNull();
        expect(await readAll(store, scopeId)).toEqual([]);
      });

      it('makes the newest baseline active and lists all in order when the scope is re-baselined', async () => {
        const scopeId = nextId('scope');
        const v1 = baseline(scopeId, 1);
        const v2 = baseline(scopeId, 2);
        expectOk(await store.commit({ scopeId, baseline: v1 }));
        expect(await store.getActiveBaseline(scopeId)).toEqual(v1);
        expectOk(await store.commit({ scopeId, baseline: v2 }));
        expect(await store.getActiveBaseline(scopeId)).toEqual(v2);
        expect(await store.listBaselines(scopeId)).toEqual([v1, v2]);
      });

      it('refuses with BASELINE_EXISTS and writes nothing else when the baseline major is already taken', async () => {
        const scopeId = nextId('scope');
        const v1 = baseline(scopeId, 1);
        expectOk(await store.commit({ scopeId, baseline: v1 }));
        const state = deliverable(scopeId);
        const result = await store.commit({
          scopeId,
          deliverables: [{ state, expectedVersion: null }],
          baseline: { ...baseline(scopeId, 1), name: 'SRS v1.0 (again)' },
          history: [baselineCreated(scopeId)],
        });
        expect(result).toMatchObject({ ok: false, code: 'BASELINE_EXISTS' });
        expect(await store.listBaselines(scopeId)).toEqual([v1]);
        expect(await store.getDeliverable('jira', state.id)).toBeNull();
        expect(await store.getHistoryHead(scopeId)).toBeNull();
      });
    });

    describe('history (hash-chained, append-only)', () => {
      it('assigns seq, scope versions and hashes when records are appended, and the chain verifies', async () => {
        const scopeId = nextId('scope');
        const first = expectOk(await store.commit({ scopeId, history: [baselineCreated(scopeId)] }));
        const second = expectOk(await store.commit({ scopeId, history: [scopeChanged(scopeId), scopeChanged(scopeId)] }));

        expect(first.records.map((r) => [r.seq, r.scopeVersion])).toEqual([[0, '1.0']]);
        expect(second.records.map((r) => [r.seq, r.scopeVersion])).toEqual([[1, '1.1'], [2, '1.2']]);
        expect(second.records[0]?.prevHash).toBe(first.records[0]?.hash);
        const last = second.records[1] as HistoryRecord;
        expect(await store.getHistoryHead(scopeId)).toEqual({ seq: 2, hash: last.hash, scopeVersion: '1.2' });

        const stored = await readAll(store, scopeId);
        expect(stored).toEqual([...first.records, ...second.records]);
        expect(verifyHistory(stored)).toEqual({ ok: true, count: 3 });
      });

      it('returns records whose hashes still verify when their text holds quotes, newlines and non-ASCII', async () => {
        const scopeId = await baselinedScope(store);
        const change = scopeChanged(scopeId, { reason: 'Kunde wünscht \u201eSchnellexport\u201c \u2014 siehe "Ticket" \\ 42\n\tZeile 2 \ud83d\ude80' });
        expectOk(await store.commit({ scopeId, history: [change] }));
        const stored = await readAll(store, scopeId);
        expect(stored[1]?.kind === 'scope_changed' && stored[1].data.reason).toBe(change.kind === 'scope_changed' && change.data.reason);
        expect(verifyHistory(stored)).toEqual({ ok: true, count: 2 });
      });

      it('commits a deliverable, a baseline and its history record together', async () => {
        const scopeId = nextId('scope');
        const state = deliverable(scopeId);
        const v1 = baseline(scopeId, 1);
        const result = expectOk(
          await store.commit({ scopeId, deliverables: [{ state, expectedVersion: null }], baseline: v1, history: [baselineCreated(scopeId)] }),
        );
        expect(result.versions).toEqual({ [`jira:${state.id}`]: 1 });
        expect(result.records).toHaveLength(1);
        expect(await store.getActiveBaseline(scopeId)).toEqual(v1);
        expect(await store.getHistoryHead(scopeId)).toMatchObject({ seq: 0, scopeVersion: '1.0' });
      });

      it('keeps the history of each scope in its own chain', async () => {
        const a = await baselinedScope(store);
        const b = await baselinedScope(store);
        expectOk(await store.commit({ scopeId: a, history: [scopeChanged(a)] }));
        expect((await store.getHistoryHead(a))?.seq).toBe(1);
        expect((await store.getHistoryHead(b))?.seq).toBe(0);
        expect(verifyHistory(await readAll(store, b))).toEqual({ ok: true, count: 1 });
      });

      it('writes no history when a deliverable write in the same commit conflicts', async () => {
        const scopeId = await baselinedScope(store);
        const headBefore = await store.getHistoryHead(scopeId);
        const result = await store.commit({
          scopeId,
          deliverables: [{ state: deliverable(scopeId), expectedVersion: 4 }],
          history: [scopeChanged(scopeId)],
        });
        expect(result).toMatchObject({ ok: false, code: 'VERSION_CONFLICT' });
        expect(await store.getHistoryHead(scopeId)).toEqual(headBefore);
        expect(await readAll(store, scopeId)).toHaveLength(1);
      });

      it('refuses with HISTORY_CONFLICT and writes nothing when expectedHistoryHead is not the current head', async () => {
        const scopeId = nextId('scope');
        const first = expectOk(await store.commit({ scopeId, history: [baselineCreated(scopeId)] }));
        const staleHead = first.records[0]?.hash as string;
        expectOk(await store.commit({ scopeId, history: [scopeChanged(scopeId)] }));
        const state = deliverable(scopeId);

        const result = await store.commit({
          scopeId,
          deliverables: [{ state, expectedVersion: null }],
          history: [scopeChanged(scopeId)],
          expectedHistoryHead: staleHead,
        });
        expect(result).toMatchObject({ ok: false, code: 'HISTORY_CONFLICT' });
        expect(await store.getDeliverable('jira', state.id)).toBeNull();
        expect(await readAll(store, scopeId)).toHaveLength(2);
      });

      it('refuses with HISTORY_CONFLICT when expectedHistoryHead is null but the scope already has history', async () => {
        const scopeId = await baselinedScope(store);
        const result = await store.commit({ scopeId, history: [scopeChanged(scopeId)], expectedHistoryHead: null });
        expect(result).toMatchObject({ ok: false, code: 'HISTORY_CONFLICT' });
        expect((await store.getHistoryHead(scopeId))?.seq).toBe(0);
      });

      it('appends when expectedHistoryHead is the current head (null for a scope without history)', async () => {
        const scopeId = nextId('scope');
        const first = expectOk(await store.commit({ scopeId, history: [baselineCreated(scopeId)], expectedHistoryHead: null }));
        const second = expectOk(
          await store.commit({ scopeId, history: [scopeChanged(scopeId)], expectedHistoryHead: first.records[0]?.hash ?? null }),
        );
        expect(second.records[0]?.seq).toBe(1);
      });

      it('reads the whole chain in seq order when it is longer than one read batch', async () => {
        const scopeId = await baselinedScope(store);
        const drafts = Array.from({ length: 2_499 }, (_, i) => closureAllowed(scopeId, `issue-${i}`));
        expectOk(await store.commit({ scopeId, history: drafts }));
        const stored = await readAll(store, scopeId);
        expect(stored.map((r) => r.seq)).toEqual(Array.from({ length: 2_500 }, (_, i) => i));
        expect(verifyHistory(stored)).toEqual({ ok: true, count: 2_500 });
      });
    });

    describe('history pages', () => {
      it('pages newest first with no duplicates or gaps when following nextCursor', async () => {
        const scopeId = await baselinedScope(store);
        expectOk(await store.commit({ scopeId, history: Array.from({ length: 22 }, () => scopeChanged(scopeId)) }));
        const pages = await readAllPages(store, { scopeId, limit: 5 });
        expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
        expect(pages.flat().map((r) => r.seq)).toEqual(Array.from({ length: 23 }, (_, i) => 22 - i));
      });

      it('returns no next cursor when the page holds the last record', async () => {
        const scopeId = await baselinedScope(store);
        const page = await store.queryHistory({ scopeId, limit: 1 });
        expect(page.records).toHaveLength(1);
        expect(page.nextCursor).toBeNull();
      });

      it('returns 50 records by default and at most HISTORY_PAGE_MAX however many are asked for', async () => {
        const scopeId = await baselinedScope(store);
        expectOk(await store.commit({ scopeId, history: Array.from({ length: HISTORY_PAGE_MAX + 20 }, () => scopeChanged(scopeId)) }));
        expect((await store.queryHistory({ scopeId })).records).toHaveLength(50);
        const big = await store.queryHistory({ scopeId, limit: 10_000 });
        expect(big.records).toHaveLength(HISTORY_PAGE_MAX);
        expect(big.nextCursor).not.toBeNull();
      });

      it('lists only the records of one deliverable when filtered by deliverableId', async () => {
        const scopeId = await baselinedScope(store);
        expectOk(
          await store.commit({
            scopeId,
            history: [
              scopeChanged(scopeId, { deliverableId: 'issue-a' }),
              scopeChanged(scopeId, { deliverableId: 'issue-b' }),
              closureAllowed(scopeId, 'issue-a'),
            ],
          }),
        );
        const page = await store.queryHistory({ scopeId, deliverableId: 'issue-a' });
        expect(page.records.map((r) => [r.seq, r.deliverableId])).toEqual([[3, 'issue-a'], [1, 'issue-a']]);
      });

      it('lists only the chosen kinds when filtered by kinds', async () => {
        const scopeId = await baselinedScope(store);
        const change = scopeChanged(scopeId, { reason: null });
        const changeId = change.kind === 'scope_changed' ? change.data.changeId : '';
        expectOk(await store.commit({ scopeId, history: [change, reasonAttached(scopeId, [changeId]), closureAllowed(scopeId, 'issue-1')] }));
        const page = await store.queryHistory({ scopeId, kinds: ['baseline_created', 'reason_attached'] });
        expect(page.records.map((r) => r.kind)).toEqual(['reason_attached', 'baseline_created']);
      });

      it('lists only the records an author made when filtered by authorId', async () => {
        const scopeId = await baselinedScope(store);
        expectOk(
          await store.commit({
            scopeId,
            history: [scopeChanged(scopeId, { actor: ANNA }), scopeChanged(scopeId, { actor: RAVI }), scopeChanged(scopeId, { actor: ANNA })],
          }),
        );
        const page = await store.queryHistory({ scopeId, authorId: RAVI.id });
        expect(page.records.map((r) => [r.seq, r.actor?.id])).toEqual([[2, RAVI.id]]);
      });

      it('includes records at both ends when filtered by from and to', async () => {
        const scopeId = nextId('scope');
        expectOk(
          await store.commit({
            scopeId,
            history: [baselineCreated(scopeId, timeAt(0)), ...[10, 20, 30, 40].map((m) => scopeChanged(scopeId, { at: timeAt(m) }))],
          }),
        );
        const page = await store.queryHistory({ scopeId, from: timeAt(10), to: timeAt(30) });
        expect(page.records.map((r) => r.at)).toEqual([timeAt(30), timeAt(20), timeAt(10)]);
      });

      it('compares instants, not text, when from and to carry another UTC offset', async () => {
        const scopeId = nextId('scope');
        expectOk(await store.commit({ scopeId, history: [baselineCreated(scopeId, '2026-03-01T10:00:00.000Z')] }));
        const page = await store.queryHistory({ scopeId, from: '2026-03-01T12:00:00+02:00', to: '2026-03-01T12:00:00+02:00' });
        expect(page.records).toHaveLength(1);
      });

      it('keeps filters applied across pages when following nextCursor', async () => {
        const scopeId = await baselinedScope(store);
        const drafts = Array.from({ length: 12 }, (_, i) => scopeChanged(scopeId, { actor: i % 2 === 0 ? ANNA : RAVI }));
        expectOk(await store.commit({ scopeId, history: drafts }));
        const pages = await readAllPages(store, { scopeId, authorId: ANNA.id, kinds: ['scope_changed'], limit: 4 });
        expect(pages.map((p) => p.length)).toEqual([4, 2]);
        expect(pages.flat().map((r) => r.seq)).toEqual([11, 9, 7, 5, 3, 1]);
      });

      it('lists a scope change as undocumented until a reason_attached record refers to it', async () => {
        const { scopeId, silent, blank, explained } = await undocumentedScope(store);
        expectOk(await store.commit({ scopeId, history: [silent, blank, explained] }));

        const before = await store.queryHistory({ scopeId, undocumentedOnly: true });
        expect(before.records.map((r) => r.id)).toEqual([blank.id, silent.id]);

        expectOk(await store.commit({ scopeId, history: [reasonAttached(scopeId, [changeIdOf(silent)])] }));
        const after = await store.queryHistory({ scopeId, undocumentedOnly: true });
        expect(after.records.map((r) => r.id)).toEqual([blank.id]);

        // A reason may also name the scope change by its record id.
        expectOk(await store.commit({ scopeId, history: [reasonAttached(scopeId, [blank.id])] }));
        expect((await store.queryHistory({ scopeId, undocumentedOnly: true })).records).toEqual([]);
      });

      it('tells which of the given scope changes are undocumented, by change id or record id, as queryHistory does', async () => {
        const { scopeId, silent, blank, explained } = await undocumentedScope(store);
        const { records } = expectOk(await store.commit({ scopeId, history: [silent, blank, explained, closureAllowed(scopeId, 'issue-1')] }));
        expect(await store.findUndocumented(scopeId, records)).toEqual(new Set([silent.id, blank.id]));

        expectOk(await store.commit({ scopeId, history: [reasonAttached(scopeId, [changeIdOf(silent), blank.id])] }));
        expect(await store.findUndocumented(scopeId, records)).toEqual(new Set());
        expect(await store.findUndocumented(scopeId, [])).toEqual(new Set());
      });

      it('reads the chain from a sequence number on, in pages that join up to exactly the records from there', async () => {
        const scopeId = await baselinedScope(store);
        expectOk(await store.commit({ scopeId, history: Array.from({ length: 6 }, (_, i) => closureAllowed(scopeId, `issue-${i}`, timeAt(10 + i))) }));
        const pages: HistoryRecord[][] = [];
        for await (const page of store.readHistoryPagesSince(scopeId, 4)) pages.push(page);
        expect(pages.flat().map((r) => r.seq)).toEqual([4, 5, 6]);
        expect(pages.flat()).toEqual((await readAll(store, scopeId)).slice(4));
        const none: HistoryRecord[][] = [];
        for await (const page of store.readHistoryPagesSince(scopeId, 7)) none.push(page);
        expect(none.flat()).toEqual([]);
      });
    });

    describe('concurrent writers', () => {
      async function withSecondStore<T>(use: (second: ScopeStore) => Promise<T>): Promise<T> {
        // Without a second connection the commits still run in parallel, on one store.
        const second = subject?.openSecondConnection ? await subject.openSecondConnection() : store;
        try {
          return await use(second);
        } finally {
          if (second !== store) await second.close();
        }
      }

      it('lands every parallel append or refuses it with HISTORY_CONFLICT, and the chain never forks', async () => {
        const scopeId = nextId('scope');
        expectOk(await store.commit({ scopeId, baseline: baseline(scopeId, 1) }));
        // Starts on an empty history, so the writers also race for the scope's first record.
        const drafts = [baselineCreated(scopeId), ...Array.from({ length: 19 }, () => closureAllowed(scopeId, 'issue-1'))];
        const results = await withSecondStore((second) =>
          Promise.all(drafts.map((draft, i) => (i % 2 === 0 ? store : second).commit({ scopeId, history: [draft] }))),
        );

        for (const result of results) if (!result.ok) expect(result.code).toBe('HISTORY_CONFLICT');
        const landed = results.flatMap((r) => (r.ok ? r.records : []));
        expect(landed.length).toBeGreaterThan(0);
        const stored = await readAll(store, scopeId);
        expect(verifyHistory(stored)).toEqual({ ok: true, count: landed.length });
        expect(stored.map((r) => r.id).sort()).toEqual(landed.map((r) => r.id).sort());
        expect((await store.getHistoryHead(scopeId))?.seq).toBe(landed.length - 1);
      });

      it('lets exactly one of many parallel appends land when all expect the same history head', async () => {
        const scopeId = await baselinedScope(store);
        const head = await store.getHistoryHead(scopeId);
        const results = await withSecondStore((second) =>
          Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              (i % 2 === 0 ? store : second).commit({ scopeId, history: [scopeChanged(scopeId)], expectedHistoryHead: head?.hash ?? null }),
            ),
          ),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual(Array(19).fill('HISTORY_CONFLICT'));
        expect(verifyHistory(await readAll(store, scopeId))).toEqual({ ok: true, count: 2 });
      });

      it('lets exactly one of ten parallel edits from the same version win and refuses the rest with VERSION_CONFLICT', async () => {
        const scopeId = nextId('scope');
        const state = deliverable(scopeId);
        expectOk(await store.commit({ scopeId, deliverables: [{ state, expectedVersion: null }] }));
        const edits = Array.from({ length: 10 }, (_, i) => ({ ...state, title: `Edit ${i}` }));
        const results = await withSecondStore((second) =>
          Promise.all(edits.map((edit, i) => (i % 2 === 0 ? store : second).commit({ scopeId, deliverables: [{ state: edit, expectedVersion: 1 }] }))),
        );

        const winners = results.flatMap((r, i) => (r.ok ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual(Array(9).fill('VERSION_CONFLICT'));
        expect(await store.getDeliverable('jira', state.id)).toEqual({ state: edits[winners[0] as number], version: 2 });
      });
    });
  });
}
