import { computeBackoffMs } from '../../src/core/compute-backoff-ms';
import { describeError } from '../../src/store/report-fault';
import { toLogFunction } from '../service/create-logger';
import { createInboxWorker, WaitForLinear } from './drain-inbox';
import { createLinearGateway, LinearReadError, type LinearApiGateway } from '../gateway/linear-gateway';
import { parseCommands } from '../decide/parse-commands';
import { parseWebhook } from '../ingress/parse-webhook';
import { processDelivery } from '../decide/process-delivery';
import type { InboxDelivery } from './queue-types';
import { createOutboxSender } from './send-outbox';
import type { StartHook } from '../service/start-service';

/** While Linear cannot be reached, how often (at most) it is asked again. */
const PROBE_MAX_MS = 30_000;

/**
 * The inbox worker and the outbox sender, started with the HTTP service (`npm start`). Linear
 * need not answer at start: deliveries are taken and wait (as do actions) until the API key's
 * user is read, which is retried in the background (docs/adr/0008-keyed-worker-retry-health.md).
 */
export const startWorkers: StartHook = async ({ config, mode, policy, logger, metrics, store, queue, linearHealth }) => {
  const log = toLogFunction(logger);
  const gateway: LinearApiGateway | null = config.LINEAR_API_KEY
    ? createLinearGateway({
        apiKey: config.LINEAR_API_KEY,
        apiUrl: config.LINEAR_API_URL,
        onFault: metrics.reportFault,
        timeoutMs: config.LINEAR_TIMEOUT_MS,
        requestsPerHour: config.LINEAR_REQUESTS_PER_HOUR,
        onCall: (call) => linearHealth.observe(call),
      })
    : null;
  // Changes made with our own API key are never reacted to (loop prevention): nothing is
  // processed or sent until this is known.
  let viewerId: string | null = null;

  // What this instance had claimed when it last stopped (a crash) is due now, not after its lease.
  const released = await queue.releaseOwnClaims(new Date().toISOString());
  if (released.deliveries + released.actions > 0) log({ level: 'info', msg: 'took back unfinished work of the previous run', instanceId: queue.instanceId, ...released });

  const sender = createOutboxSender({ queue, gateway, mode, log, metrics, ready: () => gateway === null || viewerId !== null });
  const worker = createInboxWorker({
    queue,
    log,
    metrics: { observeDelivery: (_outcome, seconds) => metrics.deliveryProcessingSeconds.observe(seconds) },
    isExclusive: takesBaseline,
    process: async (delivery) => {
      if (gateway && viewerId === null) throw new WaitForLinear("waiting to read the API key's user from Linear");
      try {
        const processed = await processDelivery(delivery, {
          store, queue, gateway, settings: { policy, mode }, log, now: () => new Date().toISOString(), viewerId,
        });
        if (processed.actions > 0) sender.wake();
        return processed;
      } catch (error) {
        // Linear away or rate limited is not the delivery's fault: it waits without spending attempts.
        if (error instanceof LinearReadError && error.retryable) throw new WaitForLinear(error.message, error.retryAfterMs);
        throw error;
      }
    },
  });

  // Linear answers again after an outage: what waited for it goes now, not at the end of its
  // backoff. Once more after the call timeout: sends that were in flight when Linear came back
  // failed after the first pass and were scheduled minutes ahead.
  linearHealth.onRecovered(() => {
    expedite();
    const again = setTimeout(expedite, config.LINEAR_TIMEOUT_MS + 1_000);
    again.unref?.();
  });
  const expedite = (): void => {
    void queue.expediteWaiting(new Date().toISOString()).then(
      (count) => {
        log({ level: 'info', msg: 'Linear answers again; sending what waited', expedited: count });
        sender.wake();
        worker.wake();
      },
      (error: unknown) => log({ level: 'error', msg: 'could not expedite the waiting actions', error: describeError(error) }),
    );
  };

  let stopped = false;
  let probeTimer: NodeJS.Timeout | null = null;
  let probing: Promise<void> | null = null;
  // With an API key, nothing can be processed or sent before the viewer is read, so the workers
  // start then: claiming meanwhile only rescheduled each due item with a growing wait (up to a
  // minute for deliveries), and on PGlite those writes delayed the viewer read itself (a restart
  // after kill -9 spent 6 s there and the next minute waiting; BENCHMARKS.md "Reliability").
  let running = false;
  function startRunning(): void {
    if (running || stopped) return;
    running = true;
    sender.start();
    worker.start();
  }
  // Reads the viewer until it is known, then keeps asking Linear (one cheap request) while its
  // last call got no answer, so recovery is noticed even when nothing else is due.
  const probe = async (failures: number): Promise<void> => {
    if (!gateway || stopped) return;
    let ok = false;
    try {
      if (viewerId === null) {
        viewerId = (await gateway.fetchViewer()).id;
        linearHealth.setViewerKnown();
        log({ level: 'info', msg: "read the API key's user from Linear", viewerId });
        startRunning();
      } else if (linearHealth.snapshot().status !== 'ok') {
        await gateway.fetchViewer(true);
      }
      ok = true;
    } catch (error) {
      if (failures === 0) log({ level: 'warn', msg: 'Linear cannot be reached; deliveries are taken and wait, actions wait in the outbox', error: describeError(error) });
    }
    if (stopped) return;
    const delay = ok ? 5_000 : computeBackoffMs({ attempt: failures + 1, random: Math.random(), baseMs: 1_000, maxMs: PROBE_MAX_MS });
    probeTimer = setTimeout(() => (probing = probe(ok ? 0 : failures + 1)), delay);
    probeTimer.unref?.();
  };
  probing = probe(0);

  if (!gateway) startRunning();
  return {
    onDeliveryStored: () => worker.wake(),
    async stop() {
      stopped = true;
      if (probeTimer) clearTimeout(probeTimer);
      await probing;
      await worker.stop();
      await sender.stop();
    },
  };
};


/**
 * A comment with a `/baseline` command snapshots every issue of its team, so the worker runs it
 * alone: after the deliveries started before it and before any later one.
 */
export function takesBaseline(delivery: InboxDelivery): boolean {
  if (delivery.eventType !== 'Comment') return false;
  const parsed = parseWebhook(typeof delivery.body === 'string' ? safeJson(delivery.body) : delivery.body);
  return parsed.ok && parsed.value.kind === 'comment' && parseCommands(parsed.value.event.data.body).some((command) => command.name === 'baseline');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
