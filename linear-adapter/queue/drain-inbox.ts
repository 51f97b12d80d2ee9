import type { Log } from '../service/create-logger';
import type { InboxDelivery, QueueStore } from './queue-types';

export interface InboxMetrics {
  /** A delivery processed: its outcome and the seconds from its receipt to now. */
  observeDelivery(outcome: string, secondsSinceReceipt: number): void;
  /** An attempt that threw: retried later, or given up. */
  countFailure?(kind: 'retried' | 'failed'): void;
}

export interface InboxWorkerOptions {
  queue: Pick<QueueStore, 'claimDeliveries' | 'retryDelivery' | 'failDelivery'>;
  /** Processes and completes one delivery (processDelivery); throws to have it retried. */
  process: (delivery: InboxDelivery) => Promise<{ outcome: string }>;
  log: Log;
  metrics?: InboxMetrics;
  /** How long the running worker waits between empty polls when nobody wakes it. Default 1000. */
  pollMs?: number;
  /** Deliveries claimed at a time (never more than free places). Default 20. */
  batchSize?: number;
  /**
   * Deliveries processed at once, never two of one issue. Their completions share transactions
   * (SqlQueueStore), so more at once costs less each. Default 8.
   */
  concurrency?: number;
  /**
   * Deliveries that must run alone, as if the worker processed one at a time: those started
   * before finish first, and none starts until it is done (a `/baseline`, which snapshots
   * the whole team, must see every issue change that came before it and none after).
   */
  isExclusive?: (delivery: InboxDelivery) => boolean;
  /** Attempts before a delivery is given up (kept for inspection and reconcile). Default 8. */
  maxAttempts?: number;
  /** Wait before attempt `attempt + 1`; default 5 s doubling, at most 10 min. */
  retryDelayMs?: (attempt: number) => number;
  clock?: () => Date;
}

export interface DrainReport {
  processed: number;
  retried: number;
  failed: number;
}

export interface InboxWorker {
  /**
   * Processes every delivery due at `now` (default: the clock at each claim), up to
   * `concurrency` at once, each issue's in arrival order; ends when nothing is due or in hand.
   */
  drainOnce(now?: string): Promise<DrainReport>;
  /** Drains now and then whenever woken or every `pollMs`. */
  start(): void;
  /** Finishes the deliveries in hand, then stops. */
  stop(): Promise<void>;
  /** Drain again at once: called after ingress stores a delivery, so latency does not wait for the poll. */
  wake(): void;
}

const DEFAULTS = { pollMs: 1000, batchSize: 20, maxAttempts: 8, concurrency: 8 };
// A guard against a queue that keeps handing out the same deliveries: a drain ends after this many claims.
const MAX_CLAIMS_PER_DRAIN = 10_000;

export function defaultRetryDelayMs(attempt: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempt - 1), 10 * 60_000);
}

/**
 * The worker that drains the inbox: at least once, and in order per issue (claimDeliveries
 * never hands out a delivery while an older one of its issue is pending, and one in hand is
 * still pending). Deliveries of different issues are processed concurrently. A delivery that
 * throws is retried with backoff and given up after `maxAttempts`; later deliveries of its
 * issue wait for it, those of other issues go on.
 */
export function createInboxWorker(options: InboxWorkerOptions): InboxWorker {
  const { queue, log } = options;
  const pollMs = options.pollMs ?? DEFAULTS.pollMs;
  const batchSize = options.batchSize ?? DEFAULTS.batchSize;
  const maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
  const retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULTS.concurrency));
  const clock = options.clock ?? (() => new Date());

  let loop: Promise<void> | null = null;
  let stopping = false;
  let woken = false;
  let interrupt: (() => void) | null = null;
  // Lets a drain waiting for deliveries in hand claim at once when ingress stored a new one.
  let nudge: (() => void) | null = null;

  async function handle(delivery: InboxDelivery, now: string, report: DrainReport): Promise<'processed' | 'retried' | 'failed'> {
    try {
      const { outcome } = await options.process(delivery);
      report.processed += 1;
      const seconds = Math.max(0, (clock().getTime() - Date.parse(delivery.receivedAt)) / 1000);
      options.metrics?.observeDelivery(outcome, Number.isFinite(seconds) ? seconds : 0);
      return 'processed';
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // `attempts` counts the attempts that failed before this one.
      const attempt = delivery.attempts + 1;
      if (attempt >= maxAttempts) {
        await queue.failDelivery(delivery.deliveryId, message, now);
        report.failed += 1;
        options.metrics?.countFailure?.('failed');
        log({ level: 'error', msg: 'delivery given up', deliveryId: delivery.deliveryId, eventType: delivery.eventType, attempts: attempt, error: message });
        return 'failed';
      }
      const delay = retryDelayMs(attempt);
      await queue.retryDelivery(delivery.deliveryId, message, new Date(Date.parse(now) + delay).toISOString());
      report.retried += 1;
      options.metrics?.countFailure?.('retried');
      log({ level: 'warn', msg: 'delivery failed; will retry', deliveryId: delivery.deliveryId, attempts: attempt, retryInMs: delay, error: message });
      return 'retried';
    }
  }

  async function drainOnce(fixedNow?: string): Promise<DrainReport> {
    const report: DrainReport = { processed: 0, retried: 0, failed: 0 };
    const seen = new Set<string>();
    const inHand = new Set<Promise<void>>();
    // The last task of each issue in hand: a later delivery of that issue starts after it.
    const lastOfIssue = new Map<string, Promise<void>>();
    // Issues whose delivery waits for a retry: their later deliveries wait too (one given up lets them go on).
    const blocked = new Set<string>();
    let exhausted = false;
    // The queue failed while recording a failure (the database is away): reported when the drain ends.
    const faults: unknown[] = [];
    // An exclusive delivery in hand: deliveries started after it wait for it.
    let barrier: Promise<void> | null = null;

    const start = (delivery: InboxDelivery, now: string): void => {
      const key = delivery.orderingKey;
      const exclusive = options.isExclusive?.(delivery) ?? false;
      // Defensive: the SQL queue never hands out a delivery while an older one of its issue is pending.
      const before = exclusive ? [...inHand] : [barrier ?? undefined, key === null ? undefined : lastOfIssue.get(key)];
      const task = (async () => {
        await Promise.all(before);
        if (key !== null && blocked.has(key)) return;
        try {
          const result = await handle(delivery, now, report);
          if (result === 'retried' && key !== null) blocked.add(key);
        } catch (error) {
          // Its lease runs out and it is claimed again: at least once.
          if (key !== null) blocked.add(key);
          faults.push(error);
        }
      })();
      inHand.add(task);
      if (key !== null) lastOfIssue.set(key, task);
      if (exclusive) barrier = task;
      void task.finally(() => {
        inHand.delete(task);
        if (key !== null && lastOfIssue.get(key) === task) lastOfIssue.delete(key);
        if (barrier === task) barrier = null;
        // A finished delivery may let the next one of its issue be claimed.
        exhausted = false;
      });
    };

    try {
      await claimWhileRoom();
    } finally {
      // Stopping, done, or the claim failed: finish what is in hand first.
      await Promise.all(inHand);
    }
    if (faults.length > 0) throw faults[0];
    return report;

    async function claimWhileRoom(): Promise<void> {
      for (let claims = 0; !stopping && faults.length === 0; ) {
        const room = concurrency - inHand.size;
        if (room > 0 && (!exhausted || woken) && claims < MAX_CLAIMS_PER_DRAIN) {
          woken = false;
          claims += 1;
          const now = fixedNow ?? clock().toISOString();
          const limit = Math.min(batchSize, room);
          const deliveries = await queue.claimDeliveries(limit, now);
          const fresh = deliveries.filter((d) => !seen.has(d.deliveryId));
          for (const delivery of fresh) {
            seen.add(delivery.deliveryId);
            start(delivery, now);
          }
          // Fewer than asked for: nothing more is due until one in hand finishes or ingress wakes us.
          exhausted = deliveries.length < limit || fresh.length === 0;
          continue;
        }
        if (inHand.size === 0) break;
        await new Promise<void>((resolve) => {
          nudge = resolve;
          void Promise.race(inHand).then(resolve);
        });
        nudge = null;
      }
    }
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
        log({ level: 'error', msg: 'inbox drain failed', error: error instanceof Error ? error.message : String(error) });
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
