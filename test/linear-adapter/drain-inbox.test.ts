import { sql } from 'kysely';
import { openStore } from '../../src/store/open-store';
import type { SqlStore } from '../../src/store/sql-store';
import { createInboxWorker, WaitForLinear, type InboxWorkerOptions } from '../../linear-adapter/queue/drain-inbox';
import { openQueueStore, type SqlQueueStore } from '../../linear-adapter/queue/queue-store';
import type { InboxDelivery } from '../../linear-adapter/queue/queue-types';

// The inbox worker on the real SqlQueueStore (PGlite), with a stand-in for processDelivery that
// completes deliveries, or fails them on demand.

const T0 = Date.parse('2026-06-25T10:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

let store: SqlStore;
let queue: SqlQueueStore;

beforeAll(async () => {
  store = await openStore({ dataDir: 'memory://' });
  queue = await openQueueStore(store);
});
afterAll(() => store.close());
beforeEach(async () => {
  await sql`delete from linear_inbox`.execute(store.database);
});

async function enqueue(deliveryId: string, issueId: string, seconds = 0): Promise<void> {
  await queue.enqueueDelivery({
    deliveryId, receivedAt: at(seconds), eventType: 'Issue', action: 'update', orderingKey: issueId, rawBody: JSON.stringify({ deliveryId }),
  });
}

/** A processDelivery stand-in: records what it saw, throws for the ids in `failing`, else completes. */
function fakeProcess(failing: Set<string> = new Set()) {
  const seen: { deliveryId: string; attempts: number }[] = [];
  // "start a-1", "end a-1", … in the order they happened.
  const events: string[] = [];
  let active = 0;
  let mostAtOnce = 0;
  const process = async (delivery: InboxDelivery) => {
    active += 1;
    mostAtOnce = Math.max(mostAtOnce, active);
    events.push(`start ${delivery.deliveryId}`);
    try {
      seen.push({ deliveryId: delivery.deliveryId, attempts: delivery.attempts });
      if (failing.has(delivery.deliveryId)) throw new Error(`Linear API timed out for ${delivery.deliveryId}`);
      await queue.completeDelivery({ deliveryId: delivery.deliveryId, outcome: 'processed', commit: null, actions: [], now: delivery.receivedAt });
      return { outcome: 'processed' };
    } finally {
      active -= 1;
      events.push(`end ${delivery.deliveryId}`);
    }
  };
  return { process, seen, events, order: () => seen.map((s) => s.deliveryId), mostAtOnce: () => mostAtOnce };
}

function worker(over: Partial<InboxWorkerOptions> & Pick<InboxWorkerOptions, 'process'>) {
  const logs: Record<string, unknown>[] = [];
  const instance = createInboxWorker({ queue, log: (entry) => logs.push(entry), clock: () => new Date(at(100)), ...over });
  return { worker: instance, logs };
}

describe('createInboxWorker', () => {
  it('processes two issues at once while each issue\'s deliveries stay in arrival order', async () => {
    await enqueue('a-1', 'issue-a', 0);
    await enqueue('b-1', 'issue-b', 1);
    await enqueue('a-2', 'issue-a', 2);
    await enqueue('a-3', 'issue-a', 3);
    await enqueue('b-2', 'issue-b', 4);
    const fake = fakeProcess();
    const report = await worker({ process: fake.process }).worker.drainOnce(at(10));
    expect(report).toEqual({ processed: 5, retried: 0, failed: 0 });
    // Issue b's first delivery did not wait for issue a's.
    expect(fake.events.indexOf('start b-1')).toBeLessThan(fake.events.indexOf('end a-1'));
    expect(fake.mostAtOnce()).toBe(2);
    // Each issue's deliveries one after another, in arrival order.
    const ofIssue = (issue: string) => fake.events.filter((e) => e.includes(` ${issue}-`));
    expect(ofIssue('a')).toEqual(['start a-1', 'end a-1', 'start a-2', 'end a-2', 'start a-3', 'end a-3']);
    expect(ofIssue('b')).toEqual(['start b-1', 'end b-1', 'start b-2', 'end b-2']);
    expect(await queue.inboxBacklog()).toBe(0);
  });

  it('processes one delivery at a time, in arrival order, with a concurrency of 1', async () => {
    await enqueue('a-1', 'issue-a', 0);
    await enqueue('b-1', 'issue-b', 1);
    await enqueue('a-2', 'issue-a', 2);
    const fake = fakeProcess();
    const report = await worker({ process: fake.process, concurrency: 1 }).worker.drainOnce(at(10));
    expect(report).toEqual({ processed: 3, retried: 0, failed: 0 });
    expect(fake.order()).toEqual(['a-1', 'b-1', 'a-2']);
    expect(fake.mostAtOnce()).toBe(1);
  });

  it('runs an exclusive delivery (a /baseline) alone: after those started before it, before any later one', async () => {
    await enqueue('a-1', 'issue-a', 0);
    await enqueue('x-1', 'issue-x', 1);
    await enqueue('b-1', 'issue-b', 2);
    const fake = fakeProcess();
    const report = await worker({ process: fake.process, isExclusive: (d) => d.deliveryId === 'x-1' }).worker.drainOnce(at(10));
    expect(report).toEqual({ processed: 3, retried: 0, failed: 0 });
    expect(fake.events).toEqual(['start a-1', 'end a-1', 'start x-1', 'end x-1', 'start b-1', 'end b-1']);
  });

  it('never has more deliveries in hand than its concurrency', async () => {
    for (let i = 0; i < 6; i += 1) await enqueue(`d-${i}`, `issue-${i}`, i);
    const fake = fakeProcess();
    const report = await worker({ process: fake.process, concurrency: 4 }).worker.drainOnce(at(10));
    expect(report).toEqual({ processed: 6, retried: 0, failed: 0 });
    expect(fake.mostAtOnce()).toBe(4);
  });

  it('retries a failing delivery with backoff and holds back only the later deliveries of its issue', async () => {
    await enqueue('a-1', 'issue-a', 0);
    await enqueue('b-1', 'issue-b', 1);
    await enqueue('a-2', 'issue-a', 2);
    const failing = new Set(['a-1']);
    const fake = fakeProcess(failing);
    const { worker: w, logs } = worker({ process: fake.process, retryDelayMs: (attempt) => attempt * 5_000 });

    expect(await w.drainOnce(at(10))).toEqual({ processed: 1, retried: 1, failed: 0 });
    expect(fake.order()).toEqual(['a-1', 'b-1']);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', deliveryId: 'a-1', error: 'Linear API timed out for a-1' }));

    // Not due yet: the retry waits its backoff, and a-2 waits for a-1.
    expect(await w.drainOnce(at(14))).toEqual({ processed: 0, retried: 0, failed: 0 });

    failing.clear();
    expect(await w.drainOnce(at(15))).toEqual({ processed: 2, retried: 0, failed: 0 });
    expect(fake.seen.slice(2)).toEqual([{ deliveryId: 'a-1', attempts: 1 }, { deliveryId: 'a-2', attempts: 0 }]);
  });

  it('gives up after the last attempt, logs it, and lets later deliveries of the issue go on', async () => {
    await enqueue('a-1', 'issue-a', 0);
    await enqueue('a-2', 'issue-a', 1);
    const fake = fakeProcess(new Set(['a-1']));
    const { worker: w, logs } = worker({ process: fake.process, maxAttempts: 2, retryDelayMs: () => 1_000 });

    expect(await w.drainOnce(at(10))).toEqual({ processed: 0, retried: 1, failed: 0 });
    expect(await w.drainOnce(at(20))).toEqual({ processed: 1, retried: 0, failed: 1 });
    expect(fake.order()).toEqual(['a-1', 'a-1', 'a-2']);
    expect(await queue.countFailedDeliveries()).toBe(1);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'delivery given up', deliveryId: 'a-1', attempts: 2 }));
  });

  it('reports each processed delivery and each failure to the metrics', async () => {
    await enqueue('a-1', 'issue-a', 0);
    await enqueue('b-1', 'issue-b', 40);
    const observed: [string, number][] = [];
    const failures: string[] = [];
    const fake = fakeProcess(new Set(['a-1']));
    await worker({
      process: fake.process,
      metrics: { observeDelivery: (outcome, seconds) => observed.push([outcome, seconds]), countFailure: (kind) => failures.push(kind) },
    }).worker.drainOnce(at(50));
    // Seconds from receipt (40 s) to the worker's clock (100 s).
    expect(observed).toEqual([['processed', 60]]);
    expect(failures).toEqual(['retried']);
  });

  it('drains at once when woken after ingress stores a delivery, without waiting for the poll', async () => {
    let idle: () => void = () => undefined;
    const firstDrainDone = new Promise<void>((resolve) => (idle = resolve));
    const watched = Object.create(queue) as SqlQueueStore;
    watched.claimDeliveries = async (limit, now) => {
      const claimed = await queue.claimDeliveries(limit, now);
      if (claimed.length === 0) idle();
      return claimed;
    };
    let processed: (id: string) => void = () => undefined;
    const arrived = new Promise<string>((resolve) => (processed = resolve));
    const fake = fakeProcess();
    const { worker: w } = worker({
      queue: watched,
      // An hour: only wake() can make this test finish.
      pollMs: 3_600_000,
      process: async (delivery) => {
        const result = await fake.process(delivery);
        processed(delivery.deliveryId);
        return result;
      },
    });
    w.start();
    try {
      await firstDrainDone;
      await enqueue('a-1', 'issue-a', 0);
      w.wake();
      expect(await arrived).toBe('a-1');
    } finally {
      await w.stop();
    }
  });

  it('keeps running when a claim fails, and logs it', async () => {
    let failures = 1;
    let recovered: () => void = () => undefined;
    const drained = new Promise<void>((resolve) => (recovered = resolve));
    const flaky = Object.create(queue) as SqlQueueStore;
    flaky.claimDeliveries = async (limit, now) => {
      if (failures > 0) {
        failures -= 1;
        throw new Error('connection refused');
      }
      const claimed = await queue.claimDeliveries(limit, now);
      if (claimed.length === 0) recovered();
      return claimed;
    };
    await enqueue('a-1', 'issue-a', 0);
    const fake = fakeProcess();
    const { worker: w, logs } = worker({ queue: flaky, process: fake.process, pollMs: 3_600_000 });
    w.start();
    try {
      w.wake();
      await drained;
    } finally {
      await w.stop();
    }
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'inbox drain failed', error: 'connection refused' }));
    expect(fake.order()).toEqual(['a-1']);
  });

  it('dead-letters at once a delivery the database refuses for good, and processes the next one of its issue', async () => {
    await enqueue('a-1', 'issue-a', 0);
    await enqueue('a-2', 'issue-a', 1);
    const seen: string[] = [];
    const { worker: w, logs } = worker({
      process: async (delivery) => {
        seen.push(delivery.deliveryId);
        if (delivery.deliveryId === 'a-1') throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
        await queue.completeDelivery({ deliveryId: delivery.deliveryId, outcome: 'processed', commit: null, actions: [], now: delivery.receivedAt });
        return { outcome: 'processed' };
      },
    });
    expect(await w.drainOnce(at(10))).toEqual({ processed: 1, retried: 0, failed: 1 });
    expect(seen).toEqual(['a-1', 'a-2']);
    expect(await queue.listFailedDeliveries(10)).toEqual([expect.objectContaining({ deliveryId: 'a-1', attempts: 1, lastError: expect.stringContaining('permanent') })]);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'delivery given up', deliveryId: 'a-1' }));
  });

  it('holds a later delivery of the issue back by at most the attempt budget when one keeps failing', async () => {
    await enqueue('a-1', 'issue-a', 0);
    await enqueue('a-2', 'issue-a', 1);
    const fake = fakeProcess(new Set(['a-1']));
    // The default budget: 5 attempts, waits of 2 s doubling (with random 1: 2 + 4 + 8 + 16 = 30 s).
    const { worker: w } = worker({ process: fake.process });
    let now = 10_000;
    for (let step = 0; step < 200 && !fake.order().includes('a-2'); step += 1) {
      await w.drainOnce(new Date(T0 + now).toISOString());
      now += 1_000;
    }
    expect(fake.order()).toEqual(['a-1', 'a-1', 'a-1', 'a-1', 'a-1', 'a-2']);
    expect(now - 10_000).toBeLessThanOrEqual(31_000);
  });

  it('does not spend attempts while waiting for Linear, however long that lasts', async () => {
    await enqueue('a-1', 'issue-a', 0);
    let away = true;
    const fake = fakeProcess();
    const { worker: w, logs } = worker({
      process: async (delivery) => {
        if (away) throw new WaitForLinear('Reading issue a from Linear failed: Linear could not be reached', 60_000);
        return fake.process(delivery);
      },
    });
    for (let minute = 0; minute < 30; minute += 1) expect(await w.drainOnce(at(10 + minute * 60))).toEqual({ processed: 0, retried: 1, failed: 0 });
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'delivery waits for Linear', deliveryId: 'a-1', attempts: 0 }));
    away = false;
    expect(await w.drainOnce(at(10 + 30 * 60))).toEqual({ processed: 1, retried: 0, failed: 0 });
    expect(fake.seen).toEqual([{ deliveryId: 'a-1', attempts: 0 }]);
  });

  it('processes a delivery whose short wait for Linear ends while others are still in hand, in the same pass, instead of leaving it claimed', async () => {
    await enqueue('a-1', 'issue-a', 0);
    await enqueue('b-1', 'issue-b', 0);
    const fake = fakeProcess();
    let waited = false;
    const { worker: w } = worker({
      // The real clock: the wait is measured from when the work ended, as in the running service.
      clock: () => new Date(),
      process: async (delivery) => {
        if (delivery.deliveryId === 'a-1' && !waited) {
          waited = true;
          throw new WaitForLinear('Linear rate limit reached: Linear asked to wait 0.15 s', 150);
        }
        // b-1 takes longer than a-1's wait, so a-1 is due again before this pass ends.
        if (delivery.deliveryId === 'b-1') await new Promise((resolve) => setTimeout(resolve, 800));
        return fake.process(delivery);
      },
    });
    expect(await w.drainOnce()).toEqual({ processed: 2, retried: 1, failed: 0 });
    expect(await queue.inboxBacklog()).toBe(0);
  });

  it('puts a dead letter back with a fresh budget on retry, and keeps a dropped one as dropped', async () => {
    await enqueue('a-1', 'issue-a', 0);
    await enqueue('b-1', 'issue-b', 0);
    await queue.claimDeliveries(10, at(1));
    await queue.failDelivery('a-1', 'boom', at(2));
    await queue.failDelivery('b-1', 'boom', at(2));
    expect(await queue.retryFailedDelivery('a-1', at(3))).toBe(true);
    expect(await queue.dropFailedDelivery('b-1', at(3))).toBe(true);
    expect(await queue.retryFailedDelivery('b-1', at(3))).toBe(false);
    expect((await queue.claimDeliveries(10, at(3))).map((d) => [d.deliveryId, d.attempts])).toEqual([['a-1', 0]]);
    const { rows } = await sql<{ status: string; outcome: string }>`select status, outcome from linear_inbox where delivery_id = 'b-1'`.execute(store.database);
    expect(rows).toEqual([{ status: 'done', outcome: 'dropped' }]);
    expect(await queue.countFailedDeliveries()).toBe(0);
  });
});
