import { createMetrics } from '../../linear-adapter/service/create-metrics';
import { deriveActionId, type LinearAction } from '../../linear-adapter/gateway/linear-action';
import { createLinearGateway } from '../../linear-adapter/gateway/linear-gateway';
import { useOutboxHarness } from './outbox-harness';

// The outbox sender with the real SQL outbox (PGlite), the real @linear/sdk and the Linear stand-in.
// Time is passed to drainOnce, so retries are stepped through without waiting.

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

const comment: LinearAction = { type: 'comment', id: deriveActionId('delivery-1', 'refusal'), issueId: 'iss-1', body: 'Scopekeeper moved this back: no sign-off yet.' };
const revert: LinearAction = { type: 'set_state', id: deriveActionId('delivery-1', 'revert'), issueId: 'iss-1', stateId: 'st-doing' };

describe('outbox sender', () => {
  const h = useOutboxHarness();
  const sender = h.sender;

  async function outboxRow(id: string) {
    const failed = await h.queue.listFailedActions(10);
    return failed.find((e) => e.id === id) ?? null;
  }

  it('sends the revert and then the comment, one issue\'s actions in the order they were decided', async () => {
    await h.queue.enqueueActions([revert, comment], 'delivery-1', at(0));
    const out = sender();
    expect(await out.drainOnce(at(0))).toMatchObject({ sent: 1 });
    expect(await out.drainOnce(at(0))).toMatchObject({ sent: 1 });
    const mutations = h.linear.operations().filter((o) => o.query.trimStart().startsWith('mutation')).map((o) => o.operationName);
    expect(mutations).toEqual(['updateIssue', 'createComment']);
    expect(h.linear.issue('iss-1')?.stateId).toBe('st-doing');
    expect(h.linear.comments('iss-1')).toHaveLength(1);
  });

  it('sends a comment exactly once when the response was lost and the send is retried with the same client id', async () => {
    await h.queue.enqueueActions([comment], 'delivery-1', at(0));
    h.linear.failNext(1, 'lost-response');
    const out = sender();

    expect(await out.drainOnce(at(0))).toMatchObject({ retried: 1, sent: 0 });
    // Linear has the comment, but Scopekeeper did not hear back; the backoff (1 s at most) passes.
    expect(h.linear.comments('iss-1')).toHaveLength(1);
    expect(await out.drainOnce(at(1))).toMatchObject({ sent: 1 });

    expect(h.linear.comments('iss-1')).toEqual([expect.objectContaining({ id: comment.id, body: comment.body })]);
    const creates = h.linear.operations().filter((o) => o.operationName === 'createComment');
    expect(creates.map((o) => (o.variables.input as { id: string }).id)).toEqual([comment.id, comment.id]);
    expect(await out.drainOnce(at(600))).toMatchObject({ claimed: 0 });
  });

  it('waits as long as Linear says when rate limited (RatelimitedLinearError retryAfter)', async () => {
    await h.queue.enqueueActions([comment], 'delivery-1', at(0));
    h.linear.failNext(1, 'ratelimit', { retryAfterSeconds: 90 });
    let now = T0;
    const out = sender({}, { now: () => now });

    expect(await out.drainOnce(at(0))).toMatchObject({ retried: 1 });
    expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'action will be retried', nextAttemptAt: at(90) }));
    now = T0 + 89_000;
    expect(await out.drainOnce(at(89))).toMatchObject({ claimed: 0 });
    expect(h.linear.comments()).toHaveLength(0);
    now = T0 + 90_000;
    expect(await out.drainOnce(at(90))).toMatchObject({ sent: 1 });
    expect(h.linear.comments()).toHaveLength(1);
  });

  it('marks an action failed at once on a permanent error, so /healthz reports it, and logs why', async () => {
    const bad: LinearAction = { type: 'set_state', id: deriveActionId('delivery-2', 'revert'), issueId: 'iss-1', stateId: 'st-unknown' };
    await h.queue.enqueueActions([bad], 'delivery-2', at(0));
    const out = sender();

    expect(await out.drainOnce(at(0))).toMatchObject({ failed: 1 });
    expect(await h.queue.countFailedActions()).toBe(1);
    expect(await outboxRow(bad.id)).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/rejected the input/) });
    expect(h.logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'action failed', actionId: bad.id }));
    expect(await out.drainOnce(at(3600))).toMatchObject({ claimed: 0 });
  });

  it('marks every action failed when Linear refuses the API key', async () => {
    await h.queue.enqueueActions([comment], 'delivery-1', at(0));
    const out = sender({ gateway: createLinearGateway({ apiKey: 'lin_api_revoked', apiUrl: h.linear.url }) });
    expect(await out.drainOnce(at(0))).toMatchObject({ failed: 1 });
    expect((await outboxRow(comment.id))?.lastError).toMatch(/LINEAR_API_KEY/);
  });

  it('gives up after the last attempt when Linear keeps failing, with backoff growing between attempts', async () => {
    await h.queue.enqueueActions([comment], 'delivery-1', at(0));
    h.linear.failNext(3, 'server-error');
    const out = sender({ backoff: { maxAttempts: 3, random: () => 1 } });

    expect(await out.drainOnce(at(0))).toMatchObject({ retried: 1 });
    expect(await out.drainOnce(at(0.9))).toMatchObject({ claimed: 0 });
    expect(await out.drainOnce(at(1))).toMatchObject({ retried: 1 });
    expect(await out.drainOnce(at(2.9))).toMatchObject({ claimed: 0 });
    expect(await out.drainOnce(at(3))).toMatchObject({ failed: 1 });
    expect((await outboxRow(comment.id))?.lastError).toMatch(/gave up after 3 attempts/);
    expect(h.linear.comments()).toHaveLength(0);
  });

  it('counts sent, retried and failed actions in scopekeeper_linear_actions_total', async () => {
    const metrics = createMetrics();
    await h.queue.enqueueActions([comment], 'delivery-1', at(0));
    h.linear.failNext(1, 'server-error');
    const out = sender({ metrics });
    await out.drainOnce(at(0));
    await out.drainOnce(at(5));
    const text = await metrics.registry.metrics();
    expect(text).toContain('scopekeeper_linear_actions_total{type="comment",result="retried"} 1');
    expect(text).toContain('scopekeeper_linear_actions_total{type="comment",result="sent"} 1');
  });

  describe('shadow mode', () => {
    it('sends nothing to Linear, logs each action it would send and marks it sent', async () => {
      await h.queue.enqueueActions([revert, comment], 'delivery-1', at(0));
      const out = sender({ mode: 'shadow' });
      await out.drainOnce(at(0));
      await out.drainOnce(at(0));

      expect(h.linear.operations()).toEqual([]);
      expect(h.linear.issue('iss-1')?.stateId).toBe('st-done');
      const wouldSend = h.logs.filter((l) => l.msg === 'would send');
      expect(wouldSend).toEqual([
        expect.objectContaining({ shadow: true, type: 'set_state', action: revert }),
        expect.objectContaining({ shadow: true, type: 'comment', action: comment }),
      ]);
      expect(await out.drainOnce(at(60))).toMatchObject({ claimed: 0 });
    });

    it('runs in shadow mode when there is no API key, even if enforce was asked for', async () => {
      await h.queue.enqueueActions([comment], 'delivery-1', at(0));
      const out = sender({ gateway: null, mode: 'enforce' });
      expect(await out.drainOnce(at(0))).toMatchObject({ shadowed: 1, sent: 0 });
      expect(h.linear.operations()).toEqual([]);
    });
  });

  it('sends to several issues at once while running, each issue\'s revert before its comment', async () => {
    const issues = ['iss-1', 'iss-2', 'iss-3'];
    h.linear.seed({ issues: issues.slice(1).map((id) => ({ id, teamId: 'team-eng', stateId: 'st-done', title: `Issue ${id}` })) });
    const gateway = createLinearGateway({ apiKey: 'lin_api_test', apiUrl: h.linear.url });
    let sending = 0;
    let mostAtOnce = 0;
    const counting = {
      ...gateway,
      send: async (action: LinearAction) => {
        sending += 1;
        mostAtOnce = Math.max(mostAtOnce, sending);
        try {
          return await gateway.send(action);
        } finally {
          sending -= 1;
        }
      },
    };
    const now = new Date().toISOString();
    for (const issueId of issues) {
      await h.queue.enqueueActions(
        [
          { type: 'set_state', id: deriveActionId(issueId, 'revert'), issueId, stateId: 'st-doing' },
          { type: 'comment', id: deriveActionId(issueId, 'refusal'), issueId, body: `Moved ${issueId} back: no sign-off yet.` },
        ],
        `delivery-${issueId}`,
        now,
      );
    }
    const out = sender({ gateway: counting, intervalMs: 10 });
    out.start();
    try {
      await waitFor(() => issues.every((issueId) => h.linear.comments(issueId).length === 1));
    } finally {
      await out.stop();
    }
    expect(mostAtOnce).toBe(3);
    for (const issueId of issues) {
      const mutations = h.linear.operations().filter((o) => o.query.trimStart().startsWith('mutation') && JSON.stringify(o.variables).includes(issueId));
      expect(mutations.map((o) => o.operationName)).toEqual(['updateIssue', 'createComment']);
      expect(h.linear.issue(issueId)?.stateId).toBe('st-doing');
    }
  });

  it('logs and counts a failed claim while running, and claims again after its pause', async () => {
    const metrics = createMetrics();
    const claim = jest.spyOn(h.queue, 'claimDueActions').mockRejectedValueOnce(new Error('connection refused'));
    const out = sender({ metrics, intervalMs: 10 });
    out.start();
    await waitFor(() => claim.mock.calls.length >= 2);
    await out.stop();
    claim.mockRestore();
    expect(h.logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'outbox drain failed', kind: 'outbox_claim_failed', error: 'connection refused' }));
    expect(await metrics.registry.metrics()).toContain('scopekeeper_faults_total{source="send-outbox",kind="outbox_claim_failed"} 1');
  });

  it('counts a comment refused as a duplicate id as sent, and logs and counts that fallback', async () => {
    const metrics = createMetrics({ logger: { warn: () => undefined } });
    await h.queue.enqueueActions([comment], 'delivery-1', at(0));
    h.linear.failNext(1, 'lost-response');
    const out = sender({ gateway: createLinearGateway({ apiKey: 'lin_api_test', apiUrl: h.linear.url, onFault: metrics.reportFault }) });
    expect(await out.drainOnce(at(0))).toMatchObject({ retried: 1 });
    expect(await out.drainOnce(at(1))).toMatchObject({ sent: 1 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('scopekeeper_faults_total{source="linear-gateway",kind="comment_already_created"} 1');
    expect(text).toContain('scopekeeper_faults_total{source="linear-gateway",kind="comment_lookup_failed"} 0');
  });

  it('sends what is enqueued while running, and stops cleanly', async () => {
    const out = sender({ intervalMs: 10 });
    out.start();
    await h.queue.enqueueActions([revert, comment], 'delivery-1', new Date().toISOString());
    out.wake();
    await waitFor(() => h.linear.comments('iss-1').length === 1);
    await out.stop();
    expect(h.linear.issue('iss-1')?.stateId).toBe('st-doing');
    expect(h.linear.comments('iss-1')).toHaveLength(1);
  });
});

async function waitFor(condition: () => boolean, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
