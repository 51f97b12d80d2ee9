import { sql } from 'kysely';
import { createLinearGateway, type LinearGatewayOptions } from '../../linear-adapter/gateway/linear-gateway';
import { openQueueStore, type SqlQueueStore } from '../../linear-adapter/queue/queue-store';
import { createOutboxSender, type LogEntry, type OutboxSender, type OutboxSenderOptions } from '../../linear-adapter/queue/send-outbox';
import { openStore } from '../../src/store/open-store';
import type { SqlStore } from '../../src/store/sql-store';
import { startLinearStandIn, type LinearStandIn, type LinearStandInOptions } from '../support/linear-stand-in';

// The outbox sender's test bench, shared by send-outbox.test.ts and outages.test.ts: the real
// SQL outbox (one PGlite for the file, since opening and migrating one takes seconds; emptied
// before each test), the real @linear/sdk and a fresh Linear stand-in per test with one team,
// two states and issue iss-1 in Done.

export interface OutboxHarness {
  readonly store: SqlStore;
  readonly queue: SqlQueueStore;
  readonly linear: LinearStandIn;
  /** The sender's log lines of the current test. */
  readonly logs: LogEntry[];
  /** A sender on a new gateway to the stand-in; `gateway` adds to the file's gateway options. */
  sender(overrides?: Partial<OutboxSenderOptions>, gateway?: Partial<LinearGatewayOptions>): OutboxSender;
}

export interface OutboxHarnessOptions {
  /** Options of each test's stand-in (e.g. `budgets: false`). */
  standIn?: Omit<LinearStandInOptions, 'apiKey'>;
  /** Gateway options for every sender of the file, read when a sender is made. */
  gateway?: () => Partial<LinearGatewayOptions>;
}

export const TEST_API_KEY = 'lin_api_test';

/** Registers the hooks of one describe block and returns what its tests use. */
export function useOutboxHarness(options: OutboxHarnessOptions = {}): OutboxHarness {
  let store: SqlStore | null = null;
  let queue: SqlQueueStore | null = null;
  let linear: LinearStandIn | null = null;
  let logs: LogEntry[] = [];
  const ready = <T>(value: T | null, what: string): T => {
    if (value === null) throw new Error(`outbox harness: ${what} is used outside a test`);
    return value;
  };

  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    queue = await openQueueStore(store);
  });
  afterAll(() => store?.close());

  beforeEach(async () => {
    await sql`delete from linear_outbox`.execute(ready(store, 'the store').database);
    linear = await startLinearStandIn(
      {
        teams: [{ id: 'team-eng', key: 'ENG' }],
        states: [
          { id: 'st-doing', name: 'In Progress', type: 'started', teamId: 'team-eng' },
          { id: 'st-done', name: 'Done', type: 'completed', teamId: 'team-eng' },
        ],
        issues: [{ id: 'iss-1', teamId: 'team-eng', stateId: 'st-done', title: 'Invite teammates' }],
      },
      { apiKey: TEST_API_KEY, ...options.standIn },
    );
    logs = [];
  });
  afterEach(() => linear?.close());

  return {
    get store() {
      return ready(store, 'the store');
    },
    get queue() {
      return ready(queue, 'the queue');
    },
    get linear() {
      return ready(linear, 'the stand-in');
    },
    get logs() {
      return logs;
    },
    sender(overrides = {}, gateway = {}) {
      return createOutboxSender({
        queue: ready(queue, 'the queue'),
        gateway: createLinearGateway({ apiKey: TEST_API_KEY, apiUrl: ready(linear, 'the stand-in').url, ...options.gateway?.(), ...gateway }),
        mode: 'enforce',
        log: (entry) => logs.push(entry),
        backoff: { random: () => 1 },
        ...overrides,
      });
    },
  };
}
