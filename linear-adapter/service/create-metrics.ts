import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { describeError, reportFaultOnConsole, type Fault, type ReportFault } from '../../src/store/report-fault';
import { SQL_STORE_FAULT_KINDS } from '../../src/store/sql-store';
import { GATEWAY_FAULT_KINDS } from '../gateway/linear-gateway';
import type { LinearActionType } from '../gateway/linear-action';
import { QUEUE_FAULT_KINDS } from '../queue/queue-types';
import { SEND_OUTBOX_FAULT_KINDS } from '../queue/send-outbox';
import { DELIVERY_OUTCOMES } from '../ingress/receive-webhook';

const ACTION_TYPES: readonly LinearActionType[] = ['comment', 'set_state', 'add_label', 'remove_label'];
export const ACTION_RESULTS = ['sent', 'failed', 'retried'] as const;
export type ActionResult = (typeof ACTION_RESULTS)[number];

export const METRICS_FAULT_KINDS = ['gauge_read_failed'] as const;
export type MetricsFaultKind = (typeof METRICS_FAULT_KINDS)[number];

/** Every fault source and its kinds, present at 0 from the start so a dashboard sees the series before the first one. */
const FAULT_KINDS: Record<string, readonly string[]> = {
  'sql-store': SQL_STORE_FAULT_KINDS,
  'queue-store': QUEUE_FAULT_KINDS,
  'linear-gateway': GATEWAY_FAULT_KINDS,
  'send-outbox': SEND_OUTBOX_FAULT_KINDS,
  metrics: METRICS_FAULT_KINDS,
};

export interface Metrics {
  /** Its own registry, not prom-client's global one, so tests and several services never share counters. */
  registry: Registry;
  /** Every POST /webhooks/linear, by outcome (stored, duplicate, ignored, bad_signature, …). */
  webhookDeliveries: Counter<'outcome'>;
  /** From a delivery's receipt to its processing finishing (done or failed). */
  deliveryProcessingSeconds: Histogram<never>;
  /** Outbox sends by action type and result: sent, failed (permanently), retried. */
  linearActions: Counter<'type' | 'result'>;
  inboxBacklog: Gauge<never>;
  outboxFailed: Gauge<never>;
  /** Dead-lettered deliveries (`scopekeeper deliveries list`). */
  inboxDeadLetters: Gauge<never>;
  /** Actions waiting to be sent, and the age of the oldest. */
  outboxBacklog: Gauge<never>;
  outboxOldestPendingSeconds: Gauge<never>;
  /** 1 while Linear's last answer came back, else 0. */
  linearReachable: Gauge<never>;
  /** Age of the oldest delivery waiting to be processed. */
  inboxOldestPendingSeconds: Gauge<never>;
  /** 1 while Linear's rate-limit wait is on. */
  linearRateLimited: Gauge<never>;
  /** Faults recovered from by a fallback, by source and kind: every fallback is counted. */
  faults: Counter<'source' | 'kind'>;
  /** Logs a fault (warn) and counts it: what the stores, the queue and the gateway are given as `onFault`. */
  reportFault: ReportFault;
}

/** The part of a pino logger reportFault writes to. */
export interface FaultLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface MetricsOptions {
  /** Read at every scrape; when absent (or failing) the gauges keep the last value set. */
  readInboxBacklog?: () => Promise<number>;
  readOutboxFailed?: () => Promise<number>;
  readInboxDeadLetters?: () => Promise<number>;
  readOutboxBacklog?: () => Promise<number>;
  readOutboxOldestPendingSeconds?: () => Promise<number>;
  readLinearReachable?: () => Promise<number>;
  readInboxOldestPendingSeconds?: () => Promise<number>;
  readLinearRateLimited?: () => Promise<number>;
  /** Node process metrics (CPU, memory, event loop lag), prefixed scopekeeper_. */
  defaultMetrics?: boolean;
  /** Where reportFault logs (the service's pino logger); default a console line. */
  logger?: FaultLogger;
}

/** The service's Prometheus metrics, with every known label value present from the start at 0. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];

  const webhookDeliveries = new Counter({
    name: 'scopekeeper_webhook_deliveries_total',
    help: 'Webhook deliveries received on POST /webhooks/linear, by outcome.',
    labelNames: ['outcome'] as const,
    registers,
  });
  for (const outcome of DELIVERY_OUTCOMES) webhookDeliveries.inc({ outcome }, 0);

  const deliveryProcessingSeconds = new Histogram({
    name: 'scopekeeper_delivery_processing_seconds',
    help: 'Seconds from receiving a delivery to finishing its processing.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers,
  });

  const linearActions = new Counter({
    name: 'scopekeeper_linear_actions_total',
    help: 'Actions sent to Linear from the outbox, by action type and result (sent, failed permanently, retried).',
    labelNames: ['type', 'result'] as const,
    registers,
  });
  for (const type of ACTION_TYPES) for (const result of ACTION_RESULTS) linearActions.inc({ type, result }, 0);

  /** A gauge read at every scrape (gaugeReader). */
  const readGauge = (name: string, help: string, what: string, read: (() => Promise<number>) | undefined): Gauge<never> =>
    new Gauge({ name, help, registers, collect: gaugeReader(what, read, (fault) => reportFault(fault)) });

  const inboxBacklog = readGauge('scopekeeper_inbox_backlog', 'Verified deliveries waiting in the inbox to be processed.', 'inbox backlog', options.readInboxBacklog);

  const outboxFailed = readGauge('scopekeeper_outbox_failed', 'Actions that failed permanently and were not sent to Linear.', 'failed outbox actions', options.readOutboxFailed);

  const inboxDeadLetters = readGauge('scopekeeper_inbox_dead_letters', 'Deliveries given up on (attempt budget spent or a permanent error); see scopekeeper deliveries list.', 'dead-lettered deliveries', options.readInboxDeadLetters);

  const outboxBacklog = readGauge('scopekeeper_outbox_backlog', 'Actions waiting in the outbox to be sent to Linear.', 'outbox backlog', options.readOutboxBacklog);

  const outboxOldestPendingSeconds = readGauge('scopekeeper_outbox_oldest_pending_seconds', 'Age of the oldest action waiting in the outbox, 0 when none waits.', 'oldest pending action', options.readOutboxOldestPendingSeconds);

  const linearReachable = readGauge('scopekeeper_linear_reachable', "1 while Linear's API answered the last call (a rate limit is an answer), 0 while it is unreachable or failing (or not configured).", 'Linear reachability', options.readLinearReachable);

  const inboxOldestPendingSeconds = readGauge('scopekeeper_inbox_oldest_pending_seconds', 'Age of the oldest delivery waiting in the inbox to be processed, 0 when none waits.', 'oldest pending delivery', options.readInboxOldestPendingSeconds);

  const linearRateLimited = readGauge('scopekeeper_linear_rate_limited', '1 while Linear has asked Scopekeeper to wait (a rate limit) and the wait has not run out, else 0.', 'Linear rate limit', options.readLinearRateLimited);

  // Registered after the gauges: a scrape serialises in registration order, so a gauge that
  // fails to read is counted in the same scrape.
  const faults = new Counter({
    name: 'scopekeeper_faults_total',
    help: 'Faults recovered from by a fallback (each is also logged as a warning), by source and kind.',
    labelNames: ['source', 'kind'] as const,
    registers,
  });
  for (const [source, kinds] of Object.entries(FAULT_KINDS)) for (const kind of kinds) faults.inc({ source, kind }, 0);

  const reportFault: ReportFault = (fault: Fault) => {
    faults.inc({ source: fault.source, kind: fault.kind });
    if (options.logger) options.logger.warn({ source: fault.source, kind: fault.kind, error: describeError(fault.error) || undefined }, fault.message);
    else reportFaultOnConsole(fault);
  };

  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'scopekeeper_' });

  return {
    registry, webhookDeliveries, deliveryProcessingSeconds, linearActions, inboxBacklog, outboxFailed,
    inboxDeadLetters, outboxBacklog, outboxOldestPendingSeconds, linearReachable, inboxOldestPendingSeconds, linearRateLimited, faults, reportFault,
  };
}

function gaugeReader(
  what: string,
  read: (() => Promise<number>) | undefined,
  reportFault: ReportFault,
): ((this: Gauge<never>) => Promise<void>) | undefined {
  if (!read) return undefined;
  return async function collect(this: Gauge<never>) {
    try {
      this.set(await read());
    } catch (error) {
      // A scrape must still answer while the database is down; /healthz reports the outage.
      reportFault({
        source: 'metrics',
        kind: 'gauge_read_failed' satisfies MetricsFaultKind,
        message: `reading the ${what} for a scrape failed (${describeError(error)}); the gauge keeps its last value`,
        error,
      });
    }
  };
}
