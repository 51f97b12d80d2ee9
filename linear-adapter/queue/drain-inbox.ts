import type { Log } from '../service/create-logger';
import { createKeyedWorker, type KeyedWorker, type WorkResult } from './create-keyed-worker';
import type { InboxDelivery, QueueStore } from './queue-types';

export interface InboxMetrics {
  /** A delivery processed: its outcome and the seconds from its receipt to now. */
  observeDelivery(outcome: string, secondsSinceReceipt: number): void;
  /** An attempt that failed: retried later, or given up (dead-lettered). */
  countFailure?(kind: 'retried' | 'failed'): void;
}

/**
 * A fault that is not the delivery's: Linear is away or rate limited, or the service waits to
 * learn its own Linear user. The delivery waits (`retryAfterMs` when Linear said how long) and
 * the wait does not use up its attempts, so an outage never dead-letters good deliveries.
 */
export class WaitForLinear extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'WaitForLinear';
  }
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
  /**
   * The attempt budget: failed attempts before a delivery is dead-lettered (kept for
   * `scopekeeper deliveries retry|drop`). Later deliveries of its issue wait at most this long. Default 5.
   */
  maxAttempts?: number;
  /** Wait before attempt `attempt + 1`; default 2 s doubling, at most 1 min (the budget: about 30 s). */
  retryDelayMs?: (attempt: number) => number;
  /** Whether a thrown error can never succeed (dead-letter at once). Default isPermanentDeliveryError. */
  isPermanent?: (error: unknown) => boolean;
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

const DEFAULTS = { pollMs: 1000, batchSize: 20, maxAttempts: 5, concurrency: 8 };

/**
 * PostgreSQL's data exceptions (SQLSTATE class 22, e.g. 22P05 "unsupported Unicode escape
 * sequence" for a `\u0000` in jsonb) and integrity violations (class 23) come back the same on
 * every attempt: the delivery is dead-lettered at once instead of holding back its issue.
 */
export function isPermanentDeliveryError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

/**
 * The worker that drains the inbox, on the shared keyed worker (create-keyed-worker.ts): at
 * least once, in order per issue, different issues concurrently. A delivery that throws is
 * retried with backoff and dead-lettered after `maxAttempts` (or at once for a permanent
 * error); waiting for Linear (WaitForLinear) spends no attempt.
 */
export function createInboxWorker(options: InboxWorkerOptions): InboxWorker {
  const { queue, log } = options;
  const clock = options.clock ?? (() => new Date());
  const isPermanent = options.isPermanent ?? isPermanentDeliveryError;
  type Item = InboxDelivery & { id: string; key: string | null };

  async function work(item: Item): Promise<WorkResult> {
    try {
      const { outcome } = await options.process(item);
      const seconds = Math.max(0, (clock().getTime() - Date.parse(item.receivedAt)) / 1000);
      options.metrics?.observeDelivery(outcome, Number.isFinite(seconds) ? seconds : 0);
      return { kind: 'done', label: 'processed' };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof WaitForLinear) return { kind: 'retry', error: message, waitMs: error.retryAfterMs, countsAttempt: false };
      if (isPermanent(error)) return { kind: 'dead', error: `${message} (a permanent error: retrying cannot help)` };
      return { kind: 'retry', error: message };
    }
  }

  const worker: KeyedWorker = createKeyedWorker<Item>({
    name: 'inbox',
    claim: async (limit, now) => (await queue.claimDeliveries(limit, now)).map((d) => ({ ...d, id: d.deliveryId, key: d.orderingKey })),
    work,
    record: {
      retry: (item, error, nextAttemptAt, countsAttempt) => queue.retryDelivery(item.deliveryId, error, nextAttemptAt, countsAttempt),
      dead: (item, error, now) => queue.failDelivery(item.deliveryId, error, now),
    },
    retry: {
      maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
      ...(options.retryDelayMs ? { delayMs: options.retryDelayMs } : { baseMs: 2_000, maxMs: 60_000 }),
    },
    log,
    onSettled(item, settled) {
      if (settled.kind === 'dead') {
        options.metrics?.countFailure?.('failed');
        log({ level: 'error', msg: 'delivery given up', deliveryId: item.deliveryId, eventType: item.eventType, attempts: settled.attempt, error: settled.error });
        return;
      }
      if (settled.countsAttempt !== false) options.metrics?.countFailure?.('retried');
      log({
        level: 'warn',
        msg: settled.countsAttempt === false ? 'delivery waits for Linear' : 'delivery failed; will retry',
        deliveryId: item.deliveryId,
        attempts: settled.attempt,
        retryAt: settled.nextAttemptAt,
        error: settled.error,
      });
    },
    ...(options.isExclusive ? { isExclusive: options.isExclusive } : {}),
    concurrency: options.concurrency ?? DEFAULTS.concurrency,
    batchSize: options.batchSize ?? DEFAULTS.batchSize,
    pollMs: options.pollMs ?? DEFAULTS.pollMs,
    clock: () => clock().toISOString(),
  });

  return {
    async drainOnce(now) {
      const { counts } = await worker.drainOnce(now);
      return { processed: counts.processed ?? 0, retried: counts.retried ?? 0, failed: counts.dead ?? 0 };
    },
    start: () => worker.start(),
    stop: () => worker.stop(),
    wake: () => worker.wake(),
  };
}
