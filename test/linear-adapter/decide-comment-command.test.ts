import { attachReason } from '../../src/core/attach-reason';
import { chainHistory } from '../../src/core/chain-history';
import { computeDigest } from '../../src/core/compute-digest';
import { createBaseline } from '../../src/core/create-baseline';
import { parseCriteria } from '../../src/core/parse-criteria';
import { recordCriteriaChange } from '../../src/core/record-criteria-change';
import { closurePolicySchema, type Actor, type Baseline, type DeliverableState, type HistoryRecord } from '../../src/core/schemas';
import type { StoredDeliverable } from '../../src/core/store';
import { decideCommentCommands, type DecideCommentCommandsInput } from '../../linear-adapter/decide/decide-comment-command';
import type { LinearIssue } from '../../linear-adapter/gateway/gateway-types';
import type { LinearAction } from '../../linear-adapter/gateway/linear-action';
import { parseCommands } from '../../linear-adapter/decide/parse-commands';
import { parseWebhook, type CommentEvent } from '../../linear-adapter/ingress/parse-webhook';
import { readLinearPayload } from '../fixtures/linear';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const fixture = (): Body => readLinearPayload('commentCreate') as Body;

/** The documented Comment create payload with another body. */
function commentEvent(body: string): CommentEvent {
  const payload = fixture();
  payload.data.body = body;
  const parsed = parseWebhook(payload);
  if (!parsed.ok || parsed.value.kind !== 'comment') throw new Error('fixture is not a comment event');
  return parsed.value.event;
}

const TEAM = 'team-eng';
const SCOPE = `linear:${TEAM}`;
const ISSUE_ID = fixture().data.issueId as string;
const AUTHOR_ID = fixture().data.userId as string;
const NOW = '2026-06-25T10:00:00.000Z';
const VIEWER = 'user-scopekeeper';
const CRITERIA_MD = '## Acceptance criteria\n- [ ] A signed-in customer sees their open invoices\n- [ ] Paying an invoice shows a receipt within 5 seconds';

const ana: Actor = { id: AUTHOR_ID, name: 'Ana Silva', email: 'ana@client.example' };
const bob: Actor = { id: AUTHOR_ID, name: 'Bob Builder', email: 'bob@vendor.example' };
const policy = closurePolicySchema.parse({ approverUserIds: ['ana@client.example'], doneStateNames: [], doneStateTypes: ['completed'] });

const state = (over: Partial<DeliverableState> = {}): DeliverableState => ({
  platform: 'linear', id: ISSUE_ID, key: 'LIN-1778', scopeId: SCOPE, title: 'Invoices', assigneeId: null,
  criteria: parseCriteria(CRITERIA_MD).criteria, signOff: null, inScope: true, updatedAt: '2026-06-20T09:00:00.000Z', ...over,
});
const stored = (over: Partial<DeliverableState> = {}): StoredDeliverable => ({ version: 4, state: state(over) });

function decide(body: string, over: Partial<DecideCommentCommandsInput> = {}) {
  const event = commentEvent(body);
  return decideCommentCommands({
    comment: event.data,
    commands: parseCommands(event.data.body),
    issue: null,
    stored: stored(),
    baseline: null,
    teamDeliverables: [],
    history: [],
    signer: ana,
    policy,
    mode: 'enforce',
    now: NOW,
    deliveryId: 'delivery-1',
    viewerId: VIEWER,
    isOwnAction: false,
    ...over,
  });
}

const replyOf = (actions: LinearAction[]): string => {
  const replies = actions.filter((a) => a.type === 'comment');
  expect(replies).toHaveLength(1);
  const [reply] = replies;
  expect(reply).toMatchObject({ issueId: ISSUE_ID });
  return reply?.type === 'comment' ? reply.body : '';
};

function baselineOf(states: DeliverableState[], major = 1): Baseline {
  const result = createBaseline({
    id: `bl-${major}`, scopeId: SCOPE, name: `SRS v${major}.0`, now: '2026-06-20T08:00:00.000Z', approvedBy: ana, current: null,
    deliverables: states.map((s) => ({ id: s.id, key: s.key, title: s.title, criteria: s.criteria })),
  });
  if (!result.ok) throw new Error(result.message);
  return { ...result.value.baseline, major };
}

describe('decideCommentCommands', () => {
  describe('/signoff [note]: from an approver only, recorded against the current digest', () => {
    it('records an approver’s sign-off against the current digest and confirms it with the criteria count, in plain words', () => {
      const decision = decide('Checked with the client.\n/signoff Matches the 12 May call');
      const signOff = decision.commit?.deliverables?.[0]?.state.signOff;
      expect(signOff).toMatchObject({ signer: ana, note: 'Matches the 12 May call', digest: computeDigest(state().criteria) });
      expect(decision.commit?.deliverables?.[0]?.expectedVersion).toBe(4);
      expect(decision.commit?.history).toEqual([expect.objectContaining({ kind: 'signoff_recorded', actor: ana, deliverableId: ISSUE_ID })]);
      const reply = replyOf(decision.actions);
      expect(reply).toContain('Signed off by Ana Silva: 2 acceptance criteria');
      expect(reply).not.toContain(computeDigest(state().criteria).slice(0, 8));
      expect(reply).toContain('If the criteria change, a new sign-off is needed');
    });

    it('answers anyone else with a polite refusal that names who may sign off, and records the attempt', () => {
      const decision = decide('/signoff', { signer: bob });
      expect(replyOf(decision.actions)).toContain('is not an approver here. Who may sign off: ana@client.example.');
      expect(decision.commit?.deliverables).toEqual([{ state: state(), expectedVersion: 4 }]);
      expect(decision.commit?.history).toEqual([
        expect.objectContaining({ kind: 'signoff_refused', actor: bob, data: expect.objectContaining({ code: 'NOT_AN_APPROVER' }) }),
      ]);
      const reply = replyOf(decision.actions);
      expect(reply).toMatch(/^Sorry Bob Builder, this sign-off was not recorded\. Bob Builder is not an approver/);
    });

    it('says so when an approver listed by email was not recognised because Linear gave no email', () => {
      const decision = decide('/signoff', { signer: { id: AUTHOR_ID, name: 'Ana Silva', email: null } });
      expect(decision.commit?.history?.map((d) => d.kind)).toEqual(['signoff_refused']);
      expect(replyOf(decision.actions)).toContain('could not read your email address');
    });

    it('refuses a sign-off of an issue without criteria and says why', () => {
      const decision = decide('/signoff', { stored: stored({ criteria: [] }) });
      expect(decision.commit?.history).toEqual([expect.objectContaining({ kind: 'signoff_refused', data: expect.objectContaining({ code: 'NO_CRITERIA' }) })]);
      expect(replyOf(decision.actions)).toContain('has no acceptance criteria');
    });
  });

  describe('/revoke-signoff', () => {
    const signed = () => {
      const signOff = { id: 'so-1', signer: ana, role: 'approver', at: '2026-06-21T09:00:00.000Z', note: null, digest: computeDigest(state().criteria) };
      return stored({ signOff });
    };

    it('withdraws the sign-off and confirms', () => {
      const decision = decide('/revoke-signoff', { stored: signed() });
      expect(decision.commit?.deliverables?.[0]?.state.signOff).toBeNull();
      expect(decision.commit?.history).toEqual([expect.objectContaining({ kind: 'signoff_revoked', data: { signOffId: 'so-1', note: null } })]);
      expect(replyOf(decision.actions)).toContain('Ana Silva withdrew their sign-off');
    });

    it('explains that there is nothing to revoke and records nothing', () => {
      const decision = decide('/revoke-signoff');
      expect(decision.commit).toBeNull();
      expect(replyOf(decision.actions)).toContain('LIN-1778 has no sign-off to revoke');
    });
  });

  describe('/scope-reason <text>: attaches a reason to the issue’s latest undocumented change', () => {
    const t1 = '2026-06-21T09:00:00.000Z';
    const t2 = '2026-06-22T09:00:00.000Z';
    /** Baseline 1.0, an edit at t1 (1.1), then an edit at t2 with two changes (1.2, 1.3). */
    function editedHistory(): HistoryRecord[] {
      let n = 0;
      const newId = () => `rec-${++n}`;
      const v0 = state();
      const v1 = state({ criteria: parseCriteria(`${CRITERIA_MD}\n- [ ] Overdue invoices show in red`).criteria });
      const v2 = state({ criteria: parseCriteria('## Acceptance criteria\n- [ ] Overdue invoices show in red').criteria });
      const baseline = createBaseline({
        id: 'bl-1', scopeId: SCOPE, name: 'SRS v1.0', now: '2026-06-20T08:00:00.000Z', approvedBy: ana, current: null,
        deliverables: [{ id: v0.id, key: v0.key, title: v0.title, criteria: v0.criteria }],
      });
      if (!baseline.ok) throw new Error(baseline.message);
      const common = { baseline: baseline.value.baseline, actor: bob, source: 'linear-webhook' as const, reason: null, newId };
      const edit1 = recordCriteriaChange({ ...common, previous: v0, next: v1, now: t1 });
      const edit2 = recordCriteriaChange({ ...common, previous: v1, next: v2, now: t2 });
      return chainHistory(null, [baseline.value.draft, ...edit1.drafts, ...edit2.drafts]);
    }

    it('documents every undocumented change of the most recent edit and says how many', () => {
      const history = editedHistory();
      const decision = decide('/scope-reason Client dropped the listing in the 22 June call', { history });
      const latest = history.filter((r) => r.at === t2 && r.kind === 'scope_changed');
      expect(latest).toHaveLength(2);
      expect(decision.commit?.history).toEqual([
        expect.objectContaining({
          kind: 'reason_attached',
          actor: ana,
          deliverableId: ISSUE_ID,
          data: { changeIds: latest.map((r) => r.kind === 'scope_changed' && r.data.changeId), reason: 'Client dropped the listing in the 22 June call' },
        }),
      ]);
      expect(replyOf(decision.actions)).toContain('attached to the 2 changes.');
    });

    it('documents the next older edit once the latest has a reason', () => {
      const history = editedHistory();
      const latest = history.filter((r) => r.at === t2);
      const explained = attachReason({ changes: latest, reason: 'Agreed', actor: ana, now: t2, newId: () => 'rec-r', scopeId: SCOPE, deliverableId: ISSUE_ID });
      if (!explained.ok) throw new Error(explained.message);
      const withReason = [...history, ...chainHistory(history[history.length - 1]!, [explained.draft])];
      const decision = decide('/scope-reason Overdue marking requested by finance', { history: withReason });
      expect(replyOf(decision.actions)).toContain('attached to the change.');
      expect(decision.commit?.history?.[0]).toMatchObject({ kind: 'reason_attached', data: { changeIds: [history.find((r) => r.at !== t2 && r.kind === 'scope_changed')!.id] } });
    });

    it('says so when there is nothing to document', () => {
      const decision = decide('/scope-reason because');
      expect(decision.commit).toBeNull();
      expect(replyOf(decision.actions)).toContain('LIN-1778 has no change waiting for a reason');
    });

    it('explains what to write when the reason is missing', () => {
      expect(replyOf(decide('/scope-reason').actions)).toContain('Add why the scope changed after the command');
    });
  });

  describe('/baseline <name>: names a baseline of the issue’s team, from an approver', () => {
    const other = (id: string, key: string, over: Partial<DeliverableState> = {}): StoredDeliverable => ({
      version: 1,
      state: state({ id, key, criteria: parseCriteria('## Acceptance criteria\n- [ ] Exports list every order').criteria, ...over }),
    });
    const team = [
      other('issue-2', 'LIN-2'),
      other('issue-3', 'LIN-3', { inScope: false }),
      stored({ title: 'stale copy of the commented issue' }),
    ];

    it('snapshots the team’s in-scope deliverables as 1.0, then as 2.0', () => {
      const first = decide('/baseline SRS v1.0', { teamDeliverables: team });
      const baseline = first.commit?.baseline;
      expect(baseline).toMatchObject({ scopeId: SCOPE, name: 'SRS v1.0', major: 1, approvedBy: ana });
      expect(baseline?.deliverables.map((d) => d.key)).toEqual(['LIN-2', 'LIN-1778']);
      // The commented issue as it stands, not an older copy in the list.
      expect(baseline?.deliverables[1]?.title).toBe('Invoices');
      expect(first.commit?.history).toEqual([
        expect.objectContaining({ kind: 'baseline_created', data: expect.objectContaining({ deliverableCount: 2, criterionCount: 3 }) }),
      ]);
      expect(replyOf(first.actions)).toContain('Baseline “SRS v1.0” recorded: 2 issues with 3 acceptance criteria');

      const second = decide('/baseline SRS v2.0', { teamDeliverables: team, baseline: baseline!, deliveryId: 'delivery-2' });
      expect(second.commit?.baseline).toMatchObject({ name: 'SRS v2.0', major: 2 });
      expect(replyOf(second.actions)).toContain('Baseline “SRS v2.0” recorded');
    });

    it('refuses a baseline from someone who is not an approver and explains', () => {
      const decision = decide('/baseline SRS v1.0', { teamDeliverables: team, signer: bob });
      expect(decision.commit).toBeNull();
      expect(replyOf(decision.actions)).toContain('No baseline was recorded. Only an approver can record a baseline.');
    });

    it('refuses a baseline from a comment when no approvers are listed: only the API key’s holder, the administrator, may take one', () => {
      const open = closurePolicySchema.parse({ doneStateNames: [], doneStateTypes: ['completed'] });
      const decision = decide('/baseline SRS v1.0', { teamDeliverables: team, policy: open });
      expect(decision.commit).toBeNull();
      expect(replyOf(decision.actions)).toContain('No approvers are set for this scope, so only an administrator can record a baseline, and Ana Silva is not one.');
    });

    it('records one baseline per comment and says why a second was not recorded', () => {
      const decision = decide('/baseline SRS v1.0\n/baseline SRS v1.1', { teamDeliverables: team });
      expect(decision.commit?.baseline).toMatchObject({ name: 'SRS v1.0' });
      expect(decision.commit?.history?.map((d) => d.kind)).toEqual(['baseline_created']);
      expect(replyOf(decision.actions)).toContain('this comment already recorded “SRS v1.0”');
    });

    it('refuses a name the active baseline already has', () => {
      const decision = decide('/baseline srs v1.0', { teamDeliverables: team, baseline: baselineOf([state()]) });
      expect(decision.commit).toBeNull();
      expect(replyOf(decision.actions)).toContain('already called');
    });
  });

  describe('Commands are answered by a short confirming comment', () => {
    it('answers several commands in one comment with one reply listing each result', () => {
      const decision = decide('/signoff\nsome words\n/baseline\n/revoke-signoff');
      const reply = replyOf(decision.actions);
      expect(reply.split('\n')).toEqual([
        expect.stringMatching(/^- `\/signoff`: Signed off by Ana Silva/),
        expect.stringMatching(/^- `\/baseline`: Add the baseline’s name after the command/),
        expect.stringMatching(/^- `\/revoke-signoff`: Ana Silva withdrew their sign-off/),
      ]);
      expect(decision.commit?.history?.map((d) => d.kind)).toEqual(['signoff_recorded', 'signoff_revoked']);
    });

    it('answers a comment on an issue Scopekeeper has not stored from the issue read through Linear', () => {
      const issue: LinearIssue = {
        id: ISSUE_ID, identifier: 'LIN-1778', title: 'Invoices', description: CRITERIA_MD, teamId: TEAM, teamKey: 'LIN',
        state: { id: 's-1', name: 'Todo', type: 'unstarted' }, assigneeId: null, labels: [], updatedAt: NOW,
      };
      const decision = decide('/signoff', { stored: null, issue });
      expect(decision.commit?.scopeId).toBe(SCOPE);
      expect(decision.commit?.deliverables).toEqual([
        { state: expect.objectContaining({ id: ISSUE_ID, criteria: state().criteria, signOff: expect.objectContaining({ signer: ana }) }), expectedVersion: null },
      ]);
      expect(replyOf(decision.actions)).toContain('Signed off by Ana Silva');
    });

    it('explains that it cannot act on an issue it has neither stored nor read', () => {
      const decision = decide('/signoff', { stored: null, issue: null });
      expect(decision.outcome).toBe('issue_unknown');
      expect(decision.commit).toBeNull();
      expect(replyOf(decision.actions)).toContain('has not seen this issue yet');
    });

    it('in shadow mode records the command and logs the reply instead of sending it', () => {
      const decision = decide('/signoff', { mode: 'shadow' });
      expect(decision.commit?.history?.map((d) => d.kind)).toEqual(['signoff_recorded']);
      expect(decision.actions).toEqual([]);
      expect(decision.withheld.map((a) => a.type)).toEqual(['comment_update', 'comment']);
    });

    it('does nothing for a comment without commands', () => {
      expect(decide(fixture().data.body as string)).toEqual({ outcome: 'no_command', commit: null, actions: [], withheld: [] });
    });
  });

  describe('Loop prevention', () => {
    it('ignores comments written by Scopekeeper’s own user', () => {
      expect(decide('/signoff', { viewerId: AUTHOR_ID }).outcome).toBe('own_change');
    });

    it('ignores comments Scopekeeper created, known by their action id', () => {
      expect(decide('/signoff', { isOwnAction: true })).toEqual({ outcome: 'own_change', commit: null, actions: [], withheld: [] });
    });
  });

  describe('Every handler is idempotent', () => {
    it('decides the same comment twice with identical reply ids and history ids', () => {
      const first = decide('/signoff\n/baseline SRS v1.0');
      const again = decide('/signoff\n/baseline SRS v1.0');
      expect(again).toEqual(first);
      expect(first.commit?.history).toHaveLength(2);
      expect(new Set(first.commit?.history?.map((d) => d.id)).size).toBe(2);
    });
  });
});
