import { sql } from 'kysely';
import { createLinearGateway, followPages, type CallResult } from '../../linear-adapter/gateway/linear-gateway';
import { deriveActionId, type LinearAction } from '../../linear-adapter/gateway/linear-action';
import { createRequestPacer } from '../../linear-adapter/gateway/pace-requests';
import { openQueueStore, type SqlQueueStore } from '../../linear-adapter/queue/queue-store';
import { createOutboxSender, type LogEntry, type OutboxSenderOptions } from '../../linear-adapter/queue/send-outbox';
import { openStore } from '../../src/store/open-store';
import type { SqlStore } from '../../src/store/sql-store';
import { startLinearStandIn, type LinearStandIn } from '../support/linear-stand-in';

// The outbox through Linear outages (docs/adr/0008-keyed-worker-retry-health.md): the real SQL
// outbox (PGlite), the real @linear/sdk and the stand-in answering 500, rate limiting, hanging
// or refusing connections until told otherwise. Time is passed to drainOnce, so an outage of
// many minutes is stepped through without waiting for it.

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (ms: number): string => new Date(T0 + ms).toISOString();

const revert: LinearAction = { type: 'set_state', id: deriveActionId('delivery-1', 'revert'), issueId: 'iss-1', stateId: 'st-doing' };
const comment: LinearAction = {
  type: 'comment',
  id: deriveActionId('delivery-1', 'comment'),
  issueId: 'iss-1',
  body: 'ENG-1 cannot move to Done yet, so Scopekeeper moved it back.',
  after: { actionId: revert.id, bodyIfRefused: 'ENG-1 cannot be in Done yet. Scopekeeper tried to move it back, but Linear refused the change.' },
};

describe('the outbox through Linear outages', () => {
  let linear: LinearStandIn;
  let store: SqlStore;
  let queue: SqlQueueStore;
  let logs: LogEntry[];
  let calls: CallResult[];

  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    queue = await openQueueStore(store);
  });
  afterAll(() => store.close());

  beforeEach(async () => {
    await sql`delete from linear_outbox`.execute(store.database);
    linear = await startLinearStandIn(
      {
        teams: [{ id: 'team-eng', key: 'ENG' }],
        states: [
          { id: 'st-doing', name: 'In Progress', type: 'started', teamId: 'team-eng' },
          { id: 'st-done', name: 'Done', type: 'completed', teamId: 'team-eng' },
        ],
        issues: [{ id: 'iss-1', teamId: 'team-eng', stateId: 'st-done', title: 'Invite teammates' }],
      },
      { apiKey: 'lin_api_test', budgets: false },
    );
    logs = [];
    calls = [];
  });
  afterEach(() => linear.close());

  // A timeout long enough for a busy test machine; the hang test sets a short one.
  function sender(overrides: Partial<OutboxSenderOptions> = {}, timeoutMs = 5_000) {
    return createOutboxSender({
      queue,
      gateway: createLinearGateway({ apiKey: 'lin_api_test', apiUrl: linear.url, timeoutMs, requestsPerHour: null, onCall: (call) => calls.push(call) }),
      mode: 'enforce',
      log: (entry) => logs.push(entry),
      backoff: { random: () => 1 },
      ...overrides,
    });
  }

  const attemptsOf = async (id: string) =>
    (await sql<{ attempts: number; status: string }>`select attempts, status from linear_outbox where id = ${id}`.execute(store.database)).rows[0];
  const mutations = () => linear.operations().filter((o) => o.query.trimStart().startsWith('mutation') && o.errors.length === 0);
  /** The time the last retry was scheduled for. */
  const nextAttempt = () => Date.parse(String([...logs].reverse().find((l) => l.msg === 'action will be retried')?.nextAttemptAt));

  it('keeps retrying through a long run of 500s, waiting at most five minutes between attempts, and sends once after recovery', async () => {
    await queue.enqueueActions([revert], 'delivery-1', at(0));
    await linear.outage('server-error');
    const out = sender();
    let now = T0;
    const waits: number[] = [];
    for (let attempt = 0; attempt < 20; attempt += 1) {
      expect(await out.drainOnce(new Date(now).toISOString())).toMatchObject({ retried: 1 });
      waits.push(nextAttempt() - now);
      now = nextAttempt();
    }
    // Far past the old limit of 8 attempts, and still waiting, not given up.
    expect(await attemptsOf(revert.id)).toEqual({ attempts: 20, status: 'pending' });
    expect(Math.max(...waits)).toBe(300_000);
    expect(waits.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);

    await linear.outage(null);
    expect(await out.drainOnce(new Date(now).toISOString())).toMatchObject({ sent: 1 });
    expect(mutations().map((o) => o.operationName)).toEqual(['updateIssue']);
    expect(linear.issue('iss-1')?.stateId).toBe('st-doing');
  });

  it("waits as long as Linear's Retry-After says on a rate limit, for as long as it lasts, without using up attempts", async () => {
    await queue.enqueueActions([revert], 'delivery-1', at(0));
    await linear.outage('ratelimit', { retryAfterSeconds: 2 });
    const out = sender();
    let now = T0;
    for (let i = 0; i < 40; i += 1) {
      expect(await out.drainOnce(new Date(now).toISOString())).toMatchObject({ retried: 1 });
      expect(nextAttempt() - now).toBe(2000);
      now = nextAttempt();
    }
    expect(await attemptsOf(revert.id)).toEqual({ attempts: 0, status: 'pending' });
    await linear.outage(null);
    expect(await out.drainOnce(new Date(now).toISOString())).toMatchObject({ sent: 1 });
    expect(linear.issue('iss-1')?.stateId).toBe('st-doing');
  });

  it('abandons a call Linear does not answer after the timeout, says so, and sends it once Linear answers again', async () => {
    await queue.enqueueActions([revert], 'delivery-1', at(0));
    await linear.outage('hang');
    const out = sender({}, 300);
    expect(await out.drainOnce(at(0))).toMatchObject({ retried: 1 });
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'action will be retried', error: expect.stringMatching(/did not answer within 300 ms/) }));
    expect(calls).toContainEqual({ answered: false, kind: 'unreachable', error: 'no answer within 300 ms' });
    await linear.outage(null);
    expect(await sender().drainOnce(at(1000))).toMatchObject({ sent: 1 });
    expect(calls.at(-1)).toEqual({ answered: true });
  });

  it('retries while Linear refuses connections, and sends once it is back', async () => {
    await queue.enqueueActions([revert], 'delivery-1', at(0));
    await linear.outage('down');
    const out = sender();
    expect(await out.drainOnce(at(0))).toMatchObject({ retried: 1 });
    expect(calls.at(-1)).toMatchObject({ answered: false, kind: 'unreachable' });
    await linear.outage(null);
    expect(await out.drainOnce(at(1000))).toMatchObject({ sent: 1 });
    expect(linear.issue('iss-1')?.stateId).toBe('st-doing');
  });

  it('posts the explaining comment only after its revert was sent, with the text for a revert that happened', async () => {
    await queue.enqueueActions([revert, comment], 'delivery-1', at(0));
    await linear.outage('server-error');
    const out = sender();
    expect(await out.drainOnce(at(0))).toMatchObject({ retried: 1 });
    // The comment is held back while its revert waits.
    expect(await out.drainOnce(at(500))).toMatchObject({ claimed: 0 });
    await linear.outage(null);
    expect(await out.drainOnce(at(1000))).toMatchObject({ sent: 1 });
    expect(await out.drainOnce(at(1000))).toMatchObject({ sent: 1 });
    expect(mutations().map((o) => o.operationName)).toEqual(['updateIssue', 'createComment']);
    expect(linear.comments('iss-1').map((c) => c.body)).toEqual([comment.body]);
  });

  it('says in the comment that Linear refused the revert when it did, instead of claiming the issue was moved back', async () => {
    const refused: LinearAction = { ...revert, stateId: 'st-unknown' };
    await queue.enqueueActions([refused, comment], 'delivery-1', at(0));
    const out = sender();
    expect(await out.drainOnce(at(0))).toMatchObject({ failed: 1 });
    expect(await out.drainOnce(at(0))).toMatchObject({ sent: 1 });
    expect(linear.issue('iss-1')?.stateId).toBe('st-done');
    expect(linear.comments('iss-1').map((c) => c.body)).toEqual([comment.after!.bodyIfRefused]);
  });

  it('does not send a revert again when the issue is in that state already (sent before a crash)', async () => {
    linear.updateIssue('iss-1', { stateId: 'st-doing' });
    await queue.enqueueActions([revert], 'delivery-1', at(0));
    expect(await sender().drainOnce(at(0))).toMatchObject({ sent: 1 });
    expect(mutations()).toEqual([]);
  });

  it('takes back its own claims at once after a crash, and leaves another instance\'s alone', async () => {
    const mine = await openQueueStore(store, { instanceId: 'host-a:3000' });
    const theirs = await openQueueStore(store, { instanceId: 'host-b:3000' });
    const other: LinearAction = { ...revert, id: deriveActionId('delivery-2', 'revert'), issueId: 'iss-2' };
    await mine.enqueueActions([revert, other], 'delivery-1', at(0));
    expect(await mine.claimDueActions(1, at(0))).toHaveLength(1);
    expect(await theirs.claimDueActions(1, at(0))).toHaveLength(1);
    // Killed: both claims are leased for 5 minutes. The restarted host-a takes back its own only.
    expect(await mine.releaseOwnClaims(at(1000))).toEqual({ deliveries: 0, actions: 1 });
    expect((await mine.claimDueActions(10, at(1000))).map((e) => e.action.id)).toEqual([revert.id]);
  });
});

describe('bounded paging', () => {
  it('stops on a cursor Linear gives a second time, and says so', async () => {
    const stops: string[] = [];
    let fetched = 0;
    const connection = { pageInfo: { hasNextPage: true, endCursor: 'c1' }, fetchNext: async () => void (fetched += 1) };
    await followPages(connection, { what: 'workflow states', maxPages: 100, onStop: (m) => stops.push(m) });
    expect(fetched).toBe(1);
    expect(stops).toEqual(['reading workflow states stopped after 2 pages: Linear gave the cursor c1 a second time; using what was read']);
  });

  it('stops at the page limit with a new cursor on every page', async () => {
    const stops: string[] = [];
    let fetched = 0;
    const connection = {
      pageInfo: { hasNextPage: true, endCursor: 'c0' as string | null },
      fetchNext: async () => {
        fetched += 1;
        connection.pageInfo.endCursor = `c${fetched}`;
      },
    };
    await followPages(connection, { what: 'teams', maxPages: 5, onStop: (m) => stops.push(m) });
    expect(fetched).toBe(4);
    expect(stops).toEqual([expect.stringContaining('the limit of 5 pages was reached')]);
  });
});

describe('the request budget per API key', () => {
  it('lets a burst up to the budget through, then paces requests at the hourly rate', async () => {
    let clock = 0;
    const slept: number[] = [];
    const pacer = createRequestPacer({ perHour: 3_600, now: () => clock, sleep: async (ms) => void (slept.push(ms), (clock += ms)) });
    for (let i = 0; i < 3_600; i += 1) await pacer.take();
    expect(slept).toEqual([]);
    await pacer.take();
    await pacer.take();
    // 3,600 an hour: one a second once the bucket is empty.
    expect(slept).toEqual([1000, 1000]);
    expect(pacer.remaining()).toBe(0);
  });
});
