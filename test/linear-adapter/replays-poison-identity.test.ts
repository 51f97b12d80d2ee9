import { sql } from 'kysely';
import { startWorkers } from '../../linear-adapter/queue/start-workers';
import { signBody, verifySignature } from '../../linear-adapter/ingress/verify-signature';
import type { SqlQueueStore } from '../../linear-adapter/queue/queue-store';
import { startLinearStandIn, type LinearStandIn } from '../support/linear-stand-in';
import { nextDeliveryId, SECRET, startHarness, type Harness } from './ingress/ingress-harness';
import { ANA, buildCommentPayload, buildIssuePayload, DEV, STATES, TEAM, waitFor, type TestState } from './service-scenario';

// Part B of issue 10, as an operator would probe it: the whole service (ingress, inbox, worker,
// outbox) with the real @linear/sdk against the local Linear stand-in, on PGlite.
// Signed bytes kept exactly; what jsonb refuses normalised at the edge; replays of a signed body
// under new Linear-Delivery ids ignored; a re-delivered comment a no-op; comment authors read
// from Linear by id, never from the payload's actor.

const ISSUES = {
  poison: 'a1a1a1a1-0000-4000-8000-000000000001',
  replay: 'a1a1a1a1-0000-4000-8000-000000000002',
  comment: 'a1a1a1a1-0000-4000-8000-000000000003',
  forged: 'a1a1a1a1-0000-4000-8000-000000000004',
  bytes: 'a1a1a1a1-0000-4000-8000-000000000005',
};
const DESCRIPTION = ['## Acceptance criteria', '- [ ] The invoice list shows each open invoice with its amount and due date'].join('\n');

function issuePayload(issueId: string, action: 'create' | 'update', state: TestState, extra: Record<string, unknown> = {}, data: Record<string, unknown> = {}) {
  return buildIssuePayload({ id: issueId, identifier: `ENG-${issueId.slice(-2)}`, description: DESCRIPTION }, action, state, extra, data);
}

describe('replays, poison input and forged identities (the running service, real SDK against the local Linear)', () => {
  let linear: LinearStandIn;
  let harness: Harness;
  let queue: SqlQueueStore;

  beforeAll(async () => {
    linear = await startLinearStandIn(
      {
        users: [DEV, ANA],
        teams: [TEAM],
        states: Object.values(STATES),
        issues: Object.values(ISSUES).map((id) => ({
          id, teamId: TEAM.id, stateId: STATES.progress.id, identifier: `ENG-${id.slice(-2)}`, title: 'Pay invoices online', description: DESCRIPTION, assigneeId: DEV.id,
        })),
      },
      { apiKey: 'lin_api_test' },
    );
    harness = await startHarness(
      { LINEAR_API_KEY: 'lin_api_test', LINEAR_API_URL: linear.url, SCOPEKEEPER_MODE: 'enforce', SCOPEKEEPER_APPROVERS: ANA.email },
      { onStart: startWorkers },
    );
    queue = harness.service.context.queue as SqlQueueStore;
  });

  afterAll(async () => {
    await harness?.stop();
    await linear?.close();
  });

  const db = () => harness.service.context.store.database;
  const historyOf = async (issueId: string) =>
    (await harness.service.context.store.queryHistory({ scopeId: `linear:${TEAM.id}`, deliverableId: issueId, limit: 100 })).records;
  const mutations = () => linear.operations().filter((op) => /issueUpdate|commentCreate|issueLabelCreate|issueAddLabel/.test(op.query)).length;
  const inboxCount = async () => (await sql<{ n: number }>`select count(*)::int as n from linear_inbox`.execute(db())).rows[0]!.n;
  const inboxRow = async (deliveryId: string) =>
    (await sql<{ status: string; outcome: string | null; attempts: number }>`select status, outcome, attempts from linear_inbox where delivery_id = ${deliveryId}`.execute(db())).rows[0];
  const outboxSettled = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from linear_outbox where status = 'pending'`.execute(db())).rows[0]!.n === 0;
  const postBytes = (raw: Buffer, deliveryId: string) =>
    fetch(`${harness.url}/webhooks/linear`, {
      method: 'POST',
      body: new Uint8Array(raw),
      headers: { 'content-type': 'application/json; charset=utf-8', 'linear-delivery': deliveryId, 'linear-event': 'Issue', 'linear-signature': signBody(raw, SECRET) },
    });

  async function createIssue(issueId: string): Promise<void> {
    expect((await harness.deliver(issuePayload(issueId, 'create', STATES.progress))).status).toBe(200);
    await waitFor('the issue to be stored', async () => (await harness.service.context.store.getDeliverable('linear', issueId)) !== null);
  }

  it('keeps the exact bytes Linear signed, so a body with invalid UTF-8 inside verifies again from storage', async () => {
    const text = JSON.stringify(issuePayload(ISSUES.bytes, 'create', STATES.progress, {}, { title: 'Pay invoices XX online' }));
    // Two bytes that are no UTF-8 at all, inside the title's string.
    const [before, after] = text.split('XX') as [string, string];
    const raw = Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xc3]), Buffer.from(after)]);
    const deliveryId = nextDeliveryId();

    const response = await postBytes(raw, deliveryId);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { status: string }).status).toBe('normalised');

    const stored = await queue.readSignedBody(deliveryId);
    expect(stored?.bytes.equals(raw)).toBe(true);
    expect(verifySignature(stored!.bytes, signBody(raw, SECRET), SECRET)).toBe(true);
    const state = await waitFor('the issue to be stored', () => harness.service.context.store.getDeliverable('linear', ISSUES.bytes));
    expect(state?.state.title).toBe('Pay invoices \ufffd\ufffd online');
  });

  it('accepts a body with \\u0000 and a lone surrogate as normalised, says so in a log line and a count, and judges the next closure of the issue at once', async () => {
    const normalisedBefore = await harness.deliveriesCounted('normalised');
    const poison = issuePayload(ISSUES.poison, 'create', STATES.progress, {}, { title: 'Pay\u0000 invoices \ud800 online' });
    const deliveryId = nextDeliveryId();
    const response = await harness.deliver(poison, { deliveryId });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { status: string }).status).toBe('normalised');
    expect(await harness.deliveriesCounted('normalised')).toBe(normalisedBefore + 1);
    expect(harness.logs.some((line) => line.msg === 'webhook normalised' && line.deliveryId === deliveryId && /2 characters/.test(String(line.reason)))).toBe(true);

    await waitFor('the poison delivery to be processed', async () => (await inboxRow(deliveryId))?.status === 'done');
    expect((await inboxRow(deliveryId))?.attempts).toBe(0);
    expect((await harness.service.context.store.getDeliverable('linear', ISSUES.poison))?.state.title).toBe('Pay\ufffd invoices \ufffd online');

    // The next delivery of the same issue, a closure without sign-off, is not held back.
    linear.updateIssue(ISSUES.poison, { stateId: STATES.done.id });
    const closing = nextDeliveryId();
    await harness.deliver(issuePayload(ISSUES.poison, 'update', STATES.done, { updatedFrom: { stateId: STATES.progress.id } }), { deliveryId: closing });
    await waitFor('the closure to be reverted', () => linear.issue(ISSUES.poison)?.stateId === STATES.progress.id);
    expect((await inboxRow(closing))?.attempts).toBe(0);
    expect((await sql<{ n: number }>`select count(*)::int as n from linear_inbox where status = 'failed'`.execute(db())).rows[0]!.n).toBe(0);
  });

  it('ignores the same signed body re-sent under 5 new delivery ids: 0 extra history records, 0 extra mutations', async () => {
    await createIssue(ISSUES.replay);
    linear.updateIssue(ISSUES.replay, { stateId: STATES.done.id });
    const raw = Buffer.from(JSON.stringify(issuePayload(ISSUES.replay, 'update', STATES.done, { updatedFrom: { stateId: STATES.progress.id } })));
    expect((await postBytes(raw, nextDeliveryId())).status).toBe(200);
    await waitFor('the closure to be reverted', () => linear.issue(ISSUES.replay)?.stateId === STATES.progress.id);
    await waitFor('the outbox to drain', outboxSettled);
    const records = (await historyOf(ISSUES.replay)).length;
    const sent = mutations();
    const rows = await inboxCount();

    for (let n = 0; n < 5; n += 1) {
      const response = await postBytes(raw, nextDeliveryId());
      expect(response.status).toBe(200);
      expect(((await response.json()) as { status: string }).status).toBe('duplicate');
    }
    // Nothing was stored, so nothing can be processed later either.
    expect(await inboxCount()).toBe(rows);
    expect((await historyOf(ISSUES.replay)).length).toBe(records);
    expect(mutations()).toBe(sent);
  });

  it('treats a comment re-delivered under a new delivery id and timestamp as done, with no second record or reply', async () => {
    await createIssue(ISSUES.comment);
    const commentId = '6a0b9d2e-1111-4222-8333-000000000003';
    const replies = linear.comments(ISSUES.comment).length;
    await harness.deliver(buildCommentPayload(ISSUES.comment, ANA, ANA.id, '/signoff Accepted', commentId));
    await waitFor('the sign-off to be recorded', async () => (await historyOf(ISSUES.comment)).some((r) => r.kind === 'signoff_recorded'));
    await waitFor('the reply', () => linear.comments(ISSUES.comment).length > replies);
    await waitFor('the outbox to drain', outboxSettled);
    const records = (await historyOf(ISSUES.comment)).length;
    const comments = linear.comments(ISSUES.comment).length;

    const again = nextDeliveryId();
    expect((await harness.deliver(buildCommentPayload(ISSUES.comment, ANA, ANA.id, '/signoff Accepted', commentId, Date.now() + 1), { deliveryId: again })).status).toBe(200);
    await waitFor('the re-delivery to be processed', async () => (await inboxRow(again))?.status === 'done');
    expect(await inboxRow(again)).toMatchObject({ outcome: 'already_recorded', attempts: 0 });
    await waitFor('the outbox to drain', outboxSettled);
    expect((await historyOf(ISSUES.comment)).length).toBe(records);
    expect(linear.comments(ISSUES.comment)).toHaveLength(comments);
  });

  it.each([
    ['a non-approver’s id with the approver’s email', DEV.id, /Dev Kumar is not an approver/],
    ['an id Linear does not know with the approver’s email', 'user-ghost-0000', /user-ghost-0000 is not an approver.*could not read your email address from Linear/s],
  ])('does not take a signed comment carrying %s as the approver’s sign-off, and the reply says why', async (_case, userId, why) => {
    if ((await harness.service.context.store.getDeliverable('linear', ISSUES.forged)) === null) await createIssue(ISSUES.forged);
    // Replies only: the issue's status comment is created and edited beside them.
    const repliesOf = () => linear.comments(ISSUES.forged).filter((c) => !c.body.startsWith('**Scopekeeper: where'));
    const replies = repliesOf().length;
    // The envelope's actor claims to be Ana; only the user id is Linear's word.
    const forged = buildCommentPayload(ISSUES.forged, { ...ANA, id: userId }, userId, '/signoff Accepted', `6a0b9d2e-2222-4222-8333-${userId.slice(-4).padStart(12, '0')}`);
    expect((await harness.deliver(forged)).status).toBe(200);
    await waitFor('the reply', () => repliesOf().length > replies);

    const reply = repliesOf().at(-1)!;
    expect(reply.body).toMatch(/this sign-off was not recorded/);
    expect(reply.body).toMatch(why);
    const history = await historyOf(ISSUES.forged);
    expect(history.some((r) => r.kind === 'signoff_recorded')).toBe(false);
    expect(history.some((r) => r.kind === 'signoff_refused')).toBe(true);
    expect((await harness.service.context.store.getDeliverable('linear', ISSUES.forged))?.state.signOff).toBeNull();
  });
});
