import { sql } from 'kysely';
import { deriveActionId } from '../../linear-adapter/gateway/linear-action';
import { startWorkers } from '../../linear-adapter/queue/start-workers';
import type { HistoryKind } from '../../src/core/schemas';
import { startLinearStandIn, type LinearStandIn } from '../support/linear-stand-in';
import { startHarness, type Harness } from './ingress/ingress-harness';
import { ANA, buildCommentPayload, buildIssuePayload, DEV, STATES, TEAM, waitFor, type TestState } from './service-scenario';

// Comment-command rules that had no test of their own, through the whole service (HTTP ingress,
// inbox, worker, outbox) and the real @linear/sdk against the local Linear:
// - with no approvers listed only Linear workspace admins (`User.admin`) may sign off or baseline;
// - `/revoke-signoff` on a done issue moves it back (enforce) or records a bypass (shadow);
// - `/scope-reason ENG-12: …` written on another issue documents ENG-12's change.

const SCOPE = `linear:${TEAM.id}`;
const ADA = { id: 'user-ada', name: 'Ada Admin', email: 'ada@vendor.example' };
const criteria = (...lines: string[]) => ['Context.', '', '## Acceptance criteria', ...lines.map((l) => `- [ ] ${l}`)].join('\n');

interface Issue {
  id: string;
  identifier: string;
  description: string;
}
const issueNumbered = (n: number, description = criteria(`Invoice ${n} lists every open item`, `Invoice ${n} totals match the ledger`)): Issue => ({
  id: `b451181e-5bd9-4be1-b803-${String(n).padStart(12, '0')}`,
  identifier: `ENG-${n}`,
  description,
});

/** A running service against a fresh Linear holding `issues`, in progress. */
async function startService(env: Record<string, string>, issues: Issue[]): Promise<{ linear: LinearStandIn; harness: Harness }> {
  const linear = await startLinearStandIn(
    {
      users: [DEV, ANA, { ...ADA, admin: true }],
      teams: [TEAM],
      states: Object.values(STATES),
      issues: issues.map((i) => ({ id: i.id, teamId: TEAM.id, stateId: STATES.progress.id, identifier: i.identifier, title: 'Pay invoices online', description: i.description, assigneeId: DEV.id })),
    },
    { apiKey: 'lin_api_test' },
  );
  const harness = await startHarness({ LINEAR_API_KEY: 'lin_api_test', LINEAR_API_URL: linear.url, ...env }, { onStart: startWorkers });
  return { linear, harness };
}

/** Drives one service: Linear's webhooks for issue edits and comments, each waited for until processed and sent. */
function driver(service: () => { linear: LinearStandIn; harness: Harness }) {
  let comments = 0;
  const settle = async () => {
    const db = service().harness.service.context.store.database;
    await waitFor('the inbox and the outbox to drain', async () => {
      const { rows } = await sql<{ n: number }>`select
          (select count(*) from linear_inbox where status = 'pending') + (select count(*) from linear_outbox where status = 'pending') as n`.execute(db);
      return Number(rows[0]!.n) === 0;
    });
  };
  return {
    settle,
    /** The issue as Linear sends it: created, or updated from `from`. */
    async send(issue: Issue, state: TestState, from?: Record<string, unknown>) {
      const { linear, harness } = service();
      linear.updateIssue(issue.id, { description: issue.description, stateId: state.id });
      const payload = buildIssuePayload(issue, from ? 'update' : 'create', state, from ? { updatedFrom: from } : {});
      expect((await harness.deliver(payload)).status).toBe(200);
      await settle();
    },
    /**
     * `author` comments on the issue in Linear; answers Scopekeeper's reply to it: as posted to
     * Linear, or in shadow mode as logged instead ("shadow mode: action not sent").
     */
    async comment(issue: Issue, author: { id: string; name: string; email: string }, body: string, mode: 'enforce' | 'shadow' = 'enforce'): Promise<string> {
      const { linear, harness } = service();
      comments += 1;
      const id = `6a0b9d2e-1111-4222-8333-${String(comments).padStart(12, '0')}`;
      linear.addComment({ id, issueId: issue.id, body, userId: author.id });
      const before = linear.comments(issue.id).length;
      expect((await harness.deliver(buildCommentPayload(issue.id, author, author.id, body, id))).status).toBe(200);
      await settle();
      if (mode === 'shadow') {
        expect(linear.comments(issue.id)).toHaveLength(before);
        // The reply's id derives from the comment's (decide-comment-command); shadow mode logs it.
        const replyId = deriveActionId(id, 'reply');
        const logged = harness.logs.filter((l) => l.msg === 'shadow mode: action not sent' && (l.action as { id?: string }).id === replyId);
        expect(logged).toHaveLength(1);
        return (logged[0]!.action as { body: string }).body;
      }
      const replies = linear.comments(issue.id).slice(before).filter((c) => !c.body.startsWith('**Scopekeeper: where'));
      expect(replies).toHaveLength(1);
      return replies[0]!.body;
    },
    async history(deliverableId?: string) {
      const page = await service().harness.service.context.store.queryHistory({ scopeId: SCOPE, ...(deliverableId ? { deliverableId } : {}), limit: 200 });
      return page.records;
    },
    async kinds(deliverableId?: string): Promise<HistoryKind[]> {
      return (await this.history(deliverableId)).map((r) => r.kind);
    },
    statusComment(issue: Issue) {
      return service().linear.comments(issue.id).find((c) => c.body.startsWith('**Scopekeeper: where'))?.body ?? '';
    },
  };
}

describe('with no approvers listed (enforce mode)', () => {
  let running: { linear: LinearStandIn; harness: Harness };
  const linear = driver(() => running);
  const issue = issueNumbered(1);

  beforeAll(async () => {
    running = await startService({ SCOPEKEEPER_MODE: 'enforce' }, [issue]);
    await linear.send(issue, STATES.progress);
  });
  afterAll(async () => {
    await running?.harness.stop();
    await running?.linear.close();
  });

  it('refuses a non-admin’s /signoff and /baseline, says only workspace admins may, and nothing counts', async () => {
    const signOff = await linear.comment(issue, DEV, '/signoff Done from my side');
    expect(signOff).toContain('this sign-off was not recorded. No approvers are set for this team, so only Linear workspace admins may sign off, and Dev Kumar is not one.');
    const baseline = await linear.comment(issue, DEV, '/baseline SRS v1.0');
    expect(baseline).toContain('only an administrator can record a baseline, and Dev Kumar is not one');
    expect(await running.harness.service.context.store.getActiveBaseline(SCOPE)).toBeNull();
    expect(await linear.kinds(issue.id)).toContain('signoff_refused');
    expect(await linear.kinds()).not.toEqual(expect.arrayContaining(['signoff_recorded']));
    expect(await linear.kinds()).not.toEqual(expect.arrayContaining(['baseline_created']));

    // The refused sign-off does not count: the closure is moved back.
    await linear.send(issue, STATES.done, { stateId: STATES.progress.id });
    expect(running.linear.issue(issue.id)?.stateId).toBe(STATES.progress.id);
    expect(await linear.kinds(issue.id)).toContain('closure_refused');
  });

  it('records a workspace admin’s /signoff, so the closure stands', async () => {
    expect(await linear.comment(issue, ADA, '/signoff')).not.toContain('not recorded');
    expect(await linear.kinds(issue.id)).toContain('signoff_recorded');
    await linear.send(issue, STATES.done, { stateId: STATES.progress.id });
    expect(running.linear.issue(issue.id)?.stateId).toBe(STATES.done.id);
    expect(await linear.kinds(issue.id)).toContain('closure_allowed');
  });
});

describe('with an approver listed (enforce mode)', () => {
  let running: { linear: LinearStandIn; harness: Harness };
  const linear = driver(() => running);
  const done = issueNumbered(7);
  const eng12 = issueNumbered(12);
  const eng13 = issueNumbered(13);

  beforeAll(async () => {
    running = await startService({ SCOPEKEEPER_MODE: 'enforce', SCOPEKEEPER_APPROVERS: ANA.email }, [done, eng12, eng13]);
    for (const issue of [done, eng12, eng13]) await linear.send(issue, STATES.progress);
  });
  afterAll(async () => {
    await running?.harness.stop();
    await running?.linear.close();
  });

  it('moves a done issue back when its sign-off is revoked, and says so', async () => {
    await linear.comment(done, ANA, '/signoff');
    await linear.send(done, STATES.done, { stateId: STATES.progress.id });
    expect(running.linear.issue(done.id)?.stateId).toBe(STATES.done.id);

    const reply = await linear.comment(done, ANA, '/revoke-signoff The totals are wrong after all');
    expect(reply).toContain('Ana Silva withdrew their sign-off. The issue was done, so Scopekeeper moved it back to In Progress; it needs a new sign-off before it can close again.');
    expect(running.linear.issue(done.id)?.stateId).toBe(STATES.progress.id);
    expect(await linear.kinds(done.id)).toEqual(expect.arrayContaining(['signoff_revoked', 'closure_refused']));
  });

  it('attaches a reason written on ENG-13 as "/scope-reason ENG-12: …" to ENG-12’s change', async () => {
    await linear.comment(eng13, ANA, '/baseline SRS v1.0');
    const edited = { ...eng12, description: criteria('Invoice 12 lists every open and overdue item', 'Invoice 12 totals match the ledger') };
    await linear.send(edited, STATES.progress, { description: eng12.description });
    const change = (await linear.history(eng12.id)).find((r) => r.kind === 'scope_changed');
    expect(change).toBeDefined();
    expect(linear.statusComment(eng12)).toContain('**Waiting for a reason:**');

    const reply = await linear.comment(eng13, ANA, '/scope-reason ENG-12: The client wants overdue invoices listed too');
    expect(reply).toContain('ENG-12');
    const reasons = (await linear.history()).filter((r) => r.kind === 'reason_attached');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatchObject({ deliverableId: eng12.id, data: { reason: 'The client wants overdue invoices listed too' } });
    expect(JSON.stringify(reasons[0]!.data)).toContain((change!.data as { changeId: string }).changeId);
    expect(linear.statusComment(eng12)).not.toContain('**Waiting for a reason:**');
    // Nothing was attached to ENG-13, where the command was written.
    expect(await linear.kinds(eng13.id)).not.toEqual(expect.arrayContaining(['reason_attached']));
  });
});

describe('with an approver listed (shadow mode)', () => {
  let running: { linear: LinearStandIn; harness: Harness };
  const linear = driver(() => running);
  const issue = issueNumbered(3);

  beforeAll(async () => {
    running = await startService({ SCOPEKEEPER_MODE: 'shadow', SCOPEKEEPER_APPROVERS: ANA.email }, [issue]);
    await linear.send(issue, STATES.progress);
  });
  afterAll(async () => {
    await running?.harness.stop();
    await running?.linear.close();
  });

  it('leaves a done issue done when its sign-off is revoked, records a bypass, and says so', async () => {
    await linear.comment(issue, ANA, '/signoff', 'shadow');
    await linear.send(issue, STATES.done, { stateId: STATES.progress.id });
    const reply = await linear.comment(issue, ANA, '/revoke-signoff', 'shadow');
    expect(reply).toContain('Ana Silva withdrew their sign-off. The issue stays in Done: Scopekeeper only records this');
    expect(running.linear.issue(issue.id)?.stateId).toBe(STATES.done.id);
    const kinds = await linear.kinds(issue.id);
    expect(kinds).toEqual(expect.arrayContaining(['signoff_revoked', 'closure_bypassed']));
  });
});
