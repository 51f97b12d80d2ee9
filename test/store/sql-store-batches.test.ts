import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor, Baseline, DeliverableState, HistoryDraft } from '../../src/core/schemas';
import type { StoreCommit } from '../../src/core/store';
import { verifyHistory } from '../../src/core/verify-history';
import { openStore } from '../../src/store/open-store';
import type { SqlStore } from '../../src/store/sql-store';
import { openPostgresTestStore } from '../support/open-postgres-test-store';

// What the SQL store does beyond the port's contract, for the Linear inbox worker: several
// commits in one transaction (commitBatch), and reads made at the same time answered by one
// query. Both must answer exactly as one call at a time would.

const ANNA: Actor = { id: 'u-anna', name: 'Anna Product Owner', email: 'anna@example.com' };
const AT = '2026-02-01T09:00:00.000Z';
const fresh = (prefix: string) => `${prefix}-${randomUUID()}`;

function deliverable(scopeId: string, id: string, title = 'Export invoices as PDF'): DeliverableState {
  return {
    platform: 'linear',
    id,
    key: 'ENG-1',
    scopeId,
    title,
    assigneeId: null,
    criteria: [{ id: null, text: 'A PDF downloads', met: false }],
    signOff: null,
    inScope: true,
    updatedAt: AT,
  };
}

function baseline(scopeId: string, major = 1): Baseline {
  return { id: fresh('baseline'), scopeId, name: `SRS v${major}.0`, major, createdAt: AT, approvedBy: ANNA, deliverables: [] };
}

function baselineCreated(scopeId: string, created: Baseline): HistoryDraft {
  return {
    id: fresh('rec'),
    scopeId,
    at: AT,
    actor: ANNA,
    deliverableId: null,
    kind: 'baseline_created',
    data: { baselineId: created.id, name: created.name, deliverableCount: 0, criterionCount: 0 },
  };
}

function closureAllowed(scopeId: string, deliverableId: string): HistoryDraft {
  return { id: fresh('rec'), scopeId, at: AT, actor: ANNA, deliverableId, kind: 'closure_allowed', data: { toState: 'Done' } };
}

function scopeChanged(scopeId: string, deliverableId: string): HistoryDraft {
  return {
    id: fresh('rec'),
    scopeId,
    at: AT,
    actor: ANNA,
    deliverableId,
    kind: 'scope_changed',
    data: {
      changeId: fresh('change'),
      kind: 'criterion_modified',
      deliverableKey: 'ENG-1',
      criterionId: null,
      before: 'A PDF downloads',
      after: 'A PDF downloads within 5 seconds',
      diff: null,
      replaced: false,
      fromIndex: null,
      toIndex: null,
      source: 'linear-webhook',
      reason: null,
    },
  };
}

function describeBatches(name: string, open: () => Promise<{ store: SqlStore; cleanup: () => Promise<void> }>): void {
  describe(`SQL store batches on ${name}`, () => {
    let store: SqlStore;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await open());
    });
    afterAll(() => cleanup());

    async function historyOf(scopeId: string) {
      const records = [];
      for await (const record of store.readHistory(scopeId)) records.push(record);
      return records;
    }

    describe('commitBatch', () => {
      it('writes several commits as if one after another: every deliverable, and every record chained in order', async () => {
        const scopeId = fresh('team');
        const [one, two, three] = [fresh('issue'), fresh('issue'), fresh('issue')];
        const created = baseline(scopeId);
        const writes: (StoreCommit | null)[] = [
          { scopeId, baseline: created, deliverables: [{ state: deliverable(scopeId, one), expectedVersion: null }], history: [baselineCreated(scopeId, created)] },
          null,
          { scopeId, deliverables: [{ state: deliverable(scopeId, two), expectedVersion: null }], history: [closureAllowed(scopeId, two)] },
          // A scope change needs the baseline the first commit of the batch created.
          { scopeId, deliverables: [{ state: deliverable(scopeId, three), expectedVersion: null }], history: [scopeChanged(scopeId, three)] },
        ];
        const results = await store.commitBatch(writes, null);

        expect(results?.map((r) => r.ok && r.records.map((record) => [record.seq, record.scopeVersion]))).toEqual([[[0, '1.0']], [], [[1, '1.0']], [[2, '1.1']]]);
        expect(results?.map((r) => r.ok && r.versions)).toEqual([{ [`linear:${one}`]: 1 }, {}, { [`linear:${two}`]: 1 }, { [`linear:${three}`]: 1 }]);
        expect(verifyHistory(await historyOf(scopeId))).toEqual({ ok: true, count: 3 });
        expect(await store.getHistoryHead(scopeId)).toMatchObject({ seq: 2, scopeVersion: '1.1' });
        expect(await store.getActiveBaseline(scopeId)).toEqual(created);

        // Updates in a later batch move each deliverable on by one version.
        const again = await store.commitBatch(
          [
            { scopeId, deliverables: [{ state: deliverable(scopeId, one, 'Renamed'), expectedVersion: 1 }] },
            { scopeId, deliverables: [{ state: deliverable(scopeId, two, 'Renamed too'), expectedVersion: 1 }], history: [closureAllowed(scopeId, two)] },
          ],
          null,
        );
        expect(again?.map((r) => r.ok && r.versions)).toEqual([{ [`linear:${one}`]: 2 }, { [`linear:${two}`]: 2 }]);
        expect((await store.getDeliverable('linear', two))?.state.title).toBe('Renamed too');
        expect(verifyHistory(await historyOf(scopeId))).toEqual({ ok: true, count: 4 });
      });

      it('writes nothing, not even the caller\'s own writes, and answers null when one commit of the batch conflicts', async () => {
        const scopeId = fresh('team');
        const [kept, stale] = [fresh('issue'), fresh('issue')];
        await store.commit({ scopeId, deliverables: [{ state: deliverable(scopeId, stale), expectedVersion: null }] });
        let ownWritesRan = false;
        const results = await store.commitBatch(
          [
            { scopeId, deliverables: [{ state: deliverable(scopeId, kept), expectedVersion: null }], history: [closureAllowed(scopeId, kept)] },
            { scopeId, deliverables: [{ state: deliverable(scopeId, stale, 'Renamed'), expectedVersion: 7 }] },
          ],
          async () => {
            ownWritesRan = true;
          },
        );
        expect(results).toBeNull();
        expect(ownWritesRan).toBe(false);
        expect(await store.getDeliverable('linear', kept)).toBeNull();
        expect((await store.getDeliverable('linear', stale))?.state.title).toBe('Export invoices as PDF');
        expect(await historyOf(scopeId)).toEqual([]);
      });

      it('answers null for a stale expected history head, an existing baseline or one deliverable written twice', async () => {
        const scopeId = fresh('team');
        const created = baseline(scopeId);
        await store.commit({ scopeId, baseline: created, history: [baselineCreated(scopeId, created)] });
        const twice = fresh('issue');
        expect(await store.commitBatch([{ scopeId, expectedHistoryHead: null, history: [closureAllowed(scopeId, fresh('issue'))] }], null)).toBeNull();
        expect(await store.commitBatch([{ scopeId, baseline: { ...baseline(scopeId), major: 1 } }], null)).toBeNull();
        expect(
          await store.commitBatch(
            [
              { scopeId, deliverables: [{ state: deliverable(scopeId, twice), expectedVersion: null }] },
              { scopeId, deliverables: [{ state: deliverable(scopeId, twice, 'Other'), expectedVersion: 1 }] },
            ],
            null,
          ),
        ).toBeNull();
        expect(await historyOf(scopeId)).toHaveLength(1);
        expect(await store.getDeliverable('linear', twice)).toBeNull();
      });
    });

    describe('reads made at the same time', () => {
      it('answers each with its own deliverable or active baseline, and null for what is not stored', async () => {
        const scopeA = fresh('team');
        const scopeB = fresh('team');
        const ids = [fresh('issue'), fresh('issue'), fresh('issue')];
        for (const id of ids) await store.commit({ scopeId: scopeA, deliverables: [{ state: deliverable(scopeA, id, `Title ${id}`), expectedVersion: null }] });
        const [first, second] = [baseline(scopeA, 1), baseline(scopeA, 2)];
        await store.commit({ scopeId: scopeA, baseline: first });
        await store.commit({ scopeId: scopeA, baseline: second });

        const [deliverables, baselines] = await Promise.all([
          Promise.all([...ids, 'never-stored', ids[0] as string].map((id) => store.getDeliverable('linear', id))),
          Promise.all([scopeA, scopeB, scopeA].map((scopeId) => store.getActiveBaseline(scopeId))),
        ]);
        expect(deliverables.map((d) => d && d.state.title)).toEqual([...ids.map((id) => `Title ${id}`), null, `Title ${ids[0]}`]);
        expect(baselines).toEqual([second, null, second]);
      });

      it('fails only the read of a deliverable whose stored state is corrupted', async () => {
        const scopeId = fresh('team');
        const [good, broken] = [fresh('issue'), fresh('issue')];
        for (const id of [good, broken]) await store.commit({ scopeId, deliverables: [{ state: deliverable(scopeId, id), expectedVersion: null }] });
        await sql`update deliverables set state = cast(${JSON.stringify({ platform: 'linear', id: broken })} as jsonb) where id = ${broken}`.execute(store.database);

        const [readGood, readBroken] = await Promise.allSettled([store.getDeliverable('linear', good), store.getDeliverable('linear', broken)]);
        expect(readGood).toMatchObject({ status: 'fulfilled', value: { version: 1 } });
        expect(readBroken).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/is corrupted/) }) });
      });
    });

    describe('long reads (exports, bundles, the chain check)', () => {
      // 2,500 records: more than two pages of 1,000, so pages must join up across reads.
      async function longScope(): Promise<string> {
        const scopeId = fresh('team');
        const created = baseline(scopeId);
        await store.commit({ scopeId, baseline: created, history: [baselineCreated(scopeId, created)] });
        await store.commit({ scopeId, history: Array.from({ length: 2_499 }, (_, i) => closureAllowed(scopeId, `issue-${i}`)) });
        return scopeId;
      }

      it('reads a chain longer than a page in pages of at most 1,000, oldest first, that verify as one chain', async () => {
        const scopeId = await longScope();
        const sizes: number[] = [];
        const records = [];
        for await (const page of store.readHistoryPagesSince(scopeId, 0)) {
          sizes.push(page.length);
          records.push(...page);
        }
        expect(sizes).toEqual([1000, 1000, 500]);
        expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 2_500 }, (_, i) => i));
        expect(verifyHistory(records)).toMatchObject({ ok: true });
        const from = [];
        for await (const page of store.readHistoryPagesSince(scopeId, 1_999)) from.push(...page);
        expect(from.map((r) => r.seq)).toEqual(Array.from({ length: 501 }, (_, i) => 1_999 + i));
      });

      it('finishes twelve long reads at once, each querying the store between its pages, as exports do', async () => {
        // Each export holds its read open while it queries the store between pages: more
        // exports than pooled connections must queue, not wait on each other for good.
        const scopeId = await longScope();
        const reads = Array.from({ length: 12 }, async () => {
          let count = 0;
          for await (const page of store.readHistoryPagesSince(scopeId, 0)) {
            expect(await store.getHistoryHead(scopeId)).toMatchObject({ seq: 2_499 });
            count += page.length;
          }
          return count;
        });
        expect(await Promise.all(reads)).toEqual(Array.from({ length: 12 }, () => 2_500));
      });

      it('lets go of the database when a reader stops early: after twelve abandoned reads the store still reads and commits', async () => {
        // On PostgreSQL a read holds a pooled connection (of 10) until it ends; a download the
        // client gave up on must give it back, or the service runs out of connections.
        const scopeId = await longScope();
        for (let i = 0; i < 12; i += 1) {
          for await (const page of store.readHistoryPagesSince(scopeId, 0)) {
            expect(page).toHaveLength(1000);
            break;
          }
        }
        await store.commit({ scopeId, history: [closureAllowed(scopeId, 'issue-last')] });
        expect((await store.getHistoryHead(scopeId))?.seq).toBe(2_500);
        expect((await historyOf(scopeId)).length).toBe(2_501);
      });
    });
  });
}

describeBatches('PGlite', async () => {
  const store = await openStore({ dataDir: 'memory://' });
  return { store, cleanup: () => store.close() };
});

const databaseUrl = process.env.TEST_DATABASE_URL;
if (databaseUrl) {
  describeBatches('PostgreSQL', () => openPostgresTestStore(databaseUrl, 'batch'));
} else {
  it.skip('SQL store batches on PostgreSQL: set TEST_DATABASE_URL to run', () => undefined);
}
