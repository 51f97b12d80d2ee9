import { sql } from 'kysely';
import { runReconcileCommand } from '../../linear-adapter/commands/run-reconcile-command';
import { createLinearGateway } from '../../linear-adapter/gateway/linear-gateway';
import { startWorkers } from '../../linear-adapter/queue/start-workers';
import { startLinearStandIn, type LinearStandIn } from '../support/linear-stand-in';
import { startHarness, type Harness } from './ingress/ingress-harness';
import { ANA, buildCommentPayload, buildIssuePayload, DEV, STATES, TEAM, waitFor, type TestState } from './service-scenario';

// The issue's "done when": the whole service as `npm start` runs it (HTTP ingress, inbox,
// worker, outbox sender) with the real @linear/sdk pointed at the local Linear stand-in.

const ISSUE_ID = 'b451181e-5bd9-4be1-b803-72c1ac662295';
const DESCRIPTION = [
  'Customers pay open invoices online.',
  '',
  '## Acceptance criteria',
  '- [ ] The invoice list shows each open invoice with its amount and due date',
  '- [ ] Paying an invoice shows a receipt number within 5 seconds',
].join('\n');

/** Scopekeeper's replies on an issue, without the status comment it keeps beside them. */
function repliesOn(linear: { comments(issueId: string): { body: string }[] }, issueId: string) {
  return linear.comments(issueId).filter((c) => !c.body.startsWith('**Scopekeeper: where'));
}

function issuePayload(action: 'create' | 'update', state: TestState, extra: Record<string, unknown> = {}) {
  return buildIssuePayload({ id: ISSUE_ID, identifier: 'ENG-580', description: DESCRIPTION }, action, state, extra);
}

function commentPayload(author: typeof ANA, body: string, id: string) {
  return buildCommentPayload(ISSUE_ID, author, author.id, body, id);
}

describe('Linear adapter end to end (enforce mode, real SDK against the local Linear)', () => {
  let linear: LinearStandIn;
  let harness: Harness;

  beforeAll(async () => {
    linear = await startLinearStandIn(
      {
        users: [DEV, ANA],
        teams: [TEAM],
        states: Object.values(STATES),
        issues: [{ id: ISSUE_ID, teamId: TEAM.id, stateId: STATES.progress.id, identifier: 'ENG-580', title: 'Pay invoices online', description: DESCRIPTION, assigneeId: DEV.id }],
      },
      { apiKey: 'lin_api_test' },
    );
    harness = await startHarness(
      {
        LINEAR_API_KEY: 'lin_api_test',
        LINEAR_API_URL: linear.url,
        SCOPEKEEPER_MODE: 'enforce',
        SCOPEKEEPER_APPROVERS: ANA.email,
      },
      { onStart: startWorkers },
    );
  });

  afterAll(async () => {
    await harness?.stop();
    await linear?.close();
  });

  const reverts = () =>
    linear.operations().filter((op) => /issueUpdate/.test(op.query) && JSON.stringify(op.variables).includes(STATES.progress.id));
  const outboxRows = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from linear_outbox`.execute(harness.service.context.store.database)).rows[0]!.n;
  const historyKinds = async () => {
    const page = await harness.service.context.store.queryHistory({ scopeId: `linear:${TEAM.id}`, limit: 100 });
    return page.records.map((r) => r.kind);
  };

  it('reverts a closure without sign-off once and explains it in one comment, then lets it close after an approver signs off', async () => {
    expect((await harness.deliver(issuePayload('create', STATES.progress))).status).toBe(200);
    await waitFor('the issue to be stored', async () => (await harness.service.context.store.getDeliverable('linear', ISSUE_ID)) !== null);
    await waitFor('the status comment', () => linear.comments(ISSUE_ID).length === 1);
    const commentsBefore = linear.comments(ISSUE_ID).length;

    // A developer moves the issue to Done in Linear; Linear then sends the update.
    linear.updateIssue(ISSUE_ID, { stateId: STATES.done.id });
    const closing = issuePayload('update', STATES.done, { updatedFrom: { stateId: STATES.progress.id, updatedAt: '2026-06-20T00:24:05.106Z' } });
    expect((await harness.deliver(closing)).status).toBe(200);

    await waitFor('the revert and the comment', () => linear.issue(ISSUE_ID)?.stateId === STATES.progress.id && linear.comments(ISSUE_ID).length > commentsBefore);
    await waitFor('the outbox to drain', async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from linear_outbox where status <> 'sent'`.execute(harness.service.context.store.database);
      return rows[0]!.n === 0;
    });
    expect(reverts()).toHaveLength(1);
    const refusal = linear.comments(ISSUE_ID).slice(commentsBefore);
    expect(refusal).toHaveLength(1);
    expect(refusal[0]!.body).toContain('status comment');
    expect(linear.comments(ISSUE_ID)[0]!.body).toContain('- An approver signs off the criteria.');
    expect(await historyKinds()).toContain('closure_refused');

    // The client's approver signs off in a comment.
    const repliesBefore = linear.comments(ISSUE_ID).length;
    expect((await harness.deliver(commentPayload(ANA, '/signoff Accepted for the client', '6a0b9d2e-1111-4222-8333-444455556666'))).status).toBe(200);
    await waitFor('the sign-off to be recorded', async () => (await historyKinds()).includes('signoff_recorded'));
    await waitFor('the confirming reply', () => linear.comments(ISSUE_ID).length > repliesBefore);

    // The same closure again: allowed, so nothing is sent.
    const outboxBefore = await outboxRows();
    const operationsBefore = linear.operations().length;
    const commentsAfterSignOff = linear.comments(ISSUE_ID).length;
    linear.updateIssue(ISSUE_ID, { stateId: STATES.done.id });
    expect((await harness.deliver(issuePayload('update', STATES.done, { updatedFrom: { stateId: STATES.progress.id } }))).status).toBe(200);
    await waitFor('the allowed closure to be recorded', async () => (await historyKinds()).includes('closure_allowed'));

    expect(await outboxRows()).toBe(outboxBefore);
    expect(reverts()).toHaveLength(1);
    expect(linear.issue(ISSUE_ID)?.stateId).toBe(STATES.done.id);
    expect(linear.comments(ISSUE_ID)).toHaveLength(commentsAfterSignOff);
    expect(linear.operations().filter((op) => /Create|Update/.test(op.operationName ?? '')).length).toBe(
      linear.operations().slice(0, operationsBefore).filter((op) => /Create|Update/.test(op.operationName ?? '')).length,
    );
  });
});

describe('the service when Linear cannot be reached at start', () => {
  let linear: LinearStandIn;
  let harness: Harness | undefined;

  afterEach(async () => {
    await harness?.stop();
    await linear?.close();
  });

  interface Health {
    status: string;
    reasons?: string[];
    linear: { status: string; viewerKnown: boolean };
    inbox: { backlog: number; failed: number };
    outbox: { backlog: number; failed: number };
  }
  const health = async () => (await (await fetch(`${harness!.url}/healthz`)).json()) as Health;

  it('starts, takes deliveries, says Linear is unreachable, and reverts the closure once Linear answers', async () => {
    linear = await startLinearStandIn(
      { users: [DEV, ANA], teams: [TEAM], states: Object.values(STATES), issues: [{ id: ISSUE_ID, teamId: TEAM.id, stateId: STATES.done.id, identifier: 'ENG-580', title: 'Pay invoices online', description: DESCRIPTION, assigneeId: DEV.id }] },
      { apiKey: 'lin_api_test' },
    );
    await linear.outage('down');
    harness = await startHarness({ LINEAR_API_KEY: 'lin_api_test', LINEAR_API_URL: linear.url, SCOPEKEEPER_MODE: 'enforce', SCOPEKEEPER_APPROVERS: ANA.email }, { onStart: startWorkers });

    await waitFor('Linear to be reported unreachable', async () => (await health()).linear.status === 'unreachable');
    const down = await health();
    expect(down).toMatchObject({ status: 'degraded', linear: { status: 'unreachable', viewerKnown: false }, database: 'ok' });
    expect(down.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/^Linear cannot be reached/)]));

    // Deliveries are taken while Linear is away, and wait.
    expect((await harness.deliver(issuePayload('create', STATES.progress))).status).toBe(200);
    const closing = issuePayload('update', STATES.done, { updatedFrom: { stateId: STATES.progress.id, updatedAt: '2026-06-20T00:24:05.106Z' } });
    expect((await harness.deliver(closing)).status).toBe(200);
    expect((await health()).inbox.backlog).toBe(2);
    expect(linear.operations()).toEqual([]);

    await linear.outage(null);
    await waitFor('the revert and its comment', () => linear.issue(ISSUE_ID)?.stateId === STATES.progress.id && repliesOn(linear, ISSUE_ID).length === 1, 30_000);
    await waitFor('the outbox to drain', async () => (await health()).outbox.backlog === 0);
    expect(await health()).toMatchObject({ status: 'ok', linear: { status: 'ok', viewerKnown: true }, inbox: { backlog: 0, failed: 0 }, outbox: { backlog: 0, failed: 0 } });
    expect(repliesOn(linear, ISSUE_ID)[0]!.body).toMatch(/so Scopekeeper moved it back/);
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    expect(metrics).toContain('scopekeeper_linear_reachable 1');
    expect(metrics).toContain('scopekeeper_outbox_backlog 0');
    expect(metrics).toContain('scopekeeper_inbox_dead_letters 0');
  });
});

describe('reconcile after a revert that never landed', () => {
  let linear: LinearStandIn;
  let harness: Harness | undefined;

  afterEach(async () => {
    await harness?.stop();
    await linear?.close();
  });

  it('moves the refused closure back again and says so, once; a second run does nothing', async () => {
    linear = await startLinearStandIn(
      { users: [DEV, ANA], teams: [TEAM], states: Object.values(STATES), issues: [{ id: ISSUE_ID, teamId: TEAM.id, stateId: STATES.progress.id, identifier: 'ENG-580', title: 'Pay invoices online', description: DESCRIPTION, assigneeId: DEV.id }] },
      { apiKey: 'lin_api_test' },
    );
    harness = await startHarness({ LINEAR_API_KEY: 'lin_api_test', LINEAR_API_URL: linear.url, SCOPEKEEPER_MODE: 'enforce', SCOPEKEEPER_APPROVERS: ANA.email }, { onStart: startWorkers });
    const { store, queue, policy } = harness.service.context;
    expect((await harness.deliver(issuePayload('create', STATES.progress))).status).toBe(200);
    await waitFor('the issue to be stored', async () => (await store.getDeliverable('linear', ISSUE_ID)) !== null);

    // A refused closure whose revert never landed, as the sender before this change left them
    // after an outage: given up on, and the issue still in Done, untouched since the refusal.
    linear.updateIssue(ISSUE_ID, { stateId: STATES.done.id });
    expect((await harness.deliver(issuePayload('update', STATES.done, { updatedFrom: { stateId: STATES.progress.id } }))).status).toBe(200);
    await waitFor('the revert and its reply', () => linear.issue(ISSUE_ID)?.stateId === STATES.progress.id && repliesOn(linear, ISSUE_ID).length === 1);
    const revert = (await queue.latestRevert(ISSUE_ID))!;
    await sql`update linear_outbox set status = 'failed', last_error = 'gave up after 8 attempts' where id = ${revert.id}`.execute(store.database);
    linear.updateIssue(ISSUE_ID, { stateId: STATES.done.id, updatedAt: '2026-06-01T00:00:00.000Z' });

    const gateway = createLinearGateway({ apiKey: 'lin_api_test', apiUrl: linear.url });
    const reconcile = () => runReconcileCommand({ gateway, store, queue, teams: [TEAM], since: '2000-01-01T00:00:00.000Z', policy, mode: 'enforce', now: new Date().toISOString() });
    expect(await reconcile()).toEqual([expect.objectContaining({ key: 'ENG', revertsRepaired: 1, actionsQueued: 2 })]);
    await waitFor('the repaired revert and its reply', () => linear.issue(ISSUE_ID)?.stateId === STATES.progress.id && repliesOn(linear, ISSUE_ID).length === 2, 30_000);
    expect(repliesOn(linear, ISSUE_ID)[1]!.body).toMatch(/Scopekeeper moved it back to In Progress now/);
    // Moved back for good now: nothing to repair.
    expect(await reconcile()).toEqual([expect.objectContaining({ revertsRepaired: 0 })]);
  });
});
