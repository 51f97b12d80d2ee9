import { toLogFunction } from './create-logger';
import { createInboxWorker } from './drain-inbox';
import { createLinearGateway } from './linear-gateway';
import { processDelivery } from './process-delivery';
import { createOutboxSender } from './send-outbox';
import type { StartHook } from './start-service';

/** The inbox worker and the outbox sender, started with the HTTP service (`npm start`). */
export const startWorkers: StartHook = async ({ config, mode, policy, logger, metrics, store, queue }) => {
  const log = toLogFunction(logger);
  const gateway = config.LINEAR_API_KEY ? createLinearGateway({ apiKey: config.LINEAR_API_KEY, apiUrl: config.LINEAR_API_URL }) : null;
  // Changes made with our own API key are never reacted to (loop prevention).
  const viewerId = gateway ? (await gateway.fetchViewer()).id : null;
  const sender = createOutboxSender({ queue, gateway, mode, log, metrics });
  const worker = createInboxWorker({
    queue,
    log,
    metrics: { observeDelivery: (_outcome, seconds) => metrics.deliveryProcessingSeconds.observe(seconds) },
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

