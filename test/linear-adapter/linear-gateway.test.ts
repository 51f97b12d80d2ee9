import { classifyLinearError, createLinearGateway, LinearReadError } from '../../linear-adapter/gateway/linear-gateway';
import { deriveActionId } from '../../linear-adapter/gateway/linear-action';
import { startLinearStandIn, type LinearSeed, type LinearStandIn } from '../support/linear-stand-in';

// The gateway with the real @linear/sdk against the local Linear stand-in.

const seed: LinearSeed = {
  viewer: { id: 'user-bot', name: 'Scopekeeper Bot', email: 'bot@example.com' },
  users: [{ id: 'user-anna', name: 'Anna Product', email: 'anna@example.com' }],
  teams: [
    { id: 'team-eng', key: 'ENG', name: 'Engineering' },
    { id: 'team-ops', key: 'OPS', name: 'Operations' },
  ],
  states: [
    { id: 'st-todo', name: 'Todo', type: 'unstarted', teamId: 'team-eng' },
    { id: 'st-doing', name: 'In Progress', type: 'started', teamId: 'team-eng' },
    { id: 'st-done', name: 'Done', type: 'completed', teamId: 'team-eng' },
    { id: 'st-ops-todo', name: 'Todo', type: 'unstarted', teamId: 'team-ops' },
  ],
  labels: [
    { id: 'lab-bug', name: 'Bug', teamId: 'team-eng' },
    { id: 'lab-ws', name: 'Customer', teamId: null },
    { id: 'lab-ops-needs', name: 'needs acceptance criteria', teamId: 'team-ops' },
  ],
  issues: [
    {
      id: 'iss-1',
      teamId: 'team-eng',
      stateId: 'st-doing',
      title: 'Invite teammates by email',
      description: '## Acceptance criteria\n- [ ] An invitation email arrives within a minute',
      assigneeId: 'user-anna',
      labelIds: ['lab-bug', 'lab-ws'],
      updatedAt: '2026-02-01T09:00:00.000Z',
    },
    { id: 'iss-2', teamId: 'team-eng', stateId: 'st-todo', title: 'No criteria yet', updatedAt: '2026-02-03T09:00:00.000Z' },
    { id: 'iss-ops', teamId: 'team-ops', stateId: 'st-ops-todo', title: 'Ops work' },
  ],
};

const commentId = deriveActionId('delivery-1', 'comment');

describe('Linear gateway on the real SDK', () => {
  let linear: LinearStandIn;
  const gatewayFor = (apiKey = 'lin_api_test') => createLinearGateway({ apiKey, apiUrl: linear.url });

  beforeEach(async () => {
    linear = await startLinearStandIn(seed, { apiKey: 'lin_api_test' });
  });
  afterEach(() => linear.close());

  describe('reads', () => {
    it('reads an issue with its state, team key, assignee and label names', async () => {
      const issue = await gatewayFor().fetchIssue('iss-1');
      expect(issue).toEqual({
        id: 'iss-1',
        identifier: 'ENG-1',
        title: 'Invite teammates by email',
        description: '## Acceptance criteria\n- [ ] An invitation email arrives within a minute',
        teamId: 'team-eng',
        teamKey: 'ENG',
        state: { id: 'st-doing', name: 'In Progress', type: 'started' },
        assigneeId: 'user-anna',
        labels: [
          { id: 'lab-bug', name: 'Bug' },
          { id: 'lab-ws', name: 'Customer' },
        ],
        updatedAt: '2026-02-01T09:00:00.000Z',
      });
    });

    it('answers null for an issue Linear does not have', async () => {
      expect(await gatewayFor().fetchIssue('no-such-issue')).toBeNull();
    });

    it('reuses the team and its workflow states for the next issue of the same team', async () => {
      const gateway = gatewayFor();
      await gateway.fetchIssue('iss-1');
      linear.reset();
      await gateway.fetchIssue('iss-2');
      expect(linear.operations().map((o) => o.operationName)).toEqual(['issues']);
    });

    it('reads the API key\'s own user once and remembers it', async () => {
      const gateway = gatewayFor();
      expect(await gateway.fetchViewer()).toEqual({ id: 'user-bot', name: 'Scopekeeper Bot', email: 'bot@example.com', admin: false });
      await gateway.fetchViewer();
      expect(linear.operations().filter((o) => o.operationName === 'viewer')).toHaveLength(1);
    });

    it('reads a user by id and answers null for an unknown one', async () => {
      const gateway = gatewayFor();
      expect(await gateway.fetchUser('user-anna')).toEqual({ id: 'user-anna', name: 'Anna Product', email: 'anna@example.com', admin: false });
      expect(await gateway.fetchUser('user-nobody')).toBeNull();
    });

    it('finds a team by its key in any letter case, and answers null for an unknown key', async () => {
      const gateway = gatewayFor();
      expect(await gateway.findTeam('eng')).toEqual({ id: 'team-eng', key: 'ENG', name: 'Engineering' });
      expect(await gateway.findTeam('NOPE')).toBeNull();
    });

    it('lists a team\'s issues page by page with Linear\'s cursor, and only those updated since a time', async () => {
      const gateway = gatewayFor();
      const first = await gateway.listTeamIssues({ teamKey: 'ENG', first: 1 });
      expect(first.issues).toHaveLength(1);
      expect(first.nextCursor).not.toBeNull();
      const second = await gateway.listTeamIssues({ teamKey: 'ENG', first: 1, after: first.nextCursor });
      expect(second.nextCursor).toBeNull();
      expect([...first.issues, ...second.issues].map((i) => i.identifier).sort()).toEqual(['ENG-1', 'ENG-2']);

      const recent = await gateway.listTeamIssues({ teamKey: 'ENG', updatedSince: '2026-02-02T00:00:00.000Z' });
      expect(recent.issues.map((i) => i.id)).toEqual(['iss-2']);
    });

    it('asks for at most 200 issues a page, which Linear scores under its 10,000-point query limit, however many are asked for', async () => {
      const page = await gatewayFor().listTeamIssues({ teamKey: 'ENG', first: 1000 });
      expect(page.issues.map((i) => i.identifier).sort()).toEqual(['ENG-1', 'ENG-2']);
      const sent = linear.operations().filter((o) => /issues\(/.test(o.query));
      expect(sent.at(-1)?.variables).toMatchObject({ first: 200 });
      expect(sent.at(-1)?.errors ?? []).toEqual([]);
    });

    it('throws a permanent read error naming the key when the team does not exist', async () => {
      const read = gatewayFor().listTeamIssues({ teamKey: 'XYZ' });
      await expect(read).rejects.toThrow(/no team with the key "XYZ"/);
      await expect(read).rejects.toMatchObject({ retryable: false });
    });

    it('throws a retryable read error with Linear\'s wait when rate limited', async () => {
      linear.failNext(1, 'ratelimit', { retryAfterSeconds: 20 });
      const error = await gatewayFor()
        .fetchUser('user-anna')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LinearReadError);
      expect(error).toMatchObject({ retryable: true, retryAfterMs: 20_000 });
    });
  });

  describe('actions', () => {
    it('creates a comment with the client-chosen id', async () => {
      const outcome = await gatewayFor().send({ type: 'comment', id: commentId, issueId: 'iss-1', body: 'Please add criteria.' });
      expect(outcome).toEqual({ ok: true });
      expect(linear.comments('iss-1')).toMatchObject([{ id: commentId, body: 'Please add criteria.', userId: 'user-bot' }]);
    });

    it('counts a retried comment as sent when Linear already has that id, and creates no second comment', async () => {
      const gateway = gatewayFor();
      linear.failNext(1, 'lost-response');
      const first = await gateway.send({ type: 'comment', id: commentId, issueId: 'iss-1', body: 'Please add criteria.' });
      expect(first).toMatchObject({ ok: false, retryable: true });
      const retry = await gateway.send({ type: 'comment', id: commentId, issueId: 'iss-1', body: 'Please add criteria.' });
      expect(retry).toEqual({ ok: true });
      expect(linear.comments('iss-1')).toHaveLength(1);
    });

    it('creates the status comment under its own id on the first edit, then edits that comment in place', async () => {
      const gateway = gatewayFor();
      const status = deriveActionId('iss-1', 'status');
      const edit = (seed: string, body: string) => gateway.send({ type: 'comment_update', id: deriveActionId(seed, 'status'), issueId: 'iss-1', commentId: status, body });
      expect(await edit('d1', 'No criteria yet')).toEqual({ ok: true });
      expect(await edit('d2', 'Two criteria')).toEqual({ ok: true });
      expect(linear.comments('iss-1')).toMatchObject([{ id: status, body: 'Two criteria', userId: 'user-bot' }]);
      expect(linear.operations().filter((o) => /comment(Create|Update)/.test(o.query)).map((o) => o.operationName)).toEqual(['updateComment', 'createComment', 'updateComment']);
    });

    it('does not recreate a status comment someone deleted, and reports it', async () => {
      const faults: string[] = [];
      const gateway = createLinearGateway({ apiKey: 'lin_api_test', apiUrl: linear.url, onFault: (f) => faults.push(f.kind) });
      const status = deriveActionId('iss-1', 'status');
      await gateway.send({ type: 'comment_update', id: deriveActionId('d1', 'status'), issueId: 'iss-1', commentId: status, body: 'First' });
      linear.deleteComment(status);
      expect(await gateway.send({ type: 'comment_update', id: deriveActionId('d2', 'status'), issueId: 'iss-1', commentId: status, body: 'Second' })).toEqual({ ok: true });
      expect(linear.comments('iss-1')).toEqual([]);
      expect(faults).toEqual(['status_comment_deleted']);
    });

    it('moves an issue to another workflow state', async () => {
      const outcome = await gatewayFor().send({ type: 'set_state', id: deriveActionId('d', 'revert'), issueId: 'iss-1', stateId: 'st-todo' });
      expect(outcome).toEqual({ ok: true });
      expect(linear.issue('iss-1')?.stateId).toBe('st-todo');
    });

    it('creates the label in the team when the team lacks it, then adds it to the issue', async () => {
      const action = { type: 'add_label', id: deriveActionId('d', 'label'), issueId: 'iss-2', teamId: 'team-eng', labelName: 'needs acceptance criteria' } as const;
      expect(await gatewayFor().send(action)).toEqual({ ok: true });
      const created = linear.labels().find((l) => l.name === 'needs acceptance criteria' && l.teamId === 'team-eng');
      expect(created).toMatchObject({ id: deriveActionId(action.id, 'label') });
      expect(linear.issue('iss-2')?.labelIds).toEqual([created!.id]);
    });

    it('reuses a label of the same name in any letter case instead of creating another', async () => {
      const outcome = await gatewayFor().send({ type: 'add_label', id: deriveActionId('d2', 'label'), issueId: 'iss-ops', teamId: 'team-ops', labelName: 'Needs Acceptance Criteria' });
      expect(outcome).toEqual({ ok: true });
      expect(linear.labels().filter((l) => l.name.toLowerCase() === 'needs acceptance criteria')).toHaveLength(1);
      expect(linear.issue('iss-ops')?.labelIds).toEqual(['lab-ops-needs']);
    });

    it('removes a label by name and leaves the issue\'s other labels', async () => {
      const outcome = await gatewayFor().send({ type: 'remove_label', id: deriveActionId('d', 'unlabel'), issueId: 'iss-1', labelName: 'bug' });
      expect(outcome).toEqual({ ok: true });
      expect(linear.issue('iss-1')?.labelIds).toEqual(['lab-ws']);
    });

    it('treats removing a label the issue does not have as done, without a mutation', async () => {
      const outcome = await gatewayFor().send({ type: 'remove_label', id: deriveActionId('d', 'unlabel'), issueId: 'iss-2', labelName: 'needs acceptance criteria' });
      expect(outcome).toEqual({ ok: true });
      expect(linear.operations().map((o) => o.operationName)).not.toContain('issueRemoveLabel');
    });
  });

  describe('error mapping', () => {
    const comment = { type: 'comment', id: commentId, issueId: 'iss-1', body: 'hello' } as const;

    it('asks to wait as long as Linear says when rate limited', async () => {
      linear.failNext(1, 'ratelimit', { retryAfterSeconds: 42 });
      expect(await gatewayFor().send(comment)).toMatchObject({ ok: false, retryable: true, retryAfterMs: 42_000 });
      expect(linear.comments()).toHaveLength(0);
    });

    it('retries after a Linear server error', async () => {
      linear.failNext(1, 'server-error');
      expect(await gatewayFor().send(comment)).toMatchObject({ ok: false, retryable: true, retryAfterMs: null });
    });

    it('retries when Linear cannot be reached', async () => {
      await linear.close();
      const outcome = await gatewayFor().send(comment);
      linear = await startLinearStandIn(seed);
      expect(outcome).toMatchObject({ ok: false, retryable: true });
    });

    it('gives up at once, naming LINEAR_API_KEY, when Linear refuses the API key', async () => {
      const outcome = await gatewayFor('lin_api_wrong').send(comment);
      expect(outcome).toMatchObject({ ok: false, retryable: false });
      expect(outcome.ok ? '' : outcome.message).toMatch(/LINEAR_API_KEY/);
    });

    it('gives up at once when Linear rejects the input', async () => {
      const outcome = await gatewayFor().send({ type: 'set_state', id: commentId, issueId: 'iss-1', stateId: 'st-ops-todo' });
      expect(outcome).toMatchObject({ ok: false, retryable: false });
      expect(linear.issue('iss-1')?.stateId).toBe('st-doing');
    });

    it('classifies a GraphQL validation error as permanent', () => {
      const outcome = classifyLinearError({ type: 'GraphqlError', status: 400, message: 'Cannot query field "nope" on type "Issue".' }, 0);
      expect(outcome).toMatchObject({ retryable: false });
      expect(outcome.message).toContain('Cannot query field');
    });

    it('reads the wait from the reset time when a rate limit gives no retry-after', () => {
      expect(classifyLinearError({ type: 'Ratelimited', requestsResetAt: 1_000_000_060_000 }, 1_000_000_000_000)).toMatchObject({ retryable: true, retryAfterMs: 60_000 });
    });
  });
});
