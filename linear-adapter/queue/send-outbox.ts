import { describeError } from '../../src/store/report-fault';
import type { ServiceMode } from '../../src/core/schemas';
import type { Log } from '../service/create-logger';
import type { Metrics } from '../service/create-metrics';
import type { LinearGateway, SendOutcome } from '../gateway/gateway-types';
import type { LinearAction } from '../gateway/linear-action';
import type { OutboxEntry, QueueStore } from './queue-types';

// Sends the actions stored in the outbox to Linear. Actions are stored before they are sent,
// so a crash between deciding and sending loses nothing; every create carries a client-chosen
// id, so sending one again after a lost response never duplicates it in Linear.
//
// Shadow mode (or no API key): nothing is sent. Each action is logged as "would send" with
// `shadow: true` and marked sent, so the outbox stays an honest record of what Scopekeeper
// decided, and /healthz does not report a growing backlog that will never drain.

export type { LogEntry } from '../service/create-logger';

/**
 * What the sender counts: scopekeeper_linear_actions_total{type, result} (shadowed actions are
 * not counted: nothing was sent) and scopekeeper_faults_total{source="send-outbox"}.
 */
export type OutboxMetrics = Pick<Metrics, 'linearActions' | 'faults'>;

/** What the running sender recovers from: logged as errors and counted. */
export const SEND_OUTBOX_FAULT_KINDS = [
  /** Claiming due actions failed (the database is away): the sender looks again after its pause. */
  'outbox_claim_failed',
  /** An outcome could not be recorded: the lease runs out and the action is sent again. */
  'outbox_record_failed',
] as const;
export type SendOutboxFaultKind = (typeof SEND_OUTBOX_FAULT_KINDS)[number];

export interface BackoffOptions {
  /** First retry delay. Default 1 s; doubled per attempt. */
  baseMs?: number;
  /** Longest delay. Default 5 minutes. */
  maxMs?: number;
  /** Attempts before an action is given up as failed. Default 8. */
  maxAttempts?: number;
  /** Source of jitter in [0, 1); injectable for tests. */
  random?: () => number;
}

export interface OutboxSenderOptions {
  queue: QueueStore;
  /** Null when there is no API key: the service runs in shadow mode. */
  gateway: LinearGateway | null;
  mode: ServiceMode;
  log: Log;
  metrics?: OutboxMetrics;
  /** ISO time now. */
  clock?: () => string;
  backoff?: BackoffOptions;
  /** Actions claimed at a time. Default 25. */
  batchSize?: number;
  /** How long the running sender waits before looking again when nothing is due. Default 250 ms. */
  intervalMs?: number;
  /** Issues sent to in parallel; one issue's actions always go one after another. Default 8. */
  concurrency?: number;
}

export interface DrainSummary {
  claimed: number;
  sent: number;
  shadowed: number;
  retried: number;
  failed: number;
}

export interface OutboxSender {
  /** Claims the due actions once and sends (or, in shadow mode, logs) each. */
  drainOnce(now?: string): Promise<DrainSummary>;
  /** Starts sending: up to `concurrency` issues at once, claiming more as sends finish. */
  start(): void;
  /** Claims now instead of after the pause, e.g. right after actions were enqueued. */
  wake(): void;
  /** Stops claiming and waits for the sends in flight to finish. */
  stop(): Promise<void>;
}

/** Creates the outbox sender; call `start()` to run it, or `drainOnce()` to step it. */
export function createOutboxSender(options: OutboxSenderOptions): OutboxSender {
  const { queue, gateway, log, metrics } = options;
  const clock = options.clock ?? (() => new Date().toISOString());
  const batchSize = options.batchSize ?? 25;
  const intervalMs = options.intervalMs ?? 250;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const maxAttempts = options.backoff?.maxAttempts ?? 8;
  const shadow = options.mode === 'shadow' || gateway === null;

  function noteFault(kind: SendOutboxFaultKind, error: unknown): void {
    log({ level: 'error', msg: 'outbox drain failed', kind, error: describeError(error) });
    metrics?.faults.inc({ source: 'send-outbox', kind });
  }

  async function handle(entry: OutboxEntry, now: string, summary: DrainSummary): Promise<void> {
    const { action } = entry;
    const about = describe(action);
    if (shadow) {
      log({ level: 'info', msg: 'would send', shadow: true, ...about, action });
      await queue.markActionSent(action.id, now);
      summary.shadowed += 1;
      return;
    }

    const outcome = await sendSafely(gateway, action);
    const attempt = entry.attempts + 1;
    if (outcome.ok) {
      await queue.markActionSent(action.id, now);
      log({ level: 'info', msg: 'action sent', ...about, attempt });
      metrics?.linearActions.inc({ type: action.type, result: 'sent' });
      summary.sent += 1;
      return;
    }
    if (!outcome.retryable || attempt >= maxAttempts) {
      const error = outcome.retryable ? `${outcome.message} (gave up after ${attempt} attempts)` : outcome.message;
      await queue.markActionFailed(action.id, error, now);
      log({ level: 'error', msg: 'action failed', ...about, attempt, error });
      metrics?.linearActions.inc({ type: action.type, result: 'failed' });
      summary.failed += 1;
      return;
    }
    const delayMs = outcome.retryAfterMs ?? computeBackoffMs(attempt, options.backoff);
    const nextAttemptAt = new Date(Date.parse(now) + delayMs).toISOString();
    await queue.markActionRetry(action.id, outcome.message, nextAttemptAt);
    log({ level: 'warn', msg: 'action will be retried', ...about, attempt, error: outcome.message, nextAttemptAt });
    metrics?.linearActions.inc({ type: action.type, result: 'retried' });
    summary.retried += 1;
  }

  /** One issue's actions in claim order (the revert before the comment that explains it). */
  async function sendInOrder(entries: readonly OutboxEntry[], now: string, summary: DrainSummary): Promise<void> {
    for (const entry of entries) await handle(entry, now, summary);
  }

  async function drainOnce(now: string = clock()): Promise<DrainSummary> {
    const entries = await queue.claimDueActions(batchSize, now);
    const summary: DrainSummary = { claimed: entries.length, sent: 0, shadowed: 0, retried: 0, failed: 0 };
    // Different issues go in parallel. (SqlQueueStore already claims one action per issue at a time.)
    const groups = groupByIssue(entries);
    const workers = Array.from({ length: Math.min(concurrency, groups.length) }, async () => {
      for (let group = groups.shift(); group; group = groups.shift()) await sendInOrder(group, now, summary);
    });
    await Promise.all(workers);
    return summary;
  }

  // The running sender keeps up to `concurrency` issues in flight and claims again as soon as
  // one finishes (its issue's next action may now be due) or it is woken, so a new action never
  // waits for a whole batch of others to be sent.
  let stopped = true;
  let woken = false;
  let claiming: Promise<void> | null = null;
  let exhausted = false;
  let timer: NodeJS.Timeout | null = null;
  const inFlight = new Set<Promise<void>>();

  function poll(delayMs: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      exhausted = false;
      pump();
    }, delayMs);
  }

  function pump(): void {
    if (stopped || claiming) return;
    const room = concurrency - inFlight.size;
    if (room <= 0 || (exhausted && !woken)) return;
    woken = false;
    claiming = claimAndSend(room).finally(() => {
      claiming = null;
      pump();
    });
  }

  async function claimAndSend(room: number): Promise<void> {
    const now = clock();
    const limit = Math.min(batchSize, room);
    let entries: OutboxEntry[];
    try {
      entries = await queue.claimDueActions(limit, now);
    } catch (error) {
      noteFault('outbox_claim_failed', error);
      exhausted = true;
      poll(intervalMs);
      return;
    }
    exhausted = entries.length < limit;
    // Nothing due now: look again after the pause, for retries that come due.
    if (exhausted && inFlight.size === 0 && entries.length === 0) poll(intervalMs);
    const summary: DrainSummary = { claimed: entries.length, sent: 0, shadowed: 0, retried: 0, failed: 0 };
    for (const group of groupByIssue(entries)) {
      // The outbox could not record the outcome; the lease runs out and the action is sent again.
      const sending = sendInOrder(group, now, summary).catch((error: unknown) => noteFault('outbox_record_failed', error));
      inFlight.add(sending);
      void sending.finally(() => {
        inFlight.delete(sending);
        exhausted = false;
        pump();
      });
    }
  }

  return {
    drainOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      exhausted = false;
      if (shadow) log({ level: 'info', msg: 'outbox in shadow mode: actions are logged, not sent', shadow: true });
      pump();
    },
    wake() {
      // During a claim, the next one follows at once: what was just enqueued may not have been claimed.
      woken = true;
      pump();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await claiming;
      await Promise.all(inFlight);
    },
  };
}

function groupByIssue(entries: readonly OutboxEntry[]): OutboxEntry[][] {
  const byIssue = new Map<string, OutboxEntry[]>();
  for (const entry of entries) {
    const list = byIssue.get(entry.action.issueId) ?? [];
    list.push(entry);
    byIssue.set(entry.action.issueId, list);
  }
  return [...byIssue.values()];
}

/** Exponential backoff with equal jitter: attempt 1 waits 0.5-1 s, 2 waits 1-2 s, … up to maxMs. */
export function computeBackoffMs(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 1000;
  const max = options.maxMs ?? 5 * 60_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

async function sendSafely(gateway: LinearGateway | null, action: LinearAction): Promise<SendOutcome> {
  try {
    // Shadow mode is decided before; a null gateway never gets here.
    return await gateway!.send(action);
  } catch (error) {
    // The gateway maps every Linear error to an outcome; anything thrown is unexpected, so retry.
    // The caller logs it ("action will be retried") and counts it as retried.
    return { ok: false, retryable: true, retryAfterMs: null, message: `sending failed unexpectedly: ${describeError(error)}` };
  }
}

function describe(action: LinearAction): Record<string, unknown> {
  return { actionId: action.id, type: action.type, issueId: action.issueId };
}
