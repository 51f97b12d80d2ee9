import { computeBackoffMs } from '../../src/core/compute-backoff-ms';
import { describeError } from '../../src/store/report-fault';
import type { Log } from '../service/create-logger';

// The one worker loop behind the inbox (deliveries) and the outbox (actions to Linear):
// docs/adr/0008-keyed-worker-retry-health.md. The queue hands out due items under a lease and
// never one whose key (the issue) has an older item pending, so one issue's items go in order
// while different issues run in parallel. The worker decides what a failure means: retry after
// a backoff (capped, never an attempt cap unless the queue asks for one), wait as long as the
// platform said without spending an attempt, or dead-letter.

export interface KeyedItem {
  id: string;
  /** Items of one key are handled strictly one after another, in claim order; null: no order. */
  key: string | null;
  /** Failed attempts before this one. */
  attempts: number;
}

/** What handling one item came to. `label` is what the drain report counts it as. */
export type WorkResult =
  | { kind: 'done'; label: string }
  /**
   * Try again later. `waitMs`: how long the platform asked to wait (a rate limit), used instead of
   * the backoff. `countsAttempt: false`: the wait is not a failure of the item (rate limits).
   */
  | { kind: 'retry'; error: string; waitMs?: number | null; countsAttempt?: boolean }
  /** Refused for good (a 4xx, a body the database cannot store): dead-lettered at once. */
  | { kind: 'dead'; error: string };

export interface KeyedWorkerRecorder<T extends KeyedItem> {
  retry(item: T, error: string, nextAttemptAt: string, countsAttempt: boolean): Promise<void>;
  dead(item: T, error: string, now: string): Promise<void>;
}

export interface RetryPolicy {
  /** Failed attempts after which an item is dead-lettered; null: retried until it succeeds or is refused. */
  maxAttempts: number | null;
  /** Wait before attempt `attempt + 1`; default computeBackoffMs from `baseMs` to `maxMs`. */
  delayMs?: (attempt: number) => number;
  baseMs?: number;
  maxMs?: number;
  /** Random draw in [0, 1) for the jitter; injectable for tests. */
  random?: () => number;
}

export interface KeyedWorkerOptions<T extends KeyedItem> {
  /** 'inbox' or 'outbox': in log lines. */
  name: string;
  claim(limit: number, now: string): Promise<T[]>;
  /** Handles one item; a throw is a retryable failure that counts an attempt. */
  work(item: T, now: string): Promise<WorkResult>;
  record: KeyedWorkerRecorder<T>;
  retry: RetryPolicy;
  log: Log;
  /** Called for each retry or dead letter (after it was recorded), for logs and metrics. */
  onSettled?(item: T, settled: { kind: 'retried' | 'dead'; error: string; attempt: number; nextAttemptAt?: string; countsAttempt?: boolean }): void;
  /** A claim or a record failed (the database is away): logged and counted by the caller. */
  onFault?(kind: 'claim_failed' | 'record_failed', error: unknown): void;
  /** Items that must run alone (a `/baseline`): after those started before, before any later. */
  isExclusive?(item: T): boolean;
  /** Items in hand at once, never two of one key. Default 8. */
  concurrency?: number;
  /** Items claimed at a time (never more than free places). Default 20. */
  batchSize?: number;
  /** Pause between polls when nothing is due and nobody wakes it. Default 1000 ms. */
  pollMs?: number;
  /** ISO time now. */
  clock?: () => string;
}

export interface KeyedDrainReport {
  claimed: number;
  /** Items by label: the `done` labels, `retried`, `dead`. */
  counts: Record<string, number>;
}

export interface KeyedWorker {
  /**
   * Handles what is due at `now` (default: the clock at each claim), up to `concurrency` at
   * once, each key in order; claims at most `maxClaims` times (default: until nothing is due).
   */
  drainOnce(now?: string, maxClaims?: number): Promise<KeyedDrainReport>;
  /** Drains now, then whenever woken or every `pollMs`. */
  start(): void;
  /** Finishes the items in hand, then stops. */
  stop(): Promise<void>;
  /** Claims again at once (new work was stored), instead of at the next poll. */
  wake(): void;
}

// A guard against a queue that keeps handing out the same items: a drain ends after this many claims.
const MAX_CLAIMS_PER_DRAIN = 10_000;
// The shortest wait before a retry.
const MIN_WAIT_MS = 100;

/** Creates the worker; `start()` runs it, `drainOnce()` steps it (tests pass the time). */
export function createKeyedWorker<T extends KeyedItem>(options: KeyedWorkerOptions<T>): KeyedWorker {
  const { log } = options;
  const pollMs = options.pollMs ?? 1000;
  const batchSize = options.batchSize ?? 20;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 8));
  const clock = options.clock ?? (() => new Date().toISOString());
  const random = options.retry.random ?? Math.random;
  const delayMs =
    options.retry.delayMs ?? ((attempt: number) => computeBackoffMs({ attempt, random: random(), baseMs: options.retry.baseMs ?? 1000, maxMs: options.retry.maxMs ?? 5 * 60_000 }));

  let loop: Promise<void> | null = null;
  let stopping = false;
  let woken = false;
  let interrupt: (() => void) | null = null;
  // Lets a drain waiting for items in hand claim at once when new work was stored.
  let nudge: (() => void) | null = null;
  // Waits without a given time and without an attempt spent, in a row (reset by any success).
  let waitStreak = 0;
  // The record fault a drain reported before throwing it; anything else it throws is a failed claim.
  let reportedFault: unknown = null;

  async function settle(item: T, result: WorkResult, now: string, live: boolean): Promise<string> {
    if (result.kind === 'done') {
      waitStreak = 0;
      return result.label;
    }
    const countsAttempt = result.kind === 'dead' || result.countsAttempt !== false;
    const attempt = item.attempts + (countsAttempt ? 1 : 0);
    const max = options.retry.maxAttempts;
    if (result.kind === 'dead' || (countsAttempt && max !== null && attempt >= max)) {
      const error = result.kind === 'retry' ? `${result.error} (gave up after ${attempt} attempts)` : result.error;
      await options.record.dead(item, error, now);
      options.onSettled?.(item, { kind: 'dead', error, attempt });
      return 'dead';
    }
    // A wait that spends no attempt and has no time given (Linear away) backs off by how many
    // such waits came in a row across all items, so an outage is not polled at full speed.
    if (!countsAttempt && result.waitMs == null) waitStreak += 1;
    // At least MIN_WAIT_MS, so a platform's "retry now" cannot spin one drain.
    const wait = Math.max(MIN_WAIT_MS, result.waitMs ?? delayMs(Math.max(1, countsAttempt ? attempt : waitStreak)));
    // From when the work ended, not when it was claimed (unless the caller fixed the time): a
    // wait Linear gave is counted from its answer, and a retry due before the work even ended
    // came back in the same drain's next claim.
    const from = live ? Math.max(Date.parse(now), Date.parse(clock())) : Date.parse(now);
    const nextAttemptAt = new Date(from + wait).toISOString();
    await options.record.retry(item, result.error, nextAttemptAt, countsAttempt);
    options.onSettled?.(item, { kind: 'retried', error: result.error, attempt, nextAttemptAt, countsAttempt });
    return 'retried';
  }

  async function handle(item: T, now: string, live: boolean): Promise<string> {
    let result: WorkResult;
    try {
      result = await options.work(item, now);
    } catch (error) {
      result = { kind: 'retry', error: describeError(error) };
    }
    return settle(item, result, now, live);
  }

  async function drainOnce(fixedNow?: string, maxClaims = MAX_CLAIMS_PER_DRAIN): Promise<KeyedDrainReport> {
    const report: KeyedDrainReport = { claimed: 0, counts: {} };
    const seen = new Set<string>();
    const inHand = new Set<Promise<void>>();
    // The last task of each key in hand: a later item of that key starts after it.
    const lastOfKey = new Map<string, Promise<void>>();
    // Keys whose item waits for a retry: their later items wait too (a dead letter lets them go on).
    const blocked = new Set<string>();
    let exhausted = false;
    // A record failed (the database is away): reported when the drain ends.
    const faults: unknown[] = [];
    let barrier: Promise<void> | null = null;

    const start = (item: T, now: string): void => {
      const key = item.key;
      const exclusive = options.isExclusive?.(item) ?? false;
      // Defensive: the SQL queue never hands out an item while an older one of its key is pending.
      const before = exclusive ? [...inHand] : [barrier ?? undefined, key === null ? undefined : lastOfKey.get(key)];
      const task = (async () => {
        await Promise.all(before);
        if (key !== null && blocked.has(key)) return;
        try {
          const label = await handle(item, now, fixedNow === undefined);
          report.counts[label] = (report.counts[label] ?? 0) + 1;
          if (label === 'retried' && key !== null) blocked.add(key);
        } catch (error) {
          // Its lease runs out and it is claimed again: at least once.
          if (key !== null) blocked.add(key);
          faults.push(error);
        }
      })();
      inHand.add(task);
      if (key !== null) lastOfKey.set(key, task);
      if (exclusive) barrier = task;
      void task.finally(() => {
        inHand.delete(task);
        if (key !== null && lastOfKey.get(key) === task) lastOfKey.delete(key);
        if (barrier === task) barrier = null;
        // A finished item may let the next one of its key be claimed.
        exhausted = false;
      });
    };

    try {
      for (let claims = 0; !stopping && faults.length === 0; ) {
        const room = concurrency - inHand.size;
        if (room > 0 && (!exhausted || woken) && claims < maxClaims) {
          woken = false;
          claims += 1;
          const now = fixedNow ?? clock();
          const limit = Math.min(batchSize, room);
          const items = await options.claim(limit, now);
          // An item claimed again in one drain is due again (its retry time passed meanwhile):
          // it is handled again, since the claim leased it to us (left alone, it waited for the
          // lease to run out: the 5-minute stall after a rate limit). Counted once in `claimed`.
          const fresh = items.filter((item) => !seen.has(item.id));
          report.claimed += fresh.length;
          for (const item of items) {
            // Its own retry blocked its key; handed out again, it is its key's oldest item and due.
            if (seen.has(item.id) && item.key !== null) blocked.delete(item.key);
            seen.add(item.id);
            start(item, now);
          }
          // Fewer than asked for: nothing more is due until one in hand finishes or we are woken.
          exhausted = items.length < limit || items.length === 0;
          continue;
        }
        if (inHand.size === 0) break;
        await new Promise<void>((resolve) => {
          nudge = resolve;
          void Promise.race(inHand).then(resolve);
        });
        nudge = null;
      }
    } finally {
      // Stopping, done, or the claim failed: finish what is in hand first.
      await Promise.all(inHand);
    }
    if (faults.length > 0) {
      options.onFault?.('record_failed', faults[0]);
      reportedFault = faults[0];
      throw faults[0];
    }
    return report;
  }

  function pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, pollMs);
      timer.unref?.();
      function done(): void {
        clearTimeout(timer);
        interrupt = null;
        resolve();
      }
      interrupt = done;
    });
  }

  async function run(): Promise<void> {
    while (!stopping) {
      woken = false;
      try {
        await drainOnce();
      } catch (error) {
        // The database may be briefly away; the next poll tries again.
        // With onFault the caller logs and counts it; a record fault was reported already.
        if (!options.onFault) log({ level: 'error', msg: `${options.name} drain failed`, error: describeError(error) });
        else if (error !== reportedFault) options.onFault('claim_failed', error);
      }
      if (!stopping && !woken) await pause();
    }
  }

  return {
    drainOnce,
    start() {
      if (loop) return;
      stopping = false;
      loop = run();
    },
    async stop() {
      stopping = true;
      interrupt?.();
      nudge?.();
      await loop;
      loop = null;
      // drainOnce called directly after a stop works again.
      stopping = false;
    },
    wake() {
      woken = true;
      interrupt?.();
      nudge?.();
    },
  };
}
