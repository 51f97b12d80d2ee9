import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import { startWorkers } from '../../linear-adapter/queue/start-workers';
import { startLinearStandIn, type LinearStandIn } from '../support/linear-stand-in';
import { freshPayload, startHarness, type Harness } from './ingress/ingress-harness';
import { ANA, DEV, waitFor, workflowStatesOf } from './service-scenario';

// The issue's journey as a product owner, a team and an approver live it on Linear, through the
// whole service and the real @linear/sdk against the local Linear: create, add criteria, baseline,
// edit, reason, sign-off, stale, refused closure, re-sign, close. What they see is counted: one
// status comment, edited in place, plus one reply per command and per refused closure. Every
// version of the status comment and every reply is kept, as a reviewer reads them, in
// __snapshots__/status-journey.md (rewritten by `npx jest -u`).

const SNAPSHOT = join(__dirname, '__snapshots__', 'status-journey.md');
const TEAM = { id: '8d0c4a1e-2b3f-4c5d-8e6f-7a8b9c0d1e2f', key: 'ENG', name: 'Engineering' };
const STATES = workflowStatesOf(TEAM.id);
const ISSUE_ID = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const KEY = 'ENG-42';
const TITLE = 'Pay invoices online';

const INTRO = 'Customers pay their open invoices online.';
const CRITERIA = [
  INTRO,
  '',
  '## Acceptance criteria',
  '- [ ] The invoice list shows each open invoice with its amount and due date',
  '- [ ] Paying an invoice shows a receipt number within 5 seconds',
].join('\n');
const REWORDED = CRITERIA.replace('shows each open invoice', 'shows each open and overdue invoice');
const REWORDED_AGAIN = REWORDED.replace('within 5 seconds', 'within 3 seconds');

describe('What a Linear issue shows over its life: one status comment and short replies', () => {
  let linear: LinearStandIn;
  let harness: Harness;
  let commentCounter = 0;

  beforeAll(async () => {
    linear = await startLinearStandIn(
      { users: [DEV, ANA], teams: [TEAM], states: Object.values(STATES), issues: [{ id: ISSUE_ID, teamId: TEAM.id, stateId: STATES.progress.id, identifier: KEY, title: TITLE, description: INTRO, assigneeId: DEV.id }] },
      { apiKey: 'lin_api_test' },
    );
    harness = await startHarness(
      { LINEAR_API_KEY: 'lin_api_test', LINEAR_API_URL: linear.url, SCOPEKEEPER_MODE: 'enforce', SCOPEKEEPER_APPROVERS: ANA.email },
      { onStart: startWorkers },
    );
  });

  afterAll(async () => {
    await harness?.stop();
    await linear?.close();
  });

  /** Everything Linear sent has been processed, and everything decided has been sent. */
  async function settle(): Promise<void> {
    const db = harness.service.context.store.database;
    await waitFor('the inbox and the outbox to drain', async () => {
      const { rows } = await sql<{ n: number }>`select
          (select count(*) from linear_inbox where status = 'pending') + (select count(*) from linear_outbox where status = 'pending') as n`.execute(db);
      return Number(rows[0]!.n) === 0;
    });
  }

  /** The developer edits the issue in Linear, and Linear sends the webhook. */
  async function editIssue(change: { description?: string; state?: typeof STATES.progress }, from: Record<string, unknown>): Promise<void> {
    const state = change.state ?? STATES[linear.issue(ISSUE_ID)?.stateId === STATES.done.id ? 'done' : 'progress'];
    const description = change.description ?? linear.issue(ISSUE_ID)?.description ?? '';
    linear.updateIssue(ISSUE_ID, { description, stateId: state.id });
    const base = freshPayload('issueCreate');
    const payload = {
      ...base,
      action: Object.keys(from).length === 0 ? 'create' : 'update',
      actor: { id: DEV.id, name: DEV.name, email: DEV.email, type: 'user' },
      data: {
        ...base.data,
        id: ISSUE_ID, identifier: KEY, title: TITLE, description, teamId: TEAM.id, team: TEAM, assigneeId: DEV.id, labelIds: [], labels: [],
        state: { id: state.id, name: state.name, type: state.type, color: '#000000' }, stateId: state.id,
      },
      ...(Object.keys(from).length === 0 ? {} : { updatedFrom: from }),
    };
    expect((await harness.deliver(payload)).status).toBe(200);
    await settle();
  }

  /** Someone comments on the issue in Linear, and Linear sends the webhook. */
  async function comment(author: typeof ANA, body: string): Promise<void> {
    commentCounter += 1;
    const id = `6a0b9d2e-1111-4222-8333-${String(commentCounter).padStart(12, '0')}`;
    linear.addComment({ id, issueId: ISSUE_ID, body, userId: author.id });
    const base = freshPayload('commentCreate');
    const payload = { ...base, actor: { id: author.id, name: author.name, email: author.email, type: 'user' }, data: { ...base.data, id, body, issueId: ISSUE_ID, userId: author.id } };
    expect((await harness.deliver(payload)).status).toBe(200);
    await settle();
  }

  const scopekeeperComments = () => linear.comments(ISSUE_ID).filter((c) => c.userId === 'user-scopekeeper');

  it('keeps one status comment up to date and answers each command and refused closure with one short reply', async () => {
    const story: string[] = [];
    let lastStatus = '';
    let repliesSeen = 0;
    const record = (step: string) => {
      const [status, ...replies] = scopekeeperComments();
      const lines = [`## ${step}`, ''];
      if (status && status.body !== lastStatus) {
        lines.push('### Status comment, now', '', status.body, '');
        lastStatus = status.body;
      } else {
        lines.push('_The status comment is unchanged._', '');
      }
      for (const reply of replies.slice(repliesSeen)) lines.push('### Reply', '', reply.body, '');
      repliesSeen = replies.length;
      story.push(lines.join('\n'));
    };

    await editIssue({ description: INTRO }, {});
    record('1. The developer creates the issue, without criteria');
    await editIssue({ description: CRITERIA }, { description: INTRO });
    record('2. The developer adds two acceptance criteria');
    await comment(ANA, '/baseline SRS v1.0');
    record('3. The approver records the baseline');
    await editIssue({ description: REWORDED }, { description: CRITERIA });
    record('4. The developer rewords a criterion, saying nothing');
    expect(scopekeeperComments()[0]!.body).toContain('**Waiting for a reason:**');
    await comment(ANA, '/scope-reason The client asked to see overdue invoices too (call of 12 May)');
    record('5. The approver gives the reason');
    await comment(ANA, '/signoff Matches what we agreed');
    record('6. The approver signs off');
    await editIssue({ description: REWORDED_AGAIN }, { description: REWORDED });
    record('7. The developer changes the criteria again: the sign-off no longer counts');
    await editIssue({ state: STATES.done }, { stateId: STATES.progress.id });
    record('8. The developer moves the issue to Done: refused and moved back');
    expect(linear.issue(ISSUE_ID)?.stateId).toBe(STATES.progress.id);
    await comment(ANA, '/signoff');
    record('9. The approver signs off again');
    await editIssue({ state: STATES.done }, { stateId: STATES.progress.id });
    record('10. The developer moves the issue to Done: it may close');
    expect(linear.issue(ISSUE_ID)?.stateId).toBe(STATES.done.id);

    // One status comment, four commands answered (baseline, reason, two sign-offs) and one
    // refused closure: 1 + 4 + 1.
    const ours = scopekeeperComments();
    expect(ours).toHaveLength(6);
    expect(ours[0]!.body).toContain(`**Scopekeeper: where ${KEY} stands**`);
    expect(ours[0]!.body).toContain('**May it close?** Yes');
    expect(ours.slice(1).every((c) => !c.body.includes('**Scopekeeper: where'))).toBe(true);

    // The service runs on the wall clock: the day is written as <today>, so the file stays the same.
    const markdown = `# What ${KEY} shows on Linear over its life\n\nWritten by test/linear-adapter/status-journey.test.ts; rewrite it with \`npx jest -u\`.\n\n${story.join('\n')}`.replace(
      /\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b/g,
      '<today>',
    );
    expectSameAsSnapshot(markdown);
  });
});

/** The journey as readable markdown: compared with the file kept in git, rewritten by `jest -u`. */
function expectSameAsSnapshot(markdown: string): void {
  const update = (expect.getState().snapshotState as unknown as { _updateSnapshot?: string })._updateSnapshot;
  if (update === 'all' || (!existsSync(SNAPSHOT) && update !== 'none')) {
    mkdirSync(dirname(SNAPSHOT), { recursive: true });
    writeFileSync(SNAPSHOT, markdown);
  }
  expect(markdown).toBe(readFileSync(SNAPSHOT, 'utf8'));
}
