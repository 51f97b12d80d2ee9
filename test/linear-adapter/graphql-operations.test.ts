import { readFileSync } from 'node:fs';
import { LinearClient } from '@linear/sdk';
import { buildSchema, Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { deriveActionId } from '../../linear-adapter/gateway/linear-action';
import { createLinearGateway } from '../../linear-adapter/gateway/linear-gateway';
import { LINEAR_SCHEMA_PATH, startLinearStandIn, type LinearStandIn, type RecordedOperation } from '../support/linear-stand-in';

// Every GraphQL operation the adapter sends, checked against Linear's published schema
// (test/fixtures/linear/schema.graphql, the one @linear/sdk 88.3.0 ships with). The stand-in
// already refuses invalid operations; this test says so explicitly and lists what is sent,
// so a new SDK call or an SDK upgrade that queries unknown fields fails here by name.

describe('GraphQL operations the Linear adapter sends', () => {
  let linear: LinearStandIn;
  let operations: RecordedOperation[];

  beforeAll(async () => {
    linear = await startLinearStandIn({
      viewer: { id: 'user-bot', name: 'Scopekeeper', email: 'bot@example.com' },
      users: [{ id: 'user-anna', name: 'Anna', email: 'anna@example.com' }],
      teams: [{ id: 'team-eng', key: 'ENG', name: 'Engineering' }],
      states: [
        { id: 'st-doing', name: 'In Progress', type: 'started', teamId: 'team-eng' },
        { id: 'st-done', name: 'Done', type: 'completed', teamId: 'team-eng' },
      ],
      labels: [{ id: 'lab-bug', name: 'Bug', teamId: 'team-eng' }],
      issues: [{ id: 'iss-1', teamId: 'team-eng', stateId: 'st-done', description: '## Acceptance criteria\n- [ ] It works', labelIds: ['lab-bug'] }],
    });
    const gateway = createLinearGateway({ apiKey: 'lin_api_test', apiUrl: linear.url });

    // Every gateway method and every path through `send`.
    await gateway.fetchViewer();
    await gateway.fetchUser('user-anna');
    expect(await gateway.findUser('ANNA@example.com')).toMatchObject({ id: 'user-anna' });
    expect(await gateway.findUser('user-anna')).toMatchObject({ email: 'anna@example.com' });
    expect(await gateway.listAdmins()).toEqual([]);
    await gateway.findTeam('ENG');
    await gateway.listTeams();
    await gateway.listWorkflowStates('team-eng');
    await gateway.fetchIssue('iss-1');
    await gateway.listTeamIssues({ teamKey: 'ENG', updatedSince: '2026-01-01T00:00:00.000Z', first: 10 });
    const outcomes = [
      await gateway.send({ type: 'comment', id: deriveActionId('d1', 'comment'), issueId: 'iss-1', body: 'Sign-off needed.' }),
      // The same id again: refused as a duplicate, then confirmed by reading the comment back.
      await gateway.send({ type: 'comment', id: deriveActionId('d1', 'comment'), issueId: 'iss-1', body: 'Sign-off needed.' }),
      await gateway.send({ type: 'set_state', id: deriveActionId('d1', 'revert'), issueId: 'iss-1', stateId: 'st-doing' }),
      await gateway.send({ type: 'add_label', id: deriveActionId('d1', 'label'), issueId: 'iss-1', teamId: 'team-eng', labelName: 'needs acceptance criteria' }),
      await gateway.send({ type: 'remove_label', id: deriveActionId('d1', 'unlabel'), issueId: 'iss-1', labelName: 'Bug' }),
    ];
    expect(outcomes).toEqual(outcomes.map(() => ({ ok: true })));
    operations = linear.operations();
  });

  afterAll(() => linear.close());

  it('validates every operation against the schema', () => {
    const schema = buildSchema(readFileSync(LINEAR_SCHEMA_PATH, 'utf8'));
    const problems = operations.flatMap((op) => validate(schema, parse(op.query)).map((e) => `${op.operationName}: ${e.message}`));
    expect(problems).toEqual([]);
    // The duplicate comment is the one refusal, and it is Linear's answer, not a schema error.
    expect(operations.filter((op) => op.errors.length > 0).map((op) => op.operationName)).toEqual(['createComment']);
  });

  it('sends exactly these operations', () => {
    const names = operations.map((op) => {
      const definition = parse(op.query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      return `${definition?.operation} ${op.operationName}`;
    });
    expect([...new Set(names)].sort()).toEqual([
      'mutation createComment',
      'mutation createIssueLabel',
      'mutation issueAddLabel',
      'mutation issueRemoveLabel',
      'mutation updateIssue',
      'query comments',
      'query issueLabels',
      'query issue_labels',
      'query issues',
      'query team',
      'query teams',
      'query users',
      'query viewer',
      'query workflowStates',
    ]);
  });

  it('creates comments with the client-chosen id, the issue id and the body', () => {
    const creates = operations.filter((op) => op.operationName === 'createComment');
    expect(creates.map((op) => op.variables)).toEqual([
      { input: { id: deriveActionId('d1', 'comment'), issueId: 'iss-1', body: 'Sign-off needed.' } },
      { input: { id: deriveActionId('d1', 'comment'), issueId: 'iss-1', body: 'Sign-off needed.' } },
    ]);
  });

  it('reverts a state with issueUpdate and only the stateId', () => {
    expect(operations.filter((op) => op.operationName === 'updateIssue').map((op) => op.variables)).toEqual([
      { id: 'iss-1', input: { stateId: 'st-doing' } },
    ]);
  });

  it('creates a missing label in the team with a client-chosen id, then adds it and removes another by id', () => {
    const labelId = deriveActionId(deriveActionId('d1', 'label'), 'label');
    expect(operations.find((op) => op.operationName === 'createIssueLabel')?.variables).toEqual({
      input: { id: labelId, teamId: 'team-eng', name: 'needs acceptance criteria', color: expect.stringMatching(/^#[0-9A-F]{6}$/i) },
    });
    expect(operations.find((op) => op.operationName === 'issueAddLabel')?.variables).toEqual({ id: 'iss-1', labelId });
    expect(operations.find((op) => op.operationName === 'issueRemoveLabel')?.variables).toEqual({ id: 'iss-1', labelId: 'lab-bug' });
  });

  it('reads issues with a team filter, an updatedAt lower bound and a page size', () => {
    const listing = operations.filter((op) => op.operationName === 'issues').map((op) => op.variables);
    expect(listing).toContainEqual({ filter: { team: { id: { eq: 'team-eng' } }, updatedAt: { gte: '2026-01-01T00:00:00.000Z' } }, first: 10 });
  });
});

describe('the Linear stand-in the adapter is tested against', () => {
  let linear: LinearStandIn;
  let client: LinearClient;

  beforeAll(async () => {
    linear = await startLinearStandIn({
      teams: [{ id: 'team-eng', key: 'ENG', name: 'Engineering' }],
      states: [{ id: 'st-done', name: 'Done', type: 'completed', teamId: 'team-eng' }],
      labels: [{ id: 'lab-bug', name: 'Bug', teamId: 'team-eng' }],
      issues: [{ id: 'iss-1', teamId: 'team-eng', stateId: 'st-done', title: 'Seeded', labelIds: ['lab-bug'] }],
    });
    client = new LinearClient({ apiKey: 'lin_api_test', apiUrl: linear.url });
  });
  afterAll(() => linear.close());

  it('resolves the SDK\'s lazy relations (issue.state, issue.team, issue.labels()) from the seeded data', async () => {
    const issue = await client.issue('iss-1');
    expect(issue).toMatchObject({ identifier: 'ENG-1', title: 'Seeded' });
    expect(await issue.state).toMatchObject({ id: 'st-done', name: 'Done', type: 'completed' });
    expect(await issue.team).toMatchObject({ id: 'team-eng', key: 'ENG', name: 'Engineering' });
    expect((await issue.labels()).nodes.map((l) => l.name)).toEqual(['Bug']);
  });

  it('refuses an operation Linear\'s schema does not allow, as Linear would', async () => {
    const error = await client.client.rawRequest('query { issue(id: "iss-1") { id storyPoints } }').catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'GraphqlError', status: 400 });
    expect((error as Error).message).toContain('Cannot query field "storyPoints" on type "Issue"');
  });
});
