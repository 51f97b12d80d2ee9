import { LinearClient } from '@linear/sdk';
import { classifyLinearError } from '../../linear-adapter/gateway/linear-gateway';
import {
  DEFAULT_REQUESTS_PER_HOUR,
  queryComplexity,
  startLinearStandIn,
  type LinearSeed,
  type LinearStandIn,
  type LinearStandInOptions,
} from '../support/linear-stand-in';

// Each rule the stand-in enforces, proven by sending what Linear refuses. The rules and their
// source pages are listed in docs/platform-rules.md ("Linear GraphQL API").

const KEY = 'lin_api_rules';
const seed: LinearSeed = {
  teams: [
    { id: 'team-eng', key: 'ENG', name: 'Engineering' },
    { id: 'team-ops', key: 'OPS', name: 'Operations' },
  ],
  states: [
    { id: 'st-eng-todo', name: 'Todo', type: 'unstarted', teamId: 'team-eng' },
    { id: 'st-eng-done', name: 'Done', type: 'completed', teamId: 'team-eng' },
    { id: 'st-ops-done', name: 'Done', type: 'completed', teamId: 'team-ops' },
  ],
  labels: [
    { id: 'lab-eng-bug', name: 'Bug', teamId: 'team-eng' },
    { id: 'lab-ops-urgent', name: 'Urgent', teamId: 'team-ops' },
    { id: 'lab-all-security', name: 'Security', teamId: null },
  ],
  issues: [{ id: 'iss-eng', teamId: 'team-eng', stateId: 'st-eng-todo' }],
};
const V4 = '7d4c8a52-3f0e-4b6a-9c1d-2e5f6a7b8c9d';

interface Raw {
  status: number;
  headers: Headers;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function post(linear: LinearStandIn, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Raw> {
  const response = await fetch(linear.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: KEY, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Raw['body'] };
}

/** The first GraphQL error of a failed SDK call, as the SDK parsed it. */
async function sdkError(call: Promise<unknown>): Promise<{ type?: string; status?: number; message: string; retryAfter?: number }> {
  const error = await call.then(
    () => {
      throw new Error('expected Linear to refuse the call');
    },
    (e: unknown) => e,
  );
  return error as { type?: string; status?: number; message: string; retryAfter?: number };
}

describe('the Linear stand-in refuses what Linear refuses', () => {
  let linear: LinearStandIn;
  let client: LinearClient;
  const start = async (options: LinearStandInOptions = {}) => {
    await linear?.close();
    linear = await startLinearStandIn(seed, { apiKey: KEY, ...options });
    client = new LinearClient({ apiKey: KEY, apiUrl: linear.url });
  };
  beforeEach(() => start());
  afterAll(() => linear.close());

  describe('requests', () => {
    it('answers 404 to a GET or to another path than /graphql', async () => {
      expect((await fetch(linear.url, { headers: { authorization: KEY } })).status).toBe(404);
      expect((await fetch(linear.url.replace('/graphql', '/api'), { method: 'POST', headers: { authorization: KEY } })).status).toBe(404);
    });

    it('refuses a body sent as another content type than application/json with 400', async () => {
      const response = await post(linear, '{ viewer { id } }', {}, { 'content-type': 'text/plain' });
      expect(response.status).toBe(400);
    });
  });

  describe('authentication', () => {
    it('refuses a request without an Authorization header with 400 AUTHENTICATION_ERROR', async () => {
      const response = await fetch(linear.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { id } }' }) });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        errors: [{ message: 'Authentication required, not authenticated', extensions: { code: 'AUTHENTICATION_ERROR', type: 'authentication error' } }],
      });
    });

    it('refuses an API key sent as "Bearer <key>", the OAuth form, with an AuthenticationError', async () => {
      const error = await sdkError(new LinearClient({ accessToken: KEY, apiUrl: linear.url }).viewer);
      expect(error).toMatchObject({ type: 'AuthenticationError', status: 400 });
      expect(classifyLinearError(error, 0)).toMatchObject({ retryable: false });
    });

    it('accepts the API key sent bare, as the SDK sends its apiKey option', async () => {
      expect(await client.viewer).toMatchObject({ id: 'user-scopekeeper' });
    });
  });

  describe('schema', () => {
    it('refuses a document that does not parse with 400 GRAPHQL_PARSE_FAILED', async () => {
      const response = await post(linear, '{ viewer { id ');
      expect(response.status).toBe(400);
      expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_PARSE_FAILED' });
    });

    it('refuses an argument the schema does not have with 400 GRAPHQL_VALIDATION_FAILED', async () => {
      const response = await post(linear, '{ issues(limit: 10) { nodes { id } } }');
      expect(response.status).toBe(400);
      expect(response.body.errors?.[0]).toMatchObject({ message: expect.stringContaining('Unknown argument "limit"'), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    });
  });

  describe('query complexity', () => {
    it('scores the rate-limiting page\'s examples at 2, 66 and 14 points', () => {
      expect(Math.ceil(queryComplexity('query WhoAmI { user(id: "me") { name } }'))).toBe(2);
      expect(Math.ceil(queryComplexity('{ user(id: "me") { createdIssues { nodes { id title createdAt } } } }'))).toBe(66);
      expect(Math.ceil(queryComplexity('query MyCreatedIssues { user(id: "me") { createdIssues(first: 10) { nodes { id title createdAt } } } }'))).toBe(14);
    });

    it('multiplies nested connections, taking the page size from variables and 50 when none is given', () => {
      // 250 issues × (1 + 0.1 + 50 labels × 1.2)
      expect(queryComplexity('query($n: Int) { issues(first: $n) { nodes { id labels { nodes { id name } } } } }', { n: 250 })).toBeCloseTo(15_275);
      expect(queryComplexity('query($n: Int) { issues(first: $n) { nodes { id } } }', {})).toBeCloseTo(55);
    });

    it('refuses a query over 10,000 points with 400 "Query too complex" and the score', async () => {
      const response = await post(linear, '{ issues(first: 250) { nodes { id labels { nodes { id name } } } } }');
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        {
          message: 'Query too complex',
          extensions: expect.objectContaining({
            code: 'INPUT_ERROR',
            type: 'invalid input',
            userPresentableMessage: expect.stringMatching(/^The query is too complex\. Complexity: 1527\d(\.\d+)?\. Maximum allowed complexity: 10000\.$/),
          }),
        },
      ]);
      expect(linear.operations().at(-1)?.errors).toEqual(['Query too complex']);
    });

    it('answers a query of at most 10,000 points, with X-Complexity rounded up', async () => {
      const response = await post(linear, '{ issues(first: 150) { nodes { id labels { nodes { id name } } } } }');
      expect(response.status).toBe(200);
      expect(response.headers.get('x-complexity')).toBe('9165');
    });

    it('refuses the SDK\'s issues page of 250 (the gateway\'s PAGE_MAX) as too complex, and answers 200 a page', async () => {
      const refused = await sdkError(client.issues({ first: 250 }));
      expect(refused).toMatchObject({ type: 'InvalidInput', status: 400, message: expect.stringContaining('Maximum allowed complexity: 10000') });
      expect((await client.issues({ first: 200 })).nodes).toHaveLength(1);
    });
  });

  describe('hourly budgets', () => {
    it('refuses a request over the hourly request budget with RATELIMITED in an HTTP 400, statusCode 429 and retry-after', async () => {
      await start({ budgets: { requestsPerHour: 2 } });
      await client.viewer;
      await client.viewer;
      const response = await post(linear, '{ viewer { id } }');
      expect(response.status).toBe(400);
      expect(response.body.errors?.[0]).toMatchObject({
        message: 'Rate limit exceeded. Only 2 requests are allowed per 1 hour and you have made 2 requests in the last hour.',
        extensions: { code: 'RATELIMITED', type: 'ratelimited', statusCode: 429 },
      });
      expect(response.headers.get('x-ratelimit-requests-remaining')).toBe('0');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('gives the SDK a RatelimitedLinearError the gateway retries after retry-after when the budget is spent', async () => {
      await start({ budgets: { requestsPerHour: 1 } });
      await client.viewer;
      const error = await sdkError(client.viewer);
      expect(error).toMatchObject({ type: 'Ratelimited', status: 400, retryAfter: 3600 });
      expect(classifyLinearError(error, Date.now())).toMatchObject({ retryable: true, retryAfterMs: 3_600_000 });
    });

    it('refills the request budget at a constant limit / hour, as a leaky bucket', async () => {
      let now = Date.parse('2026-03-01T10:00:00Z');
      await start({ budgets: { requestsPerHour: 2 }, now: () => now });
      await client.viewer;
      await client.viewer;
      await expect(client.viewer).rejects.toMatchObject({ type: 'Ratelimited' });
      now += 30 * 60_000; // half an hour refills one of two
      await expect(client.viewer).resolves.toMatchObject({ id: 'user-scopekeeper' });
      await expect(client.viewer).rejects.toMatchObject({ type: 'Ratelimited' });
    });

    it('refuses a query costing more complexity points than remain this hour with RATELIMITED', async () => {
      await start({ budgets: { complexityPerHour: 100 } });
      expect((await post(linear, '{ issues(first: 80) { nodes { id } } }')).status).toBe(200); // 88 points
      const response = await post(linear, '{ issues(first: 20) { nodes { id } } }'); // 22 more
      expect(response.status).toBe(400);
      expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATELIMITED' });
    });

    it('sends the request and complexity budget headers with every answer, resets in epoch milliseconds', async () => {
      const before = Date.now();
      const response = await post(linear, '{ viewer { id } }');
      expect(response.headers.get('x-ratelimit-requests-limit')).toBe(String(DEFAULT_REQUESTS_PER_HOUR));
      expect(response.headers.get('x-ratelimit-requests-remaining')).toBe(String(DEFAULT_REQUESTS_PER_HOUR - 1));
      expect(Number(response.headers.get('x-ratelimit-requests-reset'))).toBeGreaterThanOrEqual(before);
      expect(Number(response.headers.get('x-ratelimit-requests-reset'))).toBeLessThan(before + 3_600_000);
      expect(response.headers.get('x-ratelimit-complexity-limit')).toBe('3000000');
      expect(response.headers.get('x-ratelimit-complexity-remaining')).toBe('2999998');
      expect(response.headers.get('x-complexity')).toBe('2');
    });

    it('answers an injected rate limit as Linear does: HTTP 400, RATELIMITED, retry-after and the reset time', async () => {
      linear.failNext(1, 'ratelimit', { retryAfterSeconds: 20 });
      const response = await post(linear, '{ viewer { id } }');
      expect(response.status).toBe(400);
      expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATELIMITED', statusCode: 429 });
      expect(response.headers.get('retry-after')).toBe('20');
      expect(Number(response.headers.get('x-ratelimit-requests-reset'))).toBeGreaterThan(Date.now());
    });

    it('does not limit requests when the budgets are turned off', async () => {
      await start({ budgets: false });
      for (let i = 0; i < 3; i++) await client.viewer;
      expect(linear.operations().every((op) => op.errors.length === 0)).toBe(true);
    });
  });

  describe('pagination', () => {
    beforeEach(() =>
      linear.seed({ issues: Array.from({ length: 60 }, (_, i) => ({ id: `iss-p${String(i).padStart(2, '0')}`, teamId: 'team-eng', stateId: 'st-eng-todo' })) }),
    );

    it('returns the first 50 nodes when no page size is given', async () => {
      const response = await post(linear, '{ issues { nodes { id } pageInfo { hasNextPage } } }');
      const { issues } = response.body.data as { issues: { nodes: unknown[]; pageInfo: { hasNextPage: boolean } } };
      expect(issues.nodes).toHaveLength(50);
      expect(issues.pageInfo.hasNextPage).toBe(true);
    });

    it('pages through with endCursor as after until hasNextPage is false', async () => {
      const connection = await client.issues({ first: 25 });
      while (connection.pageInfo.hasNextPage) await connection.fetchNext();
      expect(new Set(connection.nodes.map((i) => i.id)).size).toBe(61);
    });

    it('refuses a page size above 250 or below 0', async () => {
      for (const first of [251, -1]) {
        const response = await post(linear, 'query($first: Int) { teams(first: $first) { nodes { id } } }', { first });
        expect(response.body.errors?.[0]?.extensions).toMatchObject({ type: 'invalid input' });
      }
    });

    it('refuses a cursor the connection did not give', async () => {
      const response = await post(linear, '{ issues(first: 5, after: "not-a-cursor") { nodes { id } } }');
      expect(response.body.errors?.[0]?.extensions).toMatchObject({ type: 'invalid input', userPresentableMessage: 'Invalid cursor' });
    });
  });

  describe('mutation input', () => {
    it('refuses a create id that is not in UUID v4 format', async () => {
      for (const id of ['comment-1', '7d4c8a52-3f0e-1b6a-9c1d-2e5f6a7b8c9d']) {
        const error = await sdkError(client.createComment({ id, issueId: 'iss-eng', body: 'Hello' }));
        expect(error).toMatchObject({ type: 'InvalidInput', message: expect.stringContaining('UUID v4') });
      }
      expect(linear.comments()).toEqual([]);
    });

    it('refuses a second create with the same id, and keeps the first', async () => {
      await client.createComment({ id: V4, issueId: 'iss-eng', body: 'First' });
      const error = await sdkError(client.createComment({ id: V4, issueId: 'iss-eng', body: 'Second' }));
      expect(error).toMatchObject({ type: 'InvalidInput', message: expect.stringContaining(`Comment with id ${V4} already exists`) });
      expect(linear.comments().map((c) => c.body)).toEqual(['First']);
    });

    it('edits a comment in place with commentUpdate, and answers an id it does not have with "Entity not found: Comment"', async () => {
      await client.createComment({ id: V4, issueId: 'iss-eng', body: 'First' });
      expect((await client.updateComment(V4, { body: 'Edited' })).success).toBe(true);
      expect(linear.comments().map((c) => [c.id, c.body])).toEqual([[V4, 'Edited']]);
      const error = await sdkError(client.updateComment('1b2c3d4e-5f60-4a1b-8c2d-3e4f5a6b7c8d', { body: 'Nowhere' }));
      expect(error).toMatchObject({ type: 'InvalidInput', message: expect.stringContaining('Entity not found: Comment') });
    });

    it('refuses to edit a comment another user wrote, or one deleted in Linear, and keeps a deleted comment\'s id taken', async () => {
      linear.addComment({ id: V4, issueId: 'iss-eng', body: 'Written by a person', userId: 'user-someone' });
      const other = await sdkError(client.updateComment(V4, { body: 'Rewritten' }));
      expect(other).toMatchObject({ type: 'Forbidden' });
      const mine = '1b2c3d4e-5f60-4a1b-8c2d-3e4f5a6b7c8d';
      await client.createComment({ id: mine, issueId: 'iss-eng', body: 'Mine' });
      linear.deleteComment(mine);
      expect(await sdkError(client.updateComment(mine, { body: 'Again' }))).toMatchObject({ message: expect.stringContaining('Entity not found: Comment') });
      expect(await sdkError(client.createComment({ id: mine, issueId: 'iss-eng', body: 'Again' }))).toMatchObject({ type: 'InvalidInput' });
      expect(linear.comments().map((c) => c.body)).toEqual(['Written by a person']);
    });

    it('answers User.admin as seeded, false by default', async () => {
      linear.seed({ users: [{ id: 'user-admin', name: 'Ada Admin', email: 'ada@example.com', admin: true }, { id: 'user-member', name: 'Max Member', email: 'max@example.com' }] });
      const page = await client.users({ filter: { id: { in: ['user-admin', 'user-member'] } } });
      expect(page.nodes.map((u) => [u.id, u.admin])).toEqual([
        ['user-admin', true],
        ['user-member', false],
      ]);
    });

    it('leaves deactivated users out of users unless includeDisabled is set, as Linear does', async () => {
      linear.seed({ users: [{ id: 'user-gone', name: 'Gia Gone', email: 'gia@example.com', admin: true, active: false }, { id: 'user-here', name: 'Hal Here', email: 'hal@example.com' }] });
      const filter = { id: { in: ['user-gone', 'user-here'] } };
      expect((await client.users({ filter })).nodes.map((u) => u.id)).toEqual(['user-here']);
      expect((await client.users({ filter, includeDisabled: true })).nodes.map((u) => [u.id, u.active])).toEqual([
        ['user-gone', false],
        ['user-here', true],
      ]);
    });

    it('refuses a stateId that is not a UUID, such as a state name, with "stateId must be a UUID"', async () => {
      const error = await sdkError(client.updateIssue('iss-eng', { stateId: 'Done' }));
      expect(error).toMatchObject({ type: 'InvalidInput', message: expect.stringContaining('stateId must be a UUID') });
    });

    it('refuses a workflow state of another team than the issue\'s', async () => {
      const error = await sdkError(client.updateIssue('iss-eng', { stateId: 'st-ops-done' }));
      expect(error).toMatchObject({ type: 'InvalidInput', message: expect.stringContaining('Discrepancy between issue team and state') });
      expect(linear.issue('iss-eng')?.stateId).toBe('st-eng-todo');
    });

    it('refuses another team\'s label on an issue, and accepts a workspace label', async () => {
      const added = await sdkError(client.issueAddLabel('iss-eng', 'lab-ops-urgent'));
      expect(added).toMatchObject({ type: 'InvalidInput', message: expect.stringContaining("The label 'Urgent' is not associated with the same team as the issue.") });
      await expect(sdkError(client.updateIssue('iss-eng', { addedLabelIds: ['lab-ops-urgent'] }))).resolves.toMatchObject({ type: 'InvalidInput' });
      await client.issueAddLabel('iss-eng', 'lab-all-security');
      expect(linear.issue('iss-eng')?.labelIds).toEqual(['lab-all-security']);
    });

    it('refuses a label name its team or the workspace already has, in any case, and accepts it in another team', async () => {
      const inTeam = await sdkError(client.createIssueLabel({ teamId: 'team-eng', name: 'bug' }));
      expect(inTeam).toMatchObject({ type: 'InvalidInput', message: expect.stringContaining('Label with this name already exists') });
      await expect(sdkError(client.createIssueLabel({ teamId: 'team-ops', name: 'SECURITY' }))).resolves.toMatchObject({ type: 'InvalidInput' });
      await expect(sdkError(client.createIssueLabel({ name: 'Urgent' }))).resolves.toMatchObject({ type: 'InvalidInput' });
      expect((await client.createIssueLabel({ teamId: 'team-ops', name: 'Bug' })).success).toBe(true);
    });

    it('answers an entity it does not have with "Entity not found" in a 200 answer', async () => {
      const response = await post(linear, '{ issue(id: "ENG-999") { id } }');
      expect(response.status).toBe(200);
      expect(response.body.errors?.[0]).toMatchObject({ message: 'Entity not found: Issue', extensions: { code: 'INPUT_ERROR', type: 'invalid input' } });
    });
  });
});
