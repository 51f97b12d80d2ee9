import { describeError } from '../../src/store/report-fault';
import type { ServiceMode } from '../../src/core/schemas';
import type { Log } from '../service/create-logger';
import type { Metrics } from '../service/create-metrics';
import type { LinearGateway, SendOptions, SendOutcome } from '../gateway/gateway-types';
import type { LinearAction } from '../gateway/linear-action';
import { createKeyedWorker, type WorkResult } from './create-keyed-worker';
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
  /**
   * Failed attempts before an action is given up. Default none: an action is retried until it is
   * sent or Linear refuses it for good (a 4xx that is not a rate limit), since a revert given up
   * on leaves a closure standing that should not.
   */
  maxAttempts?: number | null;
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
  /**
   * Whether sending may start: false while the service has not read its Linear user yet (Linear
   * unreachable at start). Actions then wait without using up attempts. Default always.
   */
  ready?: () => boolean;
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

// How long an action that must wait (for the Linear user, or for the action it depends on)
// waits before it is looked at again, when nothing wakes the sender earlier.
const WAIT_MS = 5_000;

/** Creates the outbox sender, on the shared keyed worker; call `start()` to run it, or `drainOnce()` to step it. */
export function createOutboxSender(options: OutboxSenderOptions): OutboxSender {
  const { queue, gateway, log, metrics } = options;
  const shadow = options.mode === 'shadow' || gateway === null;
  const ready = options.ready ?? (() => true);
  type Item = OutboxEntry & { id: string; key: string };

  function noteFault(kind: SendOutboxFaultKind, error: unknown): void {
    log({ level: 'error', msg: 'outbox drain failed', kind, error: describeError(error) });
    metrics?.faults.inc({ source: 'send-outbox', kind });
  }

  async function work(entry: Item, now: string): Promise<WorkResult> {
    const { action } = entry;
    const about = describe(action);
    if (shadow) {
      log({ level: 'info', msg: 'would send', shadow: true, ...about, action });
      await queue.markActionSent(action.id, now);
      return { kind: 'done', label: 'shadowed' };
    }
    if (!ready()) return { kind: 'retry', error: "waiting to read the API key's user from Linear", waitMs: WAIT_MS, countsAttempt: false };
    const chosen = await chooseBody(action);
    if (chosen === 'wait') return { kind: 'retry', error: 'waiting for the action this one explains', waitMs: WAIT_MS, countsAttempt: false };

    // On its first claim an action cannot have been sent before (a crash or a lost answer means a
    // later claim), so the gateway may skip its guard against sending it twice.
    const outcome = await sendSafely(gateway, chosen, { mayHaveBeenSent: entry.claims !== 1 });
    if (outcome.ok) {
      await queue.markActionSent(action.id, now);
      log({ level: 'info', msg: 'action sent', ...about, attempt: entry.attempts + 1 });
      metrics?.linearActions.inc({ type: action.type, result: 'sent' });
      return { kind: 'done', label: 'sent' };
    }
    if (!outcome.retryable) return { kind: 'dead', error: outcome.message };
    // Linear says how long to wait only for a rate limit: that wait is not a failed attempt.
    const rateLimited = outcome.retryAfterMs !== null;
    return { kind: 'retry', error: outcome.message, waitMs: outcome.retryAfterMs, countsAttempt: !rateLimited };
  }

  /** A comment that explains another action goes after it, saying what became of it. */
  async function chooseBody(action: LinearAction): Promise<LinearAction | 'wait'> {
    if (action.type !== 'comment' || !action.after) return action;
    const status = await queue.actionStatus(action.after.actionId);
    if (status === 'pending') return 'wait';
    const { after: _after, ...comment } = action;
    return status === 'sent' ? comment : { ...comment, body: action.after.bodyIfRefused };
  }

  const worker = createKeyedWorker<Item>({
    name: 'outbox',
    claim: async (limit, now) => (await queue.claimDueActions(limit, now)).map((entry) => ({ ...entry, id: entry.action.id, key: entry.action.issueId })),
    work,
    record: {
      retry: (entry, error, nextAttemptAt, countsAttempt) => queue.markActionRetry(entry.action.id, error, nextAttemptAt, countsAttempt),
      dead: (entry, error, now) => queue.markActionFailed(entry.action.id, error, now),
    },
    retry: {
      maxAttempts: options.backoff?.maxAttempts ?? null,
      baseMs: options.backoff?.baseMs ?? 1000,
      maxMs: options.backoff?.maxMs ?? 5 * 60_000,
      ...(options.backoff?.random ? { random: options.backoff.random } : {}),
    },
    log,
    onSettled(entry, settled) {
      const about = describe(entry.action);
      if (settled.kind === 'dead') {
        log({ level: 'error', msg: 'action failed', ...about, attempt: settled.attempt, error: settled.error });
        metrics?.linearActions.inc({ type: entry.action.type, result: 'failed' });
        return;
      }
      log({ level: 'warn', msg: 'action will be retried', ...about, attempt: settled.attempt, error: settled.error, nextAttemptAt: settled.nextAttemptAt, countsAttempt: settled.countsAttempt });
      metrics?.linearActions.inc({ type: entry.action.type, result: 'retried' });
    },
    onFault: (kind, error) => noteFault(kind === 'claim_failed' ? 'outbox_claim_failed' : 'outbox_record_failed', error),
    concurrency: options.concurrency ?? 8,
    batchSize: options.batchSize ?? 25,
    pollMs: options.intervalMs ?? 250,
    ...(options.clock ? { clock: options.clock } : {}),
  });

  return {
    async drainOnce(now) {
      // One claim: each call steps the outbox once (tests pass the time).
      const { claimed, counts } = await worker.drainOnce(now ?? options.clock?.() ?? new Date().toISOString(), 1);
      return { claimed, sent: counts.sent ?? 0, shadowed: counts.shadowed ?? 0, retried: counts.retried ?? 0, failed: counts.dead ?? 0 };
    },
    start() {
      if (shadow) log({ level: 'info', msg: 'outbox in shadow mode: actions are logged, not sent', shadow: true });
      worker.start();
    },
    wake: () => worker.wake(),
    stop: () => worker.stop(),
  };
}

async function sendSafely(gateway: LinearGateway | null, action: LinearAction, options: SendOptions): Promise<SendOutcome> {
  try {
    // Shadow mode is decided before; a null gateway never gets here.
    return await gateway!.send(action, options);
  } catch (error) {
    // The gateway maps every Linear error to an outcome; anything thrown is unexpected, so retry.
    // The caller logs it ("action will be retried") and counts it as retried.
    return { ok: false, retryable: true, retryAfterMs: null, message: `sending failed unexpectedly: ${describeError(error)}` };
  }
}

function describe(action: LinearAction): Record<string, unknown> {
  return { actionId: action.id, type: action.type, issueId: action.issueId };
}
