import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { Pool } from 'pg';
import { createMetrics } from '../../linear-adapter/service/create-metrics';
import { queueMigrations } from '../../linear-adapter/queue/queue-migrations';
import { migrations as storeMigrations } from '../../src/store/migrations';
import type { DeliverableState, HistoryDraft } from '../../src/core/schemas';
import { verifyHistory } from '../../src/core/verify-history';
import { openStore } from '../../src/store/open-store';
import type { SqlStore } from '../../src/store/sql-store';
import type { LinearAction } from '../../linear-adapter/gateway/linear-action';
import { openQueueStore, type SqlQueueStore } from '../../linear-adapter/queue/queue-store';
import type { NewDelivery } from '../../linear-adapter/queue/queue-types';
import { openPostgresTestStore } from '../support/open-postgres-test-store';

// The inbox and outbox on both SQL backends. Each test starts from empty queue tables.

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();
const LEASE_MS = 60_000;

function delivery(deliveryId: string, orderingKey: string | null, seconds = 0, body: object = { n: deliveryId }): NewDelivery {
  return { deliveryId, receivedAt: at(seconds), eventType: 'Issue', action: 'update', orderingKey, rawBody: JSON.stringify(body) };
}

function comment(id: string, issueId: string, body = 'Scopekeeper: sign-off needed'): LinearAction {
  return { type: 'comment', id, issueId, body };
}

function deliverable(id: string): DeliverableState {
  return {
    platform: 'linear',
    id,
    key: 'ENG-42',
    scopeId: 'team-eng',
    title: 'Invite teammates by email',
    assigneeId: null,
    criteria: [{ id: null, text: 'An invitation email arrives within a minute', met: false }],
    signOff: null,
    inScope: true,
    updatedAt: at(0),
  };
}

function closureRefused(id: string, deliverableId: string): HistoryDraft {
  return {
    id,
    scopeId: 'team-eng',
    at: at(0),
    actor: { id: 'u-john', name: 'John', email: null },
    deliverableId,
    kind: 'closure_allowed',
    data: { toState: 'Done' },
  };
}

interface Backend {
  store: SqlStore;
  /** A second store on its own connections (PostgreSQL only: PGlite has a single connection). */
  openSecond?: () => Promise<SqlStore>;
  cleanup: () => Promise<void>;
}

function describeQueueStore(name: string, open: () => Promise<Backend>): void {
  describe(`Linear inbox and outbox on ${name}`, () => {
    let backend: Backend;
    let store: SqlStore;
    let queue: SqlQueueStore;
    let warnings: string[] = [];
    let metrics: ReturnType<typeof createMetrics>;

    beforeAll(async () => {
      backend = await open();
      store = backend.store;
      metrics = createMetrics({ logger: { warn: (_fields, message) => warnings.push(message) } });
      queue = await openQueueStore(store, { claimLeaseMs: LEASE_MS, onFault: metrics.reportFault });
    });

    async function faultCount(kind: string): Promise<number> {
      const { values } = await metrics.faults.get();
      return values.find((v) => v.labels.source === 'queue-store' && v.labels.kind === kind)?.value ?? 0;
    }

    afterAll(async () => {
      await backend.cleanup();
    });

    beforeEach(async () => {
      await sql`delete from linear_inbox`.execute(store.database);
      await sql`delete from linear_outbox`.execute(store.database);
      warnings = [];
      metrics.faults.reset();
    });

    describe('when a stored row or a batch fails', () => {
      it('fails a corrupted stored outbox action with the path that is wrong, logs and counts it, and sends the next one of its issue', async () => {
        await queue.enqueueActions([comment('act-1', 'issue-a'), comment('act-2', 'issue-a')], 'd-1', at(0));
        await sql`update linear_outbox set action = action - 'body' where id = 'act-1'`.execute(store.database);

        expect(await queue.claimDueActions(10, at(0))).toEqual([]);
        const [failed] = await queue.listFailedActions(5);
        expect(failed).toMatchObject({ id: 'act-1', issueId: 'issue-a', action: null, status: 'failed' });
        expect(failed?.lastError).toMatch(/^stored outbox action act-1 is corrupted: body: Invalid input/);
        expect(warnings).toEqual([expect.stringMatching(/^outbox action act-1 was given up on: stored outbox action act-1 is corrupted: body: /)]);
        expect(await faultCount('corrupt_action')).toBe(1);
        expect((await queue.claimDueActions(10, at(1))).map((entry) => entry.action.id)).toEqual(['act-2']);
      });

      it('fails a stored action of an unknown type, naming the field', async () => {
        await queue.enqueueActions([comment('act-1', 'issue-a')], 'd-1', at(0));
        await sql`update linear_outbox set action = jsonb_set(action, '{type}', '"archive"') where id = 'act-1'`.execute(store.database);
        expect(await queue.claimDueActions(10, at(0))).toEqual([]);
        expect((await queue.listFailedActions(1))[0]?.lastError).toMatch(/is corrupted: type: /);
      });

      it('fails a stored delivery whose body is no longer JSON, logs and counts it, and hands out the next one of its issue', async () => {
        await queue.enqueueDelivery(delivery('d-1', 'issue-a', 0));
        await queue.enqueueDelivery(delivery('d-2', 'issue-a', 1));
        await sql`update linear_inbox set raw_body = '{"truncated' where delivery_id = 'd-1'`.execute(store.database);

        expect(await queue.claimDeliveries(10, at(10))).toEqual([]);
        expect(await queue.countFailedDeliveries()).toBe(1);
        expect(warnings).toEqual([expect.stringMatching(/^delivery d-1 was given up on: stored delivery d-1 is not valid JSON/)]);
        expect(await faultCount('corrupt_delivery')).toBe(1);
        expect((await queue.claimDeliveries(10, at(11))).map((d) => d.deliveryId)).toEqual(['d-2']);
      });

      it('completes deliveries one by one, and logs and counts it, when their shared transaction fails', async () => {
        await queue.enqueueDelivery(delivery('d-1', 'issue-a'));
        await queue.enqueueDelivery(delivery('d-2', 'issue-b'));
        await queue.claimDeliveries(10, at(1));
        // A caller bug in one commit (a record of another scope) fails the whole batch.
        const broken = { scopeId: 'team-eng', history: [{ ...closureRefused(`rec-${randomUUID()}`, 'lin-1'), scopeId: 'team-ops' }] };
        const [bad, good] = await Promise.allSettled([
          queue.completeDelivery({ deliveryId: 'd-1', outcome: 'processed', commit: broken, actions: [], now: at(2) }),
          queue.completeDelivery({ deliveryId: 'd-2', outcome: 'ignored', commit: null, actions: [], now: at(2) }),
        ]);
        expect(bad).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/belongs to scope team-ops/) }) });
        expect(good).toEqual({ status: 'fulfilled', value: { ok: true, versions: {}, records: [] } });
        expect(await queue.inboxBacklog()).toBe(1);
        expect(warnings).toEqual([expect.stringMatching(/^completing 2 deliveries in one transaction failed \(history record .* belongs to scope team-ops/)]);
        expect(await faultCount('batch_completion_failed')).toBe(1);
      });
    });

    describe('inbox', () => {
      it('stores a delivery once and answers duplicate when the same Linear-Delivery id comes again', async () => {
        expect(await queue.enqueueDelivery(delivery('d-1', 'issue-a'))).toBe('stored');
        expect(await queue.enqueueDelivery(delivery('d-1', 'issue-a', 5, { changed: true }))).toBe('duplicate');
        expect(await queue.inboxBacklog()).toBe(1);
        const claimed = await queue.claimDeliveries(10, at(10));
        expect(claimed).toEqual([
          { deliveryId: 'd-1', seq: expect.any(Number), receivedAt: at(0), eventType: 'Issue', action: 'update', orderingKey: 'issue-a', body: { n: 'd-1' }, attempts: 0 },
        ]);
      });

      it('hands out deliveries oldest first, up to the limit', async () => {
        for (const [index, id] of ['d-1', 'd-2', 'd-3'].entries()) await queue.enqueueDelivery(delivery(id, `issue-${id}`, index));
        expect((await queue.claimDeliveries(2, at(10))).map((d) => d.deliveryId)).toEqual(['d-1', 'd-2']);
      });

      it('keeps per-issue order: a pending older delivery holds back a newer one of the same issue but not of another issue', async () => {
        await queue.enqueueDelivery(delivery('a-old', 'issue-a', 0));
        await queue.enqueueDelivery(delivery('a-new', 'issue-a', 1));
        await queue.enqueueDelivery(delivery('b-only', 'issue-b', 2));
        // The older delivery of issue-a failed once and waits for its retry.
        await queue.retryDelivery('a-old', 'Linear API timed out', at(600));

        expect((await queue.claimDeliveries(10, at(10))).map((d) => d.deliveryId)).toEqual(['b-only']);

        await queue.completeDelivery({ deliveryId: 'b-only', outcome: 'processed', commit: null, actions: [], now: at(11) });
        // Once the retry is due the older one comes first, and alone.
        expect((await queue.claimDeliveries(10, at(600))).map((d) => d.deliveryId)).toEqual(['a-old']);
        await queue.completeDelivery({ deliveryId: 'a-old', outcome: 'processed', commit: null, actions: [], now: at(601) });
        expect((await queue.claimDeliveries(10, at(602))).map((d) => d.deliveryId)).toEqual(['a-new']);
      });

      it('lets later deliveries of an issue go on once an older one is given up', async () => {
        await queue.enqueueDelivery(delivery('a-old', 'issue-a', 0));
        await queue.enqueueDelivery(delivery('a-new', 'issue-a', 1));
        await queue.failDelivery('a-old', 'payload could not be processed', at(5));
        expect((await queue.claimDeliveries(10, at(10))).map((d) => d.deliveryId)).toEqual(['a-new']);
        expect(await queue.countFailedDeliveries()).toBe(1);
        expect(await queue.inboxBacklog()).toBe(1);
      });

      it('hands a claimed delivery out again only after its lease, so a crashed worker loses nothing', async () => {
        await queue.enqueueDelivery(delivery('d-1', 'issue-a'));
        expect(await queue.claimDeliveries(10, at(1))).toHaveLength(1);
        expect(await queue.claimDeliveries(10, at(2))).toEqual([]);
        expect((await queue.claimDeliveries(10, at(1 + LEASE_MS / 1000))).map((d) => d.deliveryId)).toEqual(['d-1']);
      });

      it('counts a retried delivery attempt, keeps the error and waits until the retry time', async () => {
        await queue.enqueueDelivery(delivery('d-1', 'issue-a'));
        await queue.retryDelivery('d-1', 'database hiccup', at(30));
        expect(await queue.claimDeliveries(10, at(29))).toEqual([]);
        const [again] = await queue.claimDeliveries(10, at(30));
        expect(again).toMatchObject({ deliveryId: 'd-1', attempts: 1 });
      });

      it('never hands the same delivery to two workers claiming at once', async () => {
        // PGlite has one connection: there the claims interleave on it instead.
        const second = backend.openSecond ? await backend.openSecond() : null;
        try {
          const other = second ? await openQueueStore(second, { claimLeaseMs: LEASE_MS }) : queue;
          const ids = Array.from({ length: 40 }, (_, i) => `d-${String(i).padStart(2, '0')}`);
          for (const id of ids) await queue.enqueueDelivery(delivery(id, `issue-${id}`));
          const claims = await Promise.all([queue, other, queue, other].map((q) => q.claimDeliveries(15, at(1))));
          const claimed = claims.flat().map((d) => d.deliveryId);
          expect(new Set(claimed).size).toBe(claimed.length);
          expect(claimed.sort()).toEqual(ids);
        } finally {
          await second?.close();
        }
      });

      it('answers each of many deliveries arriving at once, a repeated one among them, and stores every delivery once', async () => {
        await queue.enqueueDelivery(delivery('d-earlier', 'issue-x'));
        const ids = Array.from({ length: 70 }, (_, i) => `d-${String(i).padStart(2, '0')}`);
        // Linear retried d-05 while the first attempt was still in flight, and re-sent d-earlier.
        const arriving = [...ids.map((id) => delivery(id, `issue-${id}`)), delivery('d-05', 'issue-d-05'), delivery('d-earlier', 'issue-x')];
        const answers = await Promise.all(arriving.map((d) => queue.enqueueDelivery(d)));
        expect(answers.slice(0, 70)).toEqual(ids.map(() => 'stored'));
        expect(answers.slice(70)).toEqual(['duplicate', 'duplicate']);
        expect(await queue.inboxBacklog()).toBe(71);
        const claimed = (await queue.claimDeliveries(100, at(10))).map((d) => d.deliveryId);
        expect(claimed.sort()).toEqual(['d-earlier', ...ids].sort());
      });

      it('answers every delivery stored together with a failure when their insert fails, and stores none of them', async () => {
        // PostgreSQL text cannot hold a NUL character, so this insert fails (a valid JSON body never has one).
        const arriving = [delivery('d-1', 'issue-a'), { ...delivery('d-2', 'issue-b'), rawBody: 'nul \u0000 here' }, delivery('d-3', 'issue-c')];
        const answers = await Promise.allSettled(arriving.map((d) => queue.enqueueDelivery(d)));
        expect(answers.map((a) => a.status)).toEqual(['rejected', 'rejected', 'rejected']);
        expect(await queue.inboxBacklog()).toBe(0);
        // Linear retries what was not answered 200.
        expect(await queue.enqueueDelivery(delivery('d-1', 'issue-a'))).toBe('stored');
      });

      it('counts only pending deliveries in the backlog', async () => {
        await queue.enqueueDelivery(delivery('d-1', 'issue-a'));
        await queue.enqueueDelivery(delivery('d-2', 'issue-b'));
        await queue.completeDelivery({ deliveryId: 'd-1', outcome: 'ignored', commit: null, actions: [], now: at(1) });
        expect(await queue.inboxBacklog()).toBe(1);
      });
    });

    describe('completing a delivery', () => {
      it('writes the scope commit, enqueues the actions and marks the delivery done in one step', async () => {
        const issueId = `issue-${randomUUID()}`;
        await queue.enqueueDelivery(delivery('d-1', issueId));
        const result = await queue.completeDelivery({
          deliveryId: 'd-1',
          outcome: 'processed',
          commit: { scopeId: 'team-eng', deliverables: [{ state: deliverable(issueId), expectedVersion: null }], history: [closureRefused(randomUUID(), issueId)] },
          actions: [comment('act-1', issueId), { type: 'set_state', id: 'act-2', issueId, stateId: 'state-started' }],
          now: at(2),
        });
        expect(result.ok).toBe(true);
        expect(await store.getDeliverable('linear', issueId)).toMatchObject({ version: 1 });
        expect(await queue.inboxBacklog()).toBe(0);
        expect(await queue.claimDeliveries(10, at(3600))).toEqual([]);
        // Both are stored; one issue's actions go out one after the other.
        expect((await queue.claimDueActions(10, at(2))).map((entry) => entry.action.id)).toEqual(['act-1']);
        await queue.markActionSent('act-1', at(3));
        expect((await queue.claimDueActions(10, at(3))).map((entry) => entry.action.id)).toEqual(['act-2']);
      });

      it('leaves the delivery pending and stores no action when the scope commit hits a VERSION_CONFLICT', async () => {
        const issueId = `issue-${randomUUID()}`;
        await store.commit({ scopeId: 'team-eng', deliverables: [{ state: deliverable(issueId), expectedVersion: null }] });
        await queue.enqueueDelivery(delivery('d-1', issueId));
        const result = await queue.completeDelivery({
          deliveryId: 'd-1',
          outcome: 'processed',
          // Read at version 1 by someone, but the caller believes it is still at 7.
          commit: { scopeId: 'team-eng', deliverables: [{ state: { ...deliverable(issueId), title: 'Renamed' }, expectedVersion: 7 }] },
          actions: [comment('act-1', issueId)],
          now: at(2),
        });
        expect(result).toMatchObject({ ok: false, code: 'VERSION_CONFLICT' });
        expect(await queue.inboxBacklog()).toBe(1);
        expect(await queue.claimDueActions(10, at(3600))).toEqual([]);
        expect(await queue.isOwnAction('act-1')).toBe(false);
        expect((await store.getDeliverable('linear', issueId))?.state.title).toBe('Invite teammates by email');
      });

      it('refuses to complete a delivery that is not pending, and writes nothing of it', async () => {
        const issueId = `issue-${randomUUID()}`;
        await queue.enqueueDelivery(delivery('d-1', issueId));
        await queue.completeDelivery({ deliveryId: 'd-1', outcome: 'processed', commit: null, actions: [], now: at(1) });
        await expect(
          queue.completeDelivery({
            deliveryId: 'd-1',
            outcome: 'processed',
            commit: { scopeId: 'team-eng', deliverables: [{ state: deliverable(issueId), expectedVersion: null }] },
            actions: [comment('act-9', issueId)],
            now: at(2),
          }),
        ).rejects.toThrow(/delivery d-1 is not pending/);
        expect(await store.getDeliverable('linear', issueId)).toBeNull();
        expect(await queue.isOwnAction('act-9')).toBe(false);
      });

      it('completes deliveries of several issues finished at once, each with its scope records and actions', async () => {
        const scopeId = `team-${randomUUID()}`;
        const issues = [0, 1, 2].map(() => `issue-${randomUUID()}`);
        for (const [i, issueId] of issues.entries()) await queue.enqueueDelivery(delivery(`d-${i}`, issueId, i));
        const results = await Promise.all(
          issues.map((issueId, i) =>
            queue.completeDelivery({
              deliveryId: `d-${i}`,
              outcome: 'processed',
              commit: {
                scopeId,
                deliverables: [{ state: { ...deliverable(issueId), scopeId }, expectedVersion: null }],
                history: [{ ...closureRefused(randomUUID(), issueId), scopeId }],
              },
              actions: [{ type: 'set_state', id: `revert-${i}`, issueId, stateId: 'state-started' }, comment(`comment-${i}`, issueId)],
              now: at(10 + i),
            }),
          ),
        );
        expect(results.map((r) => r.ok && r.records.map((record) => record.deliverableId))).toEqual(issues.map((issueId) => [issueId]));
        expect(await queue.inboxBacklog()).toBe(0);
        for (const issueId of issues) expect(await store.getDeliverable('linear', issueId)).toMatchObject({ version: 1 });
        const history = [];
        for await (const record of store.readHistory(scopeId)) history.push(record);
        expect(verifyHistory(history)).toEqual({ ok: true, count: 3 });
        // Every revert is due; each issue's comment waits for its revert.
        expect((await queue.claimDueActions(10, at(20))).map((e) => e.action.id)).toEqual(['revert-0', 'revert-1', 'revert-2']);
      });

      it('gives each delivery finished at once its own answer when one of them hits a VERSION_CONFLICT', async () => {
        const [a, b, c] = [0, 1, 2].map(() => `issue-${randomUUID()}`) as [string, string, string];
        await store.commit({ scopeId: 'team-eng', deliverables: [{ state: deliverable(b), expectedVersion: null }] });
        for (const [i, issueId] of [a, b, c].entries()) await queue.enqueueDelivery(delivery(`d-${i}`, issueId, i));
        const finish = (i: number, issueId: string, expectedVersion: number | null) =>
          queue.completeDelivery({
            deliveryId: `d-${i}`,
            outcome: 'processed',
            commit: { scopeId: 'team-eng', deliverables: [{ state: { ...deliverable(issueId), title: `Title ${i}` }, expectedVersion }] },
            actions: [comment(`act-${i}`, issueId)],
            now: at(5),
          });
        // b was read at version 1 by someone, but this worker believes it is at 7.
        const results = await Promise.all([finish(0, a, null), finish(1, b, 7), finish(2, c, null)]);
        expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'VERSION_CONFLICT', 'ok']);
        expect((await queue.claimDeliveries(10, at(3600))).map((d) => d.deliveryId)).toEqual(['d-1']);
        expect((await store.getDeliverable('linear', b))?.state.title).toBe('Invite teammates by email');
        expect(await queue.isOwnAction('act-1')).toBe(false);
        expect([await queue.isOwnAction('act-0'), await queue.isOwnAction('act-2')]).toEqual([true, true]);
      });

      it('refuses only the delivery that is not pending when others are finished at the same time', async () => {
        await queue.enqueueDelivery(delivery('d-1', 'issue-a'));
        await queue.enqueueDelivery(delivery('d-2', 'issue-b'));
        const answers = await Promise.allSettled([
          queue.completeDelivery({ deliveryId: 'd-1', outcome: 'processed', commit: null, actions: [comment('act-1', 'issue-a')], now: at(1) }),
          queue.completeDelivery({ deliveryId: 'd-unknown', outcome: 'processed', commit: null, actions: [comment('act-9', 'issue-z')], now: at(1) }),
          queue.completeDelivery({ deliveryId: 'd-2', outcome: 'processed', commit: null, actions: [], now: at(1) }),
        ]);
        expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect(answers[1]).toMatchObject({ reason: expect.objectContaining({ message: expect.stringMatching(/delivery d-unknown is not pending/) }) });
        expect(await queue.inboxBacklog()).toBe(0);
        expect([await queue.isOwnAction('act-1'), await queue.isOwnAction('act-9')]).toEqual([true, false]);
      });

      it('keeps an action already stored when a reprocessed delivery enqueues the same id again', async () => {
        await queue.enqueueDelivery(delivery('d-1', 'issue-a'));
        await queue.enqueueDelivery(delivery('d-2', 'issue-b'));
        await queue.completeDelivery({ deliveryId: 'd-1', outcome: 'processed', commit: null, actions: [comment('act-1', 'issue-a', 'first')], now: at(1) });
        await queue.claimDueActions(10, at(1));
        await queue.markActionSent('act-1', at(2));
        await queue.completeDelivery({ deliveryId: 'd-2', outcome: 'processed', commit: null, actions: [comment('act-1', 'issue-a', 'second')], now: at(3) });
        expect(await queue.claimDueActions(10, at(3600))).toEqual([]);
        expect(await queue.isOwnAction('act-1')).toBe(true);
      });
    });

    describe('outbox', () => {
      it('hands out due actions in the order they were enqueued, with the action as stored', async () => {
        const label: LinearAction = { type: 'add_label', id: 'act-2', issueId: 'issue-b', teamId: 'team-1', labelName: 'needs acceptance criteria' };
        await queue.enqueueActions([comment('act-1', 'issue-a'), label], 'd-1', at(0));
        expect(await queue.claimDueActions(10, at(0))).toEqual([
          { action: comment('act-1', 'issue-a'), deliveryId: 'd-1', status: 'pending', attempts: 0, claims: 1, lastError: null, nextAttemptAt: expect.any(String), createdAt: at(0) },
          { action: label, deliveryId: 'd-1', status: 'pending', attempts: 0, claims: 1, lastError: null, nextAttemptAt: expect.any(String), createdAt: at(0) },
        ]);
      });

      it('does not hand out an action again once it is marked sent', async () => {
        await queue.enqueueActions([comment('act-1', 'issue-a')], null, at(0));
        await queue.claimDueActions(10, at(0));
        await queue.markActionSent('act-1', at(1));
        expect(await queue.claimDueActions(10, at(3600))).toEqual([]);
        expect(await queue.countFailedActions()).toBe(0);
      });

      it('marks several actions sent at once, and hands none of them out again', async () => {
        await queue.enqueueActions([comment('act-1', 'issue-a'), comment('act-2', 'issue-b'), comment('act-3', 'issue-c')], 'd-1', at(0));
        await queue.claimDueActions(10, at(0));
        await Promise.all(['act-1', 'act-2', 'act-3'].map((id) => queue.markActionSent(id, at(1))));
        expect(await queue.claimDueActions(10, at(3600))).toEqual([]);
        expect(await queue.countFailedActions()).toBe(0);
      });

      it('retries an action after the given time and holds back later actions of its issue meanwhile', async () => {
        const revert: LinearAction = { type: 'set_state', id: 'act-1', issueId: 'issue-a', stateId: 'state-started' };
        await queue.enqueueActions([revert, comment('act-2', 'issue-a'), comment('act-3', 'issue-b')], 'd-1', at(0));
        await queue.claimDueActions(1, at(0));
        await queue.markActionRetry('act-1', 'rate limited', at(30));
        // The comment explaining the revert must not overtake it.
        expect((await queue.claimDueActions(10, at(10))).map((entry) => entry.action.id)).toEqual(['act-3']);
        const due = await queue.claimDueActions(10, at(30));
        expect(due.map((entry) => ({ id: entry.action.id, attempts: entry.attempts, lastError: entry.lastError }))).toEqual([
          { id: 'act-1', attempts: 1, lastError: 'rate limited' },
        ]);
      });

      it('lists permanent failures newest first with their errors and counts them', async () => {
        await queue.enqueueActions([comment('act-1', 'issue-a'), comment('act-2', 'issue-b'), comment('act-3', 'issue-c')], 'd-1', at(0));
        await queue.claimDueActions(10, at(0));
        await queue.markActionFailed('act-1', 'Entity not found: Issue', at(5));
        await queue.markActionFailed('act-2', 'Forbidden: API key lacks write access', at(9));
        await queue.markActionSent('act-3', at(9));
        expect(await queue.countFailedActions()).toBe(2);
        const failed = await queue.listFailedActions(5);
        expect(failed.map((entry) => [entry.id, entry.status, entry.lastError, entry.attempts])).toEqual([
          ['act-2', 'failed', 'Forbidden: API key lacks write access', 1],
          ['act-1', 'failed', 'Entity not found: Issue', 1],
        ]);
        expect(await queue.listFailedActions(1)).toHaveLength(1);
        // A failed action no longer holds back its issue, and is never sent again.
        await queue.enqueueActions([comment('act-4', 'issue-a')], 'd-2', at(10));
        expect((await queue.claimDueActions(10, at(3600))).map((entry) => entry.action.id)).toEqual(['act-4']);
      });

      it('recognises its own actions by id and nothing else', async () => {
        await queue.enqueueActions([comment('act-1', 'issue-a')], null, at(0));
        expect(await queue.isOwnAction('act-1')).toBe(true);
        expect(await queue.isOwnAction('comment-someone-else-wrote')).toBe(false);
      });
    });
  });
}

/**
 * The migrations as they were before the queue had its own: the store's list, whose
 * 0002-linear-queue created the queue's tables. Kysely's default bookkeeping table.
 */
async function migrateTheOldWay(db: Kysely<unknown>): Promise<void> {
  const schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema;
  const old = { ...storeMigrations, '0002-linear-queue': queueMigrations['0001-queue-tables']! };
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => old }, ...(schema ? { migrationTableSchema: schema } : {}) }).migrateToLatest();
  if (error) throw error;
  await sql`insert into linear_inbox (delivery_id, received_at, event_type, action, ordering_key, raw_body, next_attempt_at)
    values ('d-old', ${at(0)}, 'Issue', 'update', 'issue-a', '{"n":"d-old"}', ${at(0)})`.execute(db);
}

/** Opens today's store and queue on a database the old way created, and finds its delivery. */
async function expectOldDatabaseOpens(openNew: () => Promise<SqlStore>): Promise<void> {
  const store = await openNew();
  try {
    const queue = await openQueueStore(store);
    expect((await queue.claimDeliveries(10, at(1))).map((d) => d.deliveryId)).toEqual(['d-old']);
    expect((await sql<{ name: string }>`select name from linear_queue_migration`.execute(store.database)).rows.map((r) => r.name)).toEqual(['0001-queue-tables', '0002-claimed-by', '0003-signed-body', '0004-outbox-claims']);
    // A second start runs nothing again.
    await openQueueStore(store);
  } finally {
    await store.close();
  }
}

describe('the Linear queue on a database created by the old combined migrations', () => {
  it('opens on PGlite, keeping the queued delivery, and records its own migration', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-old-queue-'));
    try {
      const old = new Kysely<unknown>({ dialect: new PGliteDialect(await PGlite.create(dataDir)) });
      await migrateTheOldWay(old);
      await old.destroy();
      await expectOldDatabaseOpens(() => openStore({ dataDir }));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  const url = process.env.TEST_DATABASE_URL;
  (url ? it : it.skip)('opens on PostgreSQL, keeping the queued delivery, and records its own migration', async () => {
    const schema = `sk_oldq_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const pool = new Pool({ connectionString: url, options: `-c search_path=${schema}` });
    const old = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    try {
      await sql`create schema ${sql.id(schema)}`.execute(old);
      await migrateTheOldWay(old);
      await expectOldDatabaseOpens(() => openStore({ databaseUrl: url as string, schema }));
    } finally {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(old);
      await old.destroy();
    }
  });
});

describeQueueStore('PGlite', async () => {
  const store = await openStore({ dataDir: 'memory://' });
  return { store, cleanup: () => store.close() };
});

const databaseUrl = process.env.TEST_DATABASE_URL;
if (databaseUrl) {
  describeQueueStore('PostgreSQL', () => openPostgresTestStore(databaseUrl, 'queue'));
} else {
  it.skip('Linear inbox and outbox on PostgreSQL: set TEST_DATABASE_URL to run', () => undefined);
}
