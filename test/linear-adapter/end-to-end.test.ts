import { sql } from 'kysely';
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
    expect(refusal[0]!.body).toMatch(/- \[ \] .*sign/i);
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
