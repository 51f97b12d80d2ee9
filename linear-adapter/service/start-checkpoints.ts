import { describeError } from '../../src/store/report-fault';
import { writeCheckpoint } from '../../src/store/write-checkpoint';
import type { ServiceContext, ServiceHook } from './start-service';

// The service writes a signed checkpoint of every history head at start, every interval and at
// shutdown (src/store/write-checkpoint.ts); `scopekeeper verify` compares the database with the newest.

export const CHECKPOINT_INTERVAL_MS = 5 * 60_000;

export function startCheckpoints(context: ServiceContext, intervalMs = CHECKPOINT_INTERVAL_MS): ServiceHook {
  const { store, config, logger } = context;
  let writing: Promise<void> = Promise.resolve();
  const write = () =>
    (writing = writing.then(async () => {
      try {
        const file = await writeCheckpoint(store, config.SCOPEKEEPER_DATA_DIR, new Date().toISOString());
        if (file) logger.info({ file }, 'history checkpoint written');
      } catch (error) {
        // Tamper evidence is weaker until the next one succeeds; nothing else is at stake.
        context.metrics.reportFault({ source: 'checkpoints', kind: 'checkpoint_failed', message: `writing a history checkpoint failed (${describeError(error)})`, error });
      }
    }));
  void write();
  const timer = setInterval(() => void write(), intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await write();
    },
  };
}
