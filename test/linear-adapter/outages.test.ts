import { sql } from 'kysely';
import { followPages, type CallResult } from '../../linear-adapter/gateway/linear-gateway';
import { deriveActionId, type LinearAction } from '../../linear-adapter/gateway/linear-action';
import { createRequestPacer } from '../../linear-adapter/gateway/pace-requests';
import { openQueueStore } from '../../linear-adapter/queue/queue-store';
import { useOutboxHarness } from './outbox-harness';

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
  let calls: CallResult[] = [];
  // A timeout long enough for a busy test machine; the hang test sets a short one.
  const h = useOutboxHarness({
    standIn: { budgets: false },
    gateway: () => ({ timeoutMs: 5_000, requestsPerHour: null, onCall: (call: CallResult) => calls.push(call) }),
  });
  beforeEach(() => (calls = []));
  const sender = h.sender;

  const attemptsOf = async (id: string) =>
    (await sql<{ attempts: number; status: string }>`select attempts, status from linear_outbox where id = ${id}`.execute(h.store.database)).rows[0];
  const mutations = () => h.linear.operations().filter((o) => o.query.trimStart().startsWith('mutation') && o.errors.length === 0);
  /** The time the last retry was scheduled for. */
  const nextAttempt = () => Date.parse(String([...h.logs].reverse().find((l) => l.msg === 'action will be retried')?.nextAttemptAt));

  it('keeps retrying through a long run of 500s, waiting at most five minutes between attempts, and sends once after recovery', async () => {
    await h.queue.enqueueActions([revert], 'delivery-1', at(0));
    await h.linear.outage('server-error');
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

    await h.linear.outage(null);
    expect(await out.drainOnce(new Date(now).toISOString())).toMatchObject({ sent: 1 });
    expect(mutations().map((o) => o.operationName)).toEqual(['updateIssue']);
    expect(h.linear.issue('iss-1')?.stateId).toBe('st-doing');
  });

  it("waits as long as Linear's Retry-After says on a rate limit, for as long as it lasts, without using up attempts", async () => {
    await h.queue.enqueueActions([revert], 'delivery-1', at(0));
    await h.linear.outage('ratelimit', { retryAfterSeconds: 2 });
    let now = T0;
    const out = sender({}, { now: () => now });
    for (let i = 0; i < 40; i += 1) {
      expect(await out.drainOnce(new Date(now).toISOString())).toMatchObject({ retried: 1 });
      expect(nextAttempt() - now).toBe(2000);
      now = nextAttempt();
    }
    expect(await attemptsOf(revert.id)).toEqual({ attempts: 0, status: 'pending' });
    // /healthz learns of the wait from the calls: an answer, with the time Linear gave.
    expect(calls[0]).toEqual({ answered: true, rateLimitedUntil: expect.any(Number) });
    await h.linear.outage(null);
    expect(await out.drainOnce(new Date(now).toISOString())).toMatchObject({ sent: 1 });
    expect(h.linear.issue('iss-1')?.stateId).toBe('st-doing');
    expect(calls[calls.length - 1]).toEqual({ answered: true });
  });

  it('holds every waiting action until the time Linear gave, sends one probe a wait, then sends all at once without using up attempts', async () => {
    const issues = Array.from({ length: 30 }, (_, i) => `iss-${i + 1}`);
    h.linear.seed({ issues: issues.slice(1).map((id) => ({ id, teamId: 'team-eng', stateId: 'st-done', title: id })) });
    const reverts: LinearAction[] = issues.map((issueId) => ({ type: 'set_state', id: deriveActionId(`close-${issueId}`, 'revert'), issueId, stateId: 'st-doing' }));
    await h.queue.enqueueActions(reverts, 'delivery-burst', at(0));
    await h.linear.outage('ratelimit', { retryAfterSeconds: 5 });
    let now = T0;
    const out = sender({}, { now: () => now });
    /** Steps the outbox until nothing more is due at `now`; returns what it sent and how many requests Linear got. */
    const drainDue = async () => {
      const before = h.linear.operations().length;
      let sent = 0;
      for (let claimed = 1; claimed > 0; ) ({ claimed, sent } = await out.drainOnce(new Date(now).toISOString()).then((r) => ({ claimed: r.claimed, sent: sent + r.sent })));
      return { sent, requests: h.linear.operations().length - before };
    };

    // The first senders (8 at once) meet the rate limit; every later one is held without a request.
    const first = await drainDue();
    expect(first).toEqual({ sent: 0, requests: 8 });
    // Through a 60 s limit, one request per wait Linear gave (the probe), however many actions wait.
    const probes: number[] = [];
    for (now = T0 + 5_000; now < T0 + 60_000; now += 5_000) probes.push((await drainDue()).requests);
    expect(probes).toEqual(Array(11).fill(1));

    // The limit ends: at the time Linear gave, every waiting action goes in the same step.
    await h.linear.outage(null);
    const after = await drainDue();
    expect(after.sent).toBe(30);
    expect(issues.every((id) => h.linear.issue(id)?.stateId === 'st-doing')).toBe(true);
    expect(mutations().filter((o) => o.operationName === 'updateIssue')).toHaveLength(30);
    for (const revertOf of reverts) expect(await attemptsOf(revertOf.id)).toEqual({ attempts: 0, status: 'sent' });
  });

  it('abandons a call Linear does not answer after the timeout, says so, and sends it once Linear answers again', async () => {
    await h.queue.enqueueActions([revert], 'delivery-1', at(0));
    await h.linear.outage('hang');
    const out = sender({}, { timeoutMs: 300 });
    expect(await out.drainOnce(at(0))).toMatchObject({ retried: 1 });
    expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'action will be retried', error: expect.stringMatching(/did not answer within 300 ms/) }));
    expect(calls).toContainEqual({ answered: false, kind: 'unreachable', error: 'no answer within 300 ms' });
    await h.linear.outage(null);
    expect(await sender().drainOnce(at(1000))).toMatchObject({ sent: 1 });
    expect(calls.at(-1)).toEqual({ answered: true });
  });

  it('retries while Linear refuses connections, and sends once it is back', async () => {
    await h.queue.enqueueActions([revert], 'delivery-1', at(0));
    await h.linear.outage('down');
    const out = sender();
    expect(await out.drainOnce(at(0))).toMatchObject({ retried: 1 });
    expect(calls.at(-1)).toMatchObject({ answered: false, kind: 'unreachable' });
    await h.linear.outage(null);
    expect(await out.drainOnce(at(1000))).toMatchObject({ sent: 1 });
    expect(h.linear.issue('iss-1')?.stateId).toBe('st-doing');
  });

  it('posts the explaining comment only after its revert was sent, with the text for a revert that happened', async () => {
    await h.queue.enqueueActions([revert, comment], 'delivery-1', at(0));
    await h.linear.outage('server-error');
    const out = sender();
    expect(await out.drainOnce(at(0))).toMatchObject({ retried: 1 });
    // The comment is held back while its revert waits.
    expect(await out.drainOnce(at(500))).toMatchObject({ claimed: 0 });
    await h.linear.outage(null);
    expect(await out.drainOnce(at(1000))).toMatchObject({ sent: 1 });
    expect(await out.drainOnce(at(1000))).toMatchObject({ sent: 1 });
    expect(mutations().map((o) => o.operationName)).toEqual(['updateIssue', 'createComment']);
    expect(h.linear.comments('iss-1').map((c) => c.body)).toEqual([comment.body]);
  });

  it('says in the comment that Linear refused the revert when it did, instead of claiming the issue was moved back', async () => {
    const refused: LinearAction = { ...revert, stateId: 'st-unknown' };
    await h.queue.enqueueActions([refused, comment], 'delivery-1', at(0));
    const out = sender();
    expect(await out.drainOnce(at(0))).toMatchObject({ failed: 1 });
    expect(await out.drainOnce(at(0))).toMatchObject({ sent: 1 });
    expect(h.linear.issue('iss-1')?.stateId).toBe('st-done');
    expect(h.linear.comments('iss-1').map((c) => c.body)).toEqual([comment.after!.bodyIfRefused]);
  });

  it('does not send a revert again when the issue is in that state already (sent before a crash)', async () => {
    await h.queue.enqueueActions([revert], 'delivery-1', at(0));
    // Claimed and sent, then the process died before it could mark the action sent.
    await h.queue.claimDueActions(10, at(0));
    h.linear.updateIssue('iss-1', { stateId: 'st-doing' });
    await h.queue.releaseOwnClaims(at(0));
    expect(await sender().drainOnce(at(0))).toMatchObject({ sent: 1 });
    expect(mutations()).toEqual([]);
  });

  it('sends a revert on its first claim without reading the issue first: it cannot have been sent before', async () => {
    await h.queue.enqueueActions([revert], 'delivery-1', at(0));
    expect(await sender().drainOnce(at(0))).toMatchObject({ sent: 1 });
    expect(h.linear.operations().map((o) => o.operationName)).toEqual(['updateIssue']);
    expect(h.linear.issue('iss-1')?.stateId).toBe('st-doing');
  });

  it('takes back its own claims at once after a crash, and leaves another instance\'s alone', async () => {
    const mine = await openQueueStore(h.store, { instanceId: 'host-a:3000' });
    const theirs = await openQueueStore(h.store, { instanceId: 'host-b:3000' });
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
