import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LinearActionType } from './linear-action';
import { DELIVERY_OUTCOMES } from './receive-webhook';

const ACTION_TYPES: readonly LinearActionType[] = ['comment', 'set_state', 'add_label', 'remove_label'];
export const ACTION_RESULTS = ['sent', 'failed', 'retried'] as const;
export type ActionResult = (typeof ACTION_RESULTS)[number];

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
}

export interface MetricsOptions {
  /** Read at every scrape; when absent (or failing) the gauges keep the last value set. */
  readInboxBacklog?: () => Promise<number>;
  readOutboxFailed?: () => Promise<number>;
  /** Node process metrics (CPU, memory, event loop lag), prefixed scopekeeper_. */
  defaultMetrics?: boolean;
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

  const inboxBacklog = new Gauge({
    name: 'scopekeeper_inbox_backlog',
    help: 'Verified deliveries waiting in the inbox to be processed.',
    registers,
    collect: gaugeReader(options.readInboxBacklog),
  });

  const outboxFailed = new Gauge({
    name: 'scopekeeper_outbox_failed',
    help: 'Actions that failed permanently and were not sent to Linear.',
    registers,
    collect: gaugeReader(options.readOutboxFailed),
  });

  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'scopekeeper_' });

  return { registry, webhookDeliveries, deliveryProcessingSeconds, linearActions, inboxBacklog, outboxFailed };
}

function gaugeReader(read: (() => Promise<number>) | undefined): ((this: Gauge<never>) => Promise<void>) | undefined {
  if (!read) return undefined;
  return async function collect(this: Gauge<never>) {
    try {
      this.set(await read());
    } catch {
      // A scrape must still answer while the database is down; /healthz reports the outage.
    }
  };
}
