import { toLogFunction } from '../service/create-logger';
import { createInboxWorker } from './drain-inbox';
import { createLinearGateway } from '../gateway/linear-gateway';
import { parseCommands } from '../decide/parse-commands';
import { parseWebhook } from '../ingress/parse-webhook';
import { processDelivery } from '../decide/process-delivery';
import type { InboxDelivery } from './queue-types';
import { createOutboxSender } from './send-outbox';
import type { StartHook } from '../service/start-service';

/** The inbox worker and the outbox sender, started with the HTTP service (`npm start`). */
export const startWorkers: StartHook = async ({ config, mode, policy, logger, metrics, store, queue }) => {
  const log = toLogFunction(logger);
  const gateway = config.LINEAR_API_KEY ? createLinearGateway({ apiKey: config.LINEAR_API_KEY, apiUrl: config.LINEAR_API_URL, onFault: metrics.reportFault }) : null;
  // Changes made with our own API key are never reacted to (loop prevention).
  const viewerId = gateway ? (await gateway.fetchViewer()).id : null;
  const sender = createOutboxSender({ queue, gateway, mode, log, metrics });
  const worker = createInboxWorker({
    queue,
    log,
    metrics: { observeDelivery: (_outcome, seconds) => metrics.deliveryProcessingSeconds.observe(seconds) },
    isExclusive: takesBaseline,
    process: async (delivery) => {
      const processed = await processDelivery(delivery, {
        store, queue, gateway, settings: { policy, mode }, log, now: () => new Date().toISOString(), viewerId,
      });
      if (processed.actions > 0) sender.wake();
      return processed;
    },
  });
  sender.start();
  worker.start();
  return {
    onDeliveryStored: () => worker.wake(),
    async stop() {
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
