import type { Log } from './process-delivery';
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
  /** Deliveries claimed at a time. Default 20. */
  batchSize?: number;
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
  /** Processes every delivery due at `now` (default: the clock), one at a time in order. */
  drainOnce(now?: string): Promise<DrainReport>;
  /** Drains now and then whenever woken or every `pollMs`. */
  start(): void;
  /** Finishes the delivery in hand, then stops. */
  stop(): Promise<void>;
  /** Drain again at once: called after ingress stores a delivery, so latency does not wait for the poll. */
  wake(): void;
}

const DEFAULTS = { pollMs: 1000, batchSize: 20, maxAttempts: 8 };
// A guard against a queue that keeps handing out the same deliveries: a drain ends after this many batches.
const MAX_BATCHES_PER_DRAIN = 1000;

export function defaultRetryDelayMs(attempt: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempt - 1), 10 * 60_000);
}

/**
 * The worker that drains the inbox: at least once, and in order per issue (claimDeliveries
 * never hands out a delivery while an older one of its issue is pending). A delivery that
 * throws is retried with backoff and given up after `maxAttempts`; later deliveries of its
 * issue wait for it, those of other issues go on.
 */
export function createInboxWorker(options: InboxWorkerOptions): InboxWorker {
  const { queue, log } = options;
  const pollMs = options.pollMs ?? DEFAULTS.pollMs;
  const batchSize = options.batchSize ?? DEFAULTS.batchSize;
  const maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
  const retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
  const clock = options.clock ?? (() => new Date());

  let loop: Promise<void> | null = null;
  let stopping = false;
  let woken = false;
  let interrupt: (() => void) | null = null;

  async function handle(delivery: InboxDelivery, now: string, report: DrainReport): Promise<boolean> {
    try {
      const { outcome } = await options.process(delivery);
      report.processed += 1;
      const seconds = Math.max(0, (clock().getTime() - Date.parse(delivery.receivedAt)) / 1000);
      options.metrics?.observeDelivery(outcome, Number.isFinite(seconds) ? seconds : 0);
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // `attempts` counts the attempts that failed before this one.
      const attempt = delivery.attempts + 1;
      if (attempt >= maxAttempts) {
        await queue.failDelivery(delivery.deliveryId, message, now);
        report.failed += 1;
        options.metrics?.countFailure?.('failed');
        log({ level: 'error', msg: 'delivery given up', deliveryId: delivery.deliveryId, eventType: delivery.eventType, attempts: attempt, error: message });
      } else {
        const delay = retryDelayMs(attempt);
        await queue.retryDelivery(delivery.deliveryId, message, new Date(Date.parse(now) + delay).toISOString());
        report.retried += 1;
        options.metrics?.countFailure?.('retried');
        log({ level: 'warn', msg: 'delivery failed; will retry', deliveryId: delivery.deliveryId, attempts: attempt, retryInMs: delay, error: message });
      }
      return false;
    }
  }

  async function drainOnce(now: string = clock().toISOString()): Promise<DrainReport> {
    const report: DrainReport = { processed: 0, retried: 0, failed: 0 };
    const seen = new Set<string>();
    for (let batch = 0; batch < MAX_BATCHES_PER_DRAIN && !stopping; batch += 1) {
      const deliveries = await queue.claimDeliveries(batchSize, now);
      const fresh = deliveries.filter((d) => !seen.has(d.deliveryId));
      if (fresh.length === 0) break;
      // Defensive: should a batch hold two deliveries of one issue, the later waits when the earlier failed.
      const blocked = new Set<string>();
      for (const delivery of fresh) {
        if (stopping) break;
        seen.add(delivery.deliveryId);
        if (delivery.orderingKey !== null && blocked.has(delivery.orderingKey)) continue;
        const ok = await handle(delivery, now, report);
        if (!ok && delivery.orderingKey !== null) blocked.add(delivery.orderingKey);
      }
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
      await loop;
      loop = null;
      // drainOnce called directly after a stop works again.
      stopping = false;
    },
    wake() {
      woken = true;
      interrupt?.();
    },
  };
}
