import type { SqlQueueStore } from '../queue/queue-store';

// `scopekeeper deliveries list|retry <id>|drop <id>`: the inbox's dead letters, i.e. deliveries
// given up on after their attempt budget or at once on a permanent error. They no longer hold
// back their issue; an operator looks at the error, then retries (after a fix) or drops them.

export type DeliveriesCommand = { name: 'list'; limit: number } | { name: 'retry'; deliveryId: string } | { name: 'drop'; deliveryId: string };

export interface DeliveriesCommandInput {
  queue: Pick<SqlQueueStore, 'listFailedDeliveries' | 'retryFailedDelivery' | 'dropFailedDelivery' | 'countFailedDeliveries'>;
  command: DeliveriesCommand;
  /** ISO time. */
  now: string;
  out: (line: string) => void;
  fail: (line: string) => void;
}

/** Runs one subcommand; answers the exit code (0 done, 1 no such dead letter). */
export async function runDeliveriesCommand(input: DeliveriesCommandInput): Promise<number> {
  const { queue, command, now, out, fail } = input;
  switch (command.name) {
    case 'list': {
      const [total, letters] = await Promise.all([queue.countFailedDeliveries(), queue.listFailedDeliveries(command.limit)]);
      if (total === 0) {
        out('No deliveries were given up on.');
        return 0;
      }
      out(`${total} ${total === 1 ? 'delivery was' : 'deliveries were'} given up on${total > letters.length ? ` (newest ${letters.length} shown)` : ''}:`);
      for (const d of letters) {
        out(`  ${d.deliveryId}  ${d.eventType} ${d.action}, issue ${d.orderingKey ?? '-'}, received ${d.receivedAt}, ${d.attempts} attempts, given up ${d.failedAt ?? '-'}`);
        out(`    error: ${d.lastError ?? '(none recorded)'}`);
      }
      out('Retry one with `scopekeeper deliveries retry <id>` once its cause is fixed, or drop it with `scopekeeper deliveries drop <id>`.');
      return 0;
    }
    case 'retry':
      if (await queue.retryFailedDelivery(command.deliveryId, now)) {
        out(`Delivery ${command.deliveryId} is back in the inbox with a fresh attempt budget; the running service processes it next.`);
        return 0;
      }
      fail(`No delivery ${command.deliveryId} was given up on; \`scopekeeper deliveries list\` shows those that were.`);
      return 1;
    case 'drop':
      if (await queue.dropFailedDelivery(command.deliveryId, now)) {
        out(`Dropped delivery ${command.deliveryId}: it stays stored as dropped, and is not processed.`);
        return 0;
      }
      fail(`No delivery ${command.deliveryId} was given up on; \`scopekeeper deliveries list\` shows those that were.`);
      return 1;
  }
}
