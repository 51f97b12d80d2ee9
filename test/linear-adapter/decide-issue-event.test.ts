import { computeDigest } from '../../src/core/compute-digest';
import { createBaseline } from '../../src/core/create-baseline';
import { parseCriteria } from '../../src/core/parse-criteria';
import { closurePolicySchema, type Baseline, type DeliverableState, type SignOff } from '../../src/core/schemas';
import type { StoredDeliverable } from '../../src/core/store';
import { decideIssueEvent, type DecideIssueEventInput } from '../../linear-adapter/decide/decide-issue-event';
import type { LinearAction } from '../../linear-adapter/gateway/linear-action';
import { parseWebhook, type IssueEvent } from '../../linear-adapter/ingress/parse-webhook';
import { readLinearPayload, type LinearPayloadName } from '../fixtures/linear';

// Real payloads (test/fixtures/linear/) and variants built from them.
type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const fixture = (name: LinearPayloadName): Body => readLinearPayload(name) as Body;
const CREATE = 'issueCreate';
const STATE_CHANGE = 'issueStateChange';
const DESCRIPTION_EDIT = 'issueDescriptionEdit';

function issueEvent(name: LinearPayloadName, change: (body: Body) => void = () => undefined): IssueEvent {
  const body = fixture(name);
  change(body);
  const parsed = parseWebhook(body);
  if (!parsed.ok || parsed.value.kind !== 'issue') throw new Error(`fixture ${name} is not an issue event`);
  return parsed.value.event;
}

const CRITERIA_MD = [
  '## Acceptance criteria',
  '- [ ] A signed-in customer sees their open invoices, newest first',
  '- [ ] Paying an invoice shows a receipt within 5 seconds',
].join('\n');
const EDITED_MD = [
  '## Acceptance criteria',
  '- [ ] A signed-in customer sees their open and overdue invoices, newest first',
  '- [ ] Paying an invoice shows a receipt within 5 seconds',
].join('\n');

const ana = { id: 'user-ana', name: 'Ana Silva', email: 'ana@client.example' };
const policy = closurePolicySchema.parse({ approverUserIds: ['ana@client.example'], doneStateNames: [], doneStateTypes: ['completed'] });
const NOW = '2026-06-25T10:00:00.000Z';
const VIEWER = 'user-scopekeeper';

const criteriaOf = (markdown: string) => parseCriteria(markdown).criteria;
const signOffFor = (markdown: string): SignOff => ({
  id: 'so-1', signer: ana, role: 'approver', at: '2026-06-20T09:00:00.000Z', note: null, digest: computeDigest(criteriaOf(markdown)),
});

/** What Scopekeeper stored for the issue of `event`. */
function storedFor(event: IssueEvent, over: Partial<DeliverableState> = {}): StoredDeliverable {
  return {
    version: 3,
    state: {
      platform: 'linear', id: event.data.id, key: event.data.identifier, scopeId: `linear:${event.data.teamId}`,
      title: event.data.title, assigneeId: null, criteria: criteriaOf(CRITERIA_MD), signOff: null, inScope: true,
      updatedAt: '2026-06-20T09:00:00.000Z', ...over,
    },
  };
}

function baselineFor(stored: StoredDeliverable): Baseline {
  const result = createBaseline({
    id: 'bl-1', scopeId: stored.state.scopeId, name: 'SRS v1.0', now: '2026-06-20T08:00:00.000Z', approvedBy: ana, current: null,
    deliverables: [{ id: stored.state.id, key: stored.state.key, title: stored.state.title, criteria: stored.state.criteria }],
  });
  if (!result.ok) throw new Error(result.message);
  return result.value.baseline;
}

function decide(over: Partial<DecideIssueEventInput> & Pick<DecideIssueEventInput, 'event'>) {
  return decideIssueEvent({
    deliveryId: 'delivery-1', stored: null, baseline: null, policy, mode: 'enforce', viewerId: VIEWER, now: NOW, ...over,
  });
}

const comments = (actions: LinearAction[]) => actions.filter((a): a is Extract<LinearAction, { type: 'comment' }> => a.type === 'comment');
/** The status comment's new text, when the decision edits it. */
const statusOf = (actions: LinearAction[]) => actions.find((a): a is Extract<LinearAction, { type: 'comment_update' }> => a.type === 'comment_update')?.body;
/** The state change payload, moved into a completed state, on an issue whose description holds CRITERIA_MD. */
const toDone = (body: Body) => {
  body.data.state = { id: 'state-done', name: 'Done', type: 'completed', color: '#5e6ad2' };
  body.data.stateId = 'state-done';
  body.data.description = CRITERIA_MD;
};

describe('decideIssueEvent', () => {
  describe('No criteria: the status comment shows a short template, and the label goes on', () => {
    it('starts the status comment with a ready-to-paste acceptance criteria checklist and adds the label to a new issue without criteria', () => {
      const event = issueEvent(CREATE);
      const decision = decide({ event });
      expect(decision.actions).toEqual([
        { type: 'comment_update', id: expect.any(String), issueId: event.data.id, commentId: expect.any(String), body: expect.stringContaining('## Acceptance criteria\n- [ ] ') },
        { type: 'add_label', id: expect.any(String), issueId: event.data.id, teamId: event.data.teamId, labelName: 'needs acceptance criteria' },
      ]);
      expect(statusOf(decision.actions)).toContain('**Acceptance criteria:** none yet, so nobody can sign ENG-580 off or close it.');
      expect(decision.commit?.deliverables).toEqual([
        { state: expect.objectContaining({ id: event.data.id, key: 'ENG-580', scopeId: `linear:${event.data.teamId}`, criteria: [] }), expectedVersion: null },
      ]);
      expect(decision.commit?.history).toEqual([]);
    });

    it('does not edit the status comment again on an update that changes nothing it shows', () => {
      const event = issueEvent(CREATE, (b) => {
        b.action = 'update';
        b.data.title = 'test issue, renamed';
        b.updatedFrom = { title: 'test issue' };
        b.data.labels = [{ id: 'label-1', name: 'needs acceptance criteria' }];
      });
      const later = decide({ event, deliveryId: 'delivery-2', stored: storedFor(event, { criteria: [] }) });
      expect(later.actions).toEqual([]);
    });

    it('keeps one status comment per issue: every edit targets the same comment id', () => {
      const first = decide({ event: issueEvent(CREATE), deliveryId: 'delivery-1' });
      const event = issueEvent(CREATE, (b) => {
        b.action = 'update';
        b.data.description = CRITERIA_MD;
      });
      const later = decide({ event, deliveryId: 'delivery-2', stored: storedFor(event, { criteria: [] }) });
      const ids = [...first.actions, ...later.actions].flatMap((a) => (a.type === 'comment_update' ? [a.commentId] : []));
      expect(ids).toHaveLength(2);
      expect(new Set(ids).size).toBe(1);
    });

    it('does not add the label when the issue already has it', () => {
      // The recorded payload: a description without criteria.
      const event = issueEvent(STATE_CHANGE, (b) => (b.data.labels = [{ id: 'label-1', name: 'Needs acceptance criteria' }]));
      const decision = decide({ event, stored: storedFor(event, { criteria: [] }) });
      expect(decision.actions.map((a) => a.type)).toEqual([]);
    });

    it('asks a canceled issue for nothing', () => {
      const event = issueEvent(STATE_CHANGE, (b) => (b.data.state = { id: 's-x', name: 'Canceled', type: 'canceled' }));
      expect(decide({ event }).actions).toEqual([]);
    });
  });

  describe('Criteria present: remove that label', () => {
    it('removes the label and updates the status comment when the criteria read well', () => {
      const event = issueEvent(DESCRIPTION_EDIT, (b) => {
        b.data.description = `${b.data.description as string}\n\n${CRITERIA_MD}`;
        b.data.labels.push({ id: 'label-1', name: 'needs acceptance criteria' });
      });
      const decision = decide({ event, stored: storedFor(event, { criteria: [] }) });
      expect(decision.actions.map((a) => a.type)).toEqual(['comment_update', 'remove_label']);
      expect(decision.actions[1]).toEqual({ type: 'remove_label', id: expect.any(String), issueId: event.data.id, labelName: 'needs acceptance criteria' });
      expect(statusOf(decision.actions)).toContain('**Acceptance criteria:** 2 in the description, none marked met yet.');
      expect(statusOf(decision.actions)).not.toContain('Suggestions');
      expect(decision.commit?.deliverables?.[0]?.state.criteria.map((c) => c.text)).toEqual([
        'A signed-in customer sees their open invoices, newest first',
        'Paying an invoice shows a receipt within 5 seconds',
      ]);
    });

    it('shows the quality hints in the status comment, not in a comment of their own, when a criterion cannot be tested', () => {
      const event = issueEvent(DESCRIPTION_EDIT, (b) => {
        b.data.description = '## Acceptance criteria\n- [ ] The invoice page loads fast\n- [ ] Paying an invoice shows a receipt within 5 seconds';
      });
      const decision = decide({ event });
      expect(comments(decision.actions)).toEqual([]);
      const status = statusOf(decision.actions);
      expect(status).toContain('Suggestions for the criteria');
      expect(status).toContain('Criterion 1 (“The invoice page loads fast”): “fast” cannot be tested');
      expect(status).not.toContain('**Acceptance criteria:** none yet');
    });

    it('escapes the description’s words a suggestion quotes, so they cannot turn into markup or formatting', () => {
      const event = issueEvent(DESCRIPTION_EDIT, (b) => {
        b.data.description = '## Acceptance criteria\n- [ ] The dialog shows the <b>total</b> and the form sends a *receipt*';
      });
      const status = statusOf(decide({ event }).actions);
      expect(status).toContain('e.g. “The dialog shows the \\<b\\>total\\</b\\>” and “The form sends a \\*receipt\\*”.');
    });

    it('does not repeat the hints on an update that leaves the criteria as they were', () => {
      const markdown = '## Acceptance criteria\n- [ ] The invoice page loads fast';
      const event = issueEvent(STATE_CHANGE, (b) => (b.data.description = markdown));
      expect(decide({ event, stored: storedFor(event, { criteria: criteriaOf(markdown) }) }).actions).toEqual([]);
    });
  });

  describe('Description changed on a deliverable in a baselined scope', () => {
    const editEvent = () =>
      issueEvent(DESCRIPTION_EDIT, (b) => {
        b.data.description = EDITED_MD;
        b.updatedFrom.description = CRITERIA_MD;
      });

    it('records the scope changes with diffs, as undocumented until a reason is attached', () => {
      const event = editEvent();
      const stored = storedFor(event);
      const decision = decide({ event, stored, baseline: baselineFor(stored) });
      expect(decision.outcome).toBe('scope_changed');
      expect(decision.commit?.history).toEqual([
        expect.objectContaining({
          kind: 'scope_changed',
          deliverableId: event.data.id,
          actor: { id: event.actor!.id, name: 'Niklas Hatje', email: null },
          data: expect.objectContaining({ kind: 'criterion_modified', source: 'linear-webhook', reason: null, diff: expect.any(Array) }),
        }),
      ]);
      expect(decision.commit?.deliverables).toEqual([{ state: expect.objectContaining({ criteria: criteriaOf(EDITED_MD) }), expectedVersion: 3 }]);
    });

    it('records a stale sign-off, and the status comment says the sign-off no longer counts and asks why the scope changed', () => {
      const event = editEvent();
      const stored = storedFor(event, { signOff: signOffFor(CRITERIA_MD) });
      const decision = decide({ event, stored, baseline: baselineFor(stored) });
      expect(decision.commit?.history?.map((d) => d.kind)).toEqual(['scope_changed', 'signoff_stale']);
      expect(comments(decision.actions)).toEqual([]);
      const status = statusOf(decision.actions);
      expect(status).toContain('the one by Ana Silva on 20 Jun 2026 no longer counts, because the criteria changed after it was given');
      expect(status).toContain('**Waiting for a reason:** this change is not explained yet.');
      expect(status).toContain('Criterion 1 changed: “A signed-in customer sees their open **and overdue** invoices, newest first”');
      expect(status).toContain('/scope-reason');
    });

    it('keeps the signed-off criteria, recording no change, when the edited description cannot be read', () => {
      const unreadable = `${EDITED_MD}\n\n${'log line '.repeat(12_000)}`;
      const event = issueEvent(DESCRIPTION_EDIT, (b) => {
        b.data.description = unreadable;
        b.updatedFrom.description = CRITERIA_MD;
      });
      const stored = storedFor(event, { signOff: signOffFor(CRITERIA_MD) });
      const decision = decide({ event, stored, baseline: baselineFor(stored) });
      expect(decision.commit?.history ?? []).toEqual([]);
      expect(decision.commit?.deliverables?.[0]?.state.criteria ?? stored.state.criteria).toEqual(criteriaOf(CRITERIA_MD));
    });

    it('Criteria before a baseline are a draft: stores the new criteria without a scope change', () => {
      const event = editEvent();
      const decision = decide({ event, stored: storedFor(event) });
      expect(decision.commit?.history).toEqual([]);
      expect(decision.commit?.deliverables?.[0]?.state.criteria).toEqual(criteriaOf(EDITED_MD));
      expect(decision.outcome).toBe('recorded');
    });

    it('keeps the title and assignee of the stored deliverable up to date', () => {
      const event = issueEvent(DESCRIPTION_EDIT, (b) => {
        b.data.description = CRITERIA_MD;
        b.data.assigneeId = 'user-dev';
      });
      const decision = decide({ event, stored: storedFor(event, { title: 'old title' }) });
      expect(decision.commit?.deliverables?.[0]?.state).toMatchObject({ title: event.data.title, assigneeId: 'user-dev' });
    });

    it('writes nothing when an update changes nothing Scopekeeper keeps', () => {
      const event = issueEvent(STATE_CHANGE, (b) => (b.data.description = CRITERIA_MD));
      const decision = decide({ event, stored: storedFor(event) });
      expect(decision).toEqual({ outcome: 'unchanged', commit: null, actions: [], withheld: [] });
    });
  });

  describe('State changed into a done type without a valid sign-off', () => {
    it('in enforce mode moves the issue back to updatedFrom.stateId, lists every unmet condition in the status comment, and replies briefly', () => {
      // The payload as recorded: its description has no criteria section.
      const event = issueEvent(STATE_CHANGE, (b) => {
        toDone(b);
        b.data.description = 'Example issue description';
      });
      const decision = decide({ event, stored: storedFor(event, { criteria: [] }) });
      expect(decision.outcome).toBe('closure_refused');
      // The status comment is written too (unchanged or not), so the reply's pointer finds it.
      expect(decision.actions.map((a) => a.type)).toEqual(['set_state', 'comment_update', 'comment', 'add_label']);
      expect(decision.actions[0]).toEqual({ type: 'set_state', id: expect.any(String), issueId: event.data.id, stateId: '1ab9475f-eb91-4207-a5a3-1176e38b85be' });
      const reply = decision.actions.find((a) => a.type === 'comment');
      expect(reply).toEqual({ type: 'comment', id: expect.any(String), issueId: event.data.id, body: expect.any(String), after: { actionId: decision.actions[0]!.id, bodyIfRefused: expect.stringContaining('Linear refused the change') } });
      const body = comments(decision.actions)[0]!.body;
      expect(body).toContain('ENG-564 cannot move to Done yet, so Scopekeeper moved it back');
      expect(body).toContain('status comment');
      expect(body).not.toContain('## Acceptance criteria');
      expect(statusOf(decision.actions)).toContain('- Add at least one acceptance criterion to the description.\n- An approver signs off the criteria.');
    });

    it('records the refusal in history with its reasons, not as a bypass', () => {
      const event = issueEvent(STATE_CHANGE, toDone);
      const decision = decide({ event, stored: storedFor(event) });
      expect(decision.commit?.history).toEqual([
        expect.objectContaining({
          kind: 'closure_refused',
          deliverableId: event.data.id,
          actor: expect.objectContaining({ id: event.actor!.id, email: 'john.doe@example.com' }),
          data: { toState: 'Done', reasons: [expect.objectContaining({ code: 'NO_SIGNOFF' })] },
        }),
      ]);
    });

    it('in shadow mode records the closure that stands as a bypass and sends nothing', () => {
      const event = issueEvent(STATE_CHANGE, toDone);
      const decision = decide({ event, stored: storedFor(event), mode: 'shadow' });
      expect(decision.outcome).toBe('closure_bypassed');
      expect(decision.actions).toEqual([]);
      expect(decision.withheld.map((a) => a.type)).toEqual(['set_state', 'comment_update', 'comment']);
      expect(decision.commit?.history).toEqual([
        expect.objectContaining({ kind: 'closure_bypassed', data: { toState: 'Done', reasons: [expect.objectContaining({ code: 'NO_SIGNOFF' })], action: 'recorded' } }),
      ]);
    });

    it('records a bypass and says the issue cannot close when the payload does not name the state it came from', () => {
      const event = issueEvent(STATE_CHANGE, (b) => {
        toDone(b);
        b.updatedFrom.stateId = null; // a state Linear did not name
      });
      const decision = decide({ event, stored: storedFor(event) });
      expect(decision.commit?.history?.map((d) => d.kind === 'closure_bypassed' && d.data.action)).toEqual(['recorded']);
      expect(decision.actions.map((a) => a.type)).toEqual(['comment_update', 'comment']);
      expect(comments(decision.actions)[0]?.body).toContain('ENG-564 was closed before it was ready.');
    });

    it('does not count a move from one done state to another as a closure', () => {
      const event = issueEvent(STATE_CHANGE, (b) => {
        b.data.state = { id: 'state-closed', name: 'Closed', type: 'completed' };
        b.data.description = CRITERIA_MD;
      });
      const previousState = { id: '1ab9475f-eb91-4207-a5a3-1176e38b85be', name: 'Done', type: 'completed' };
      const decision = decide({ event, stored: storedFor(event), previousState });
      expect(decision).toEqual({ outcome: 'unchanged', commit: null, actions: [], withheld: [] });
    });

    it('refuses the closure, naming the fault, when the policy it was given does not validate', () => {
      const event = issueEvent(STATE_CHANGE, toDone);
      const corrupted = { ...policy, approverUserIds: 'everyone' } as unknown as typeof policy;
      const decision = decide({ event, stored: storedFor(event, { signOff: signOffFor(CRITERIA_MD) }), policy: corrupted });
      expect(decision.outcome).toBe('closure_refused');
      const refused = decision.commit?.history?.[0];
      expect(refused?.kind === 'closure_refused' && refused.data.reasons.map((r) => r.code)).toEqual(['SETTINGS_UNREADABLE']);
      expect(comments(decision.actions)[0]?.body).toContain('status comment');
      expect(statusOf(decision.actions)).toMatch(/cannot read this scope's settings \(approverUserIds: .*\).*SCOPEKEEPER_\* settings/);
    });

    it('records an allowed closure and does nothing on Linear when the sign-off is valid', () => {
      const event = issueEvent(STATE_CHANGE, toDone);
      const decision = decide({ event, stored: storedFor(event, { signOff: signOffFor(CRITERIA_MD) }) });
      expect(decision.outcome).toBe('closure_allowed');
      expect(decision.actions).toEqual([]);
      expect(decision.commit?.history).toEqual([expect.objectContaining({ kind: 'closure_allowed', data: { toState: 'Done' } })]);
    });

    it('refuses a closure in the same change that makes the sign-off stale, in one comment', () => {
      const event = issueEvent(STATE_CHANGE, (b) => {
        toDone(b);
        b.data.description = EDITED_MD;
        b.updatedFrom.description = CRITERIA_MD;
      });
      const stored = storedFor(event, { signOff: signOffFor(CRITERIA_MD) });
      const decision = decide({ event, stored, baseline: baselineFor(stored) });
      expect(decision.commit?.history?.map((d) => d.kind)).toEqual(['scope_changed', 'signoff_stale', 'closure_refused']);
      expect(comments(decision.actions)).toHaveLength(1);
      expect(statusOf(decision.actions)).toContain('- An approver signs off the criteria again, as they stand now.');
      expect(statusOf(decision.actions)).toContain('the one by Ana Silva on 20 Jun 2026 no longer counts');
    });

    it('does not judge a move into a state that is not done', () => {
      const event = issueEvent(STATE_CHANGE, (b) => (b.data.description = CRITERIA_MD));
      const decision = decide({ event, stored: storedFor(event) });
      expect(decision.commit).toBeNull();
      expect(decision.actions).toEqual([]);
    });
  });

  describe('Loop prevention', () => {
    it('never reacts to a change Scopekeeper itself made', () => {
      const event = issueEvent(STATE_CHANGE, toDone);
      const decision = decide({ event, viewerId: event.actor!.id });
      expect(decision).toEqual({ outcome: 'own_change', commit: null, actions: [], withheld: [] });
    });
  });

  describe('Issue removed', () => {
    it('records the deliverable as removed from a baselined scope', () => {
      const event = issueEvent(STATE_CHANGE, (b) => (b.action = 'remove'));
      const stored = storedFor(event);
      const decision = decide({ event, stored, baseline: baselineFor(stored) });
      expect(decision.outcome).toBe('removed');
      expect(decision.commit?.deliverables).toEqual([{ state: expect.objectContaining({ inScope: false }), expectedVersion: 3 }]);
      expect(decision.commit?.history).toEqual([expect.objectContaining({ kind: 'scope_changed', data: expect.objectContaining({ kind: 'deliverable_removed' }) })]);
    });

    it('ignores the removal of an issue it never stored', () => {
      const event = issueEvent(STATE_CHANGE, (b) => (b.action = 'remove'));
      expect(decide({ event }).outcome).toBe('ignored');
    });
  });

  describe('Every handler is idempotent', () => {
    it('decides the same delivery twice with identical action ids and history ids', () => {
      const event = issueEvent(STATE_CHANGE, (b) => {
        toDone(b);
        b.data.description = EDITED_MD;
        b.updatedFrom.description = CRITERIA_MD;
      });
      const stored = storedFor(event, { signOff: signOffFor(CRITERIA_MD) });
      const input = { event, stored, baseline: baselineFor(stored) };
      const first = decide(input);
      expect(decide(input)).toEqual(first);
      expect(first.commit?.history).toHaveLength(3);
    });

    it('gives another delivery other ids, so its actions are sent too', () => {
      const event = issueEvent(STATE_CHANGE, toDone);
      const first = decide({ event, stored: storedFor(event), deliveryId: 'delivery-1' });
      const second = decide({ event, stored: storedFor(event), deliveryId: 'delivery-2' });
      expect(second.actions.map((a) => a.id)).not.toEqual(expect.arrayContaining(first.actions.map((a) => a.id)));
      expect(second.commit?.history?.[0]?.id).not.toBe(first.commit?.history?.[0]?.id);
    });
  });
});
