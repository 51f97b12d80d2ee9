/**
 * A local stand-in for Linear's GraphQL API, for running the real @linear/sdk in tests.
 *
 *   const linear = await startLinearStandIn({ teams, states, labels, issues, users, viewer }, { apiKey: 'test-key' });
 *   const client = new LinearClient({ apiKey: 'test-key', apiUrl: linear.url });
 *
 * With `apiKey` set, a request with any other key gets Linear's authentication error; without
 * it, any non-empty key is accepted. Without a seeded viewer the viewer is "Scopekeeper"
 * (id user-scopekeeper); comments created through the API are authored by the viewer.
 *
 * It serves Linear's published schema (test/fixtures/linear/schema.graphql, the one SDK 88.3.0
 * ships with) at http://127.0.0.1:<random port>/graphql. Every operation is parsed and
 * validated against that schema first, so a wrong field, argument or input is refused with a
 * 400 and GRAPHQL_VALIDATION_FAILED, as Linear refuses it. Seeded entities answer by id;
 * every field the seed does not model gets schema-shaped mock data (@graphql-tools/mock).
 *
 * Modelled: viewer, user(s), team(s) with key, workflowState(s), issueLabel(s), issue(s)
 * (cursor pagination, filters on the fields seeded here), comment(s), and the relations
 * Issue.team/state/assignee/labels/labelIds/comments, Team.states/labels/issues,
 * WorkflowState.team, IssueLabel.team, Comment.issue/user. Mutations commentCreate,
 * issueUpdate (stateId, labelIds, addedLabelIds, removedLabelIds, title, description,
 * assigneeId), issueLabelCreate, issueAddLabel and issueRemoveLabel change the seeded data.
 * A create with an id that exists already is refused (invalid input), as Linear refuses it.
 *
 * Returned API (keep it small; other test files depend on it):
 *   url                       the GraphQL endpoint
 *   seed(data)                adds entities, replacing any with the same id
 *   updateIssue(id, patch)    edits an issue behind the API's back (a user edit in Linear)
 *   issue(id)                 an issue as it stands now, with stateId and labelIds
 *   comments(issueId?)        comments created through the API, oldest first
 *   labels()                  every label, seeded or created
 *   operations()              every request received: { receivedAt, operationName, query, variables, errors }
 *   failNext(n, kind, opts?)  the next n requests fail: 'ratelimit' (HTTP 429, RATELIMITED, with
 *                             retry-after and x-ratelimit-* headers), 'server-error' (HTTP 500)
 *                             or 'lost-response' (applied, then the connection is cut)
 *   reset()                   forgets operations and pending failures (seeded data stays)
 *   close()
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addMocksToSchema } from '@graphql-tools/mock';
import {
  buildSchema,
  execute,
  GraphQLError,
  isScalarType,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { LINEAR_SCHEMA_FILE } from '../fixtures/linear';

export const LINEAR_SCHEMA_PATH = LINEAR_SCHEMA_FILE;

export interface SeedUser {
  id: string;
  name: string;
  email?: string | null;
  displayName?: string;
}
export interface SeedTeam {
  id: string;
  key: string;
  name?: string;
}
export interface SeedState {
  id: string;
  name: string;
  /** triage | backlog | unstarted | started | completed | canceled | duplicate */
  type: string;
  teamId: string;
}
export interface SeedLabel {
  id: string;
  name: string;
  /** null: a workspace label. */
  teamId: string | null;
  color?: string;
}
export interface SeedIssue {
  id: string;
  teamId: string;
  stateId: string;
  /** Default `<team key>-<number>`. */
  identifier?: string;
  title?: string;
  description?: string | null;
  assigneeId?: string | null;
  labelIds?: string[];
  createdAt?: string;
  updatedAt?: string;
}
export interface LinearSeed {
  viewer?: SeedUser;
  users?: SeedUser[];
  teams?: SeedTeam[];
  states?: SeedState[];
  labels?: SeedLabel[];
  issues?: SeedIssue[];
}

export interface RecordedOperation {
  /** When the request arrived, in epoch milliseconds (fractional), for latency benchmarks. */
  receivedAt: number;
  operationName: string | null;
  query: string;
  variables: Record<string, unknown>;
  /** Messages of the errors it was answered with; empty when it succeeded. */
  errors: string[];
}

export interface StandInIssue {
  id: string;
  identifier: string;
  title: string;
  description: string | null;
  teamId: string;
  stateId: string;
  assigneeId: string | null;
  labelIds: string[];
  createdAt: string;
  updatedAt: string;
}
export interface StandInComment {
  id: string;
  issueId: string;
  body: string;
  userId: string;
  createdAt: string;
}

export type FailureKind = 'ratelimit' | 'server-error' | 'lost-response';

export interface LinearStandIn {
  url: string;
  seed(data: LinearSeed): void;
  updateIssue(id: string, patch: Partial<Omit<SeedIssue, 'id'>>): void;
  issue(id: string): StandInIssue | undefined;
  comments(issueId?: string): StandInComment[];
  labels(): SeedLabel[];
  operations(): RecordedOperation[];
  failNext(count: number, kind: FailureKind, options?: { retryAfterSeconds?: number }): void;
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_VIEWER: SeedUser = { id: 'user-scopekeeper', name: 'Scopekeeper', email: 'scopekeeper@example.com' };
const MAX_PAGE = 250;
const DEFAULT_PAGE = 50;

interface Issue extends StandInIssue {
  number: number;
}
interface State {
  viewer: SeedUser;
  users: Map<string, SeedUser>;
  teams: Map<string, SeedTeam>;
  states: Map<string, SeedState>;
  labels: Map<string, SeedLabel>;
  issues: Map<string, Issue>;
  comments: Map<string, StandInComment>;
  numbers: Map<string, number>;
  clock: number;
  syncId: number;
}

type Node = Record<string, unknown>;
type Args = Record<string, unknown>;

/** Starts the stand-in; seed data can be given now or later with `seed`. */
export async function startLinearStandIn(initial: LinearSeed = {}, options: { apiKey?: string } = {}): Promise<LinearStandIn> {
  const { schema, mocked } = loadSchemas();
  const state: State = {
    viewer: DEFAULT_VIEWER,
    users: new Map([[DEFAULT_VIEWER.id, DEFAULT_VIEWER]]),
    teams: new Map(),
    states: new Map(),
    labels: new Map(),
    issues: new Map(),
    comments: new Map(),
    numbers: new Map(),
    clock: Date.parse('2026-01-01T00:00:00.000Z'),
    syncId: 1000,
  };
  let recorded: RecordedOperation[] = [];
  let failures: { kind: FailureKind; retryAfterSeconds: number }[] = [];

  const seed = (data: LinearSeed): void => {
    if (data.viewer) {
      state.viewer = data.viewer;
      state.users.set(data.viewer.id, data.viewer);
    }
    for (const user of data.users ?? []) state.users.set(user.id, user);
    for (const team of data.teams ?? []) state.teams.set(team.id, team);
    for (const s of data.states ?? []) state.states.set(s.id, s);
    for (const label of data.labels ?? []) state.labels.set(label.id, label);
    for (const issue of data.issues ?? []) putIssue(state, issue);
  };
  seed(initial);

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: (error as Error).message }] });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'POST' || url.pathname !== '/graphql') {
      return sendJson(res, 404, { errors: [{ message: 'POST /graphql only' }] });
    }
    const receivedAt = performance.timeOrigin + performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      return sendJson(res, 400, { errors: [linearError('Body is not JSON', 'BAD_REQUEST', 'invalid input')] });
    }
    const query = typeof body.query === 'string' ? body.query : '';
    const variables = (body.variables ?? {}) as Record<string, unknown>;
    const entry: RecordedOperation = { receivedAt, operationName: typeof body.operationName === 'string' ? body.operationName : null, query, variables, errors: [] };
    recorded.push(entry);
    type Answer = { data?: unknown; errors?: { message: string; [field: string]: unknown }[] };
    const answer = (status: number, payload: Answer, headers: Record<string, string> = {}) => {
      entry.errors = (payload.errors ?? []).map((e) => e.message);
      sendJson(res, status, payload, headers);
    };

    let document: DocumentNode | null = null;
    let syntaxError: GraphQLError | null = null;
    try {
      document = parse(query);
      const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
      if (entry.operationName === null && operation?.kind === Kind.OPERATION_DEFINITION) entry.operationName = operation.name?.value ?? null;
    } catch (error) {
      syntaxError = error as GraphQLError;
    }

    const failure = failures.shift();
    if (failure?.kind === 'ratelimit') {
      const resetAt = Date.now() + failure.retryAfterSeconds * 1000;
      return answer(429, { errors: [linearError('Rate limit exceeded', 'RATELIMITED', 'ratelimited', 'You have exceeded the API rate limit. Try again later.')] }, {
        'retry-after': String(failure.retryAfterSeconds),
        'x-ratelimit-requests-limit': '5000',
        'x-ratelimit-requests-remaining': '0',
        'x-ratelimit-requests-reset': String(resetAt),
      });
    }
    if (failure?.kind === 'server-error') {
      return answer(500, { errors: [linearError('Internal server error', 'INTERNAL_SERVER_ERROR', 'internal error')] });
    }

    const key = req.headers.authorization;
    if (!key || (options.apiKey !== undefined && key !== options.apiKey)) {
      return answer(400, {
        errors: [linearError('Authentication required, not authenticated', 'AUTHENTICATION_ERROR', 'authentication error', 'You need to authenticate to access this operation.')],
      });
    }
    if (!document) {
      return answer(400, { errors: [{ ...(syntaxError?.toJSON() ?? { message: 'Syntax error' }), extensions: { code: 'GRAPHQL_PARSE_FAILED', type: 'graphql error', userError: true } }] });
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0) {
      return answer(400, {
        errors: invalid.map((e) => ({ ...e.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED', type: 'graphql error', userError: true } })),
      });
    }
    const result = await execute({ schema: mocked, document, variableValues: variables, contextValue: { state } });
    if (failure?.kind === 'lost-response') {
      // The operation took effect, but the caller never hears about it.
      entry.errors = ['response lost'];
      res.destroy();
      return;
    }
    return answer(200, JSON.parse(JSON.stringify(result)) as Answer);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/graphql`,
    seed,
    updateIssue(id, patch) {
      const issue = state.issues.get(id);
      if (!issue) throw new Error(`linear stand-in: no issue ${id}`);
      putIssue(state, { ...issue, ...patch, updatedAt: patch.updatedAt ?? tick(state) });
    },
    issue: (id) => {
      const issue = state.issues.get(id);
      if (!issue) return undefined;
      const { number: _number, ...view } = issue;
      return structuredClone(view);
    },
    comments: (issueId) => [...state.comments.values()].filter((c) => issueId === undefined || c.issueId === issueId).map((c) => ({ ...c })),
    labels: () => [...state.labels.values()].map((l) => ({ ...l })),
    operations: () => recorded.map((o) => ({ ...o })),
    failNext(count, kind, opts = {}) {
      for (let i = 0; i < count; i++) failures.push({ kind, retryAfterSeconds: opts.retryAfterSeconds ?? 30 });
    },
    reset() {
      recorded = [];
      failures = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Schema: parsed once per process (1.2 MB of SDL); seeded data travels in the execution context.

let schemas: { schema: GraphQLSchema; mocked: GraphQLSchema } | undefined;

function loadSchemas(): { schema: GraphQLSchema; mocked: GraphQLSchema } {
  if (schemas) return schemas;
  if (!existsSync(LINEAR_SCHEMA_PATH)) {
    throw new Error(
      `Linear's schema is missing at ${LINEAR_SCHEMA_PATH}. It is part of the repository ` +
        '(see test/fixtures/linear/README.md); restore it with "git checkout -- test/fixtures/linear/schema.graphql".',
    );
  }
  const schema = buildSchema(readFileSync(LINEAR_SCHEMA_PATH, 'utf8'));
  const mocks: Record<string, () => unknown> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isScalarType(type) || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
    mocks[type.name] = scalarMock(type.name);
  }
  const mocked = addMocksToSchema({
    schema,
    mocks,
    mockGenerationBehavior: 'deterministic',
    preserveResolvers: true,
    resolvers: createResolvers(),
  });
  schemas = { schema, mocked };
  return schemas;
}

function scalarMock(name: string): () => unknown {
  if (name === 'DateTime' || name === 'DateTimeOrDuration') return () => '2026-01-01T00:00:00.000Z';
  if (name === 'TimelessDate' || name === 'TimelessDateOrDuration') return () => '2026-01-01';
  if (name === 'JSON' || name === 'JSONObject') return () => ({});
  if (name === 'Duration') return () => 'P1D';
  if (name === 'UUID') return () => randomUUID();
  return () => name;
}

type Resolver = (source: Node, args: Args, context: { state: State }) => unknown;

function createResolvers(): Record<string, Record<string, Resolver>> {
  return {
    Query: {
      viewer: (_s, _a, { state }) => userNode(state, state.viewer.id),
      user: (_s, args, { state }) => userNode(state, String(args.id)) ?? notFound('User'),
      users: (_s, args, { state }) => connect([...state.users.keys()].map((id) => userNode(state, id)!), args),
      team: (_s, args, { state }) => teamNode(state, String(args.id)) ?? notFound('Team'),
      teams: (_s, args, { state }) => connect([...state.teams.keys()].map((id) => teamNode(state, id)!), args),
      workflowState: (_s, args, { state }) => stateNode(state, String(args.id)) ?? notFound('WorkflowState'),
      workflowStates: (_s, args, { state }) => connect([...state.states.keys()].map((id) => stateNode(state, id)!), args),
      issueLabel: (_s, args, { state }) => labelNode(state, String(args.id)) ?? notFound('IssueLabel'),
      issueLabels: (_s, args, { state }) => connect([...state.labels.keys()].map((id) => labelNode(state, id)!), args),
      issue: (_s, args, { state }) => issueNode(state, findIssueId(state, String(args.id))) ?? notFound('Issue'),
      issues: (_s, args, { state }) => connect(issuesInOrder(state, args), args),
      comment: (_s, args, { state }) => commentNode(state, String(args.id)) ?? notFound('Comment'),
      comments: (_s, args, { state }) => connect([...state.comments.keys()].map((id) => commentNode(state, id)!), args),
    },
    Mutation: {
      commentCreate: (_s, args, { state }) => createComment(state, args.input as Args),
      issueUpdate: (_s, args, { state }) => updateIssue(state, String(args.id), args.input as Args),
      issueLabelCreate: (_s, args, { state }) => createLabel(state, args.input as Args),
      issueAddLabel: (_s, args, { state }) => changeLabels(state, String(args.id), [String(args.labelId)], []),
      issueRemoveLabel: (_s, args, { state }) => changeLabels(state, String(args.id), [], [String(args.labelId)]),
    },
    // Relations of seeded nodes; a mocked parent (no `$seeded`) falls through to mock data.
    Issue: {
      labels: (issue, args, { state }) => (issue.$seeded ? connect((issue.labelIds as string[]).map((id) => labelNode(state, id)!), args) : undefined),
      comments: (issue, args, { state }) =>
        issue.$seeded
          ? connect([...state.comments.values()].filter((c) => c.issueId === issue.id).map((c) => commentNode(state, c.id)!), args)
          : undefined,
    },
    Team: {
      states: (team, args, { state }) =>
        team.$seeded ? connect([...state.states.values()].filter((s) => s.teamId === team.id).map((s) => stateNode(state, s.id)!), args) : undefined,
      labels: (team, args, { state }) =>
        team.$seeded ? connect([...state.labels.values()].filter((l) => l.teamId === team.id).map((l) => labelNode(state, l.id)!), args) : undefined,
      issues: (team, args, { state }) =>
        team.$seeded ? connect(issuesInOrder(state, args).filter((i) => (i.team as Node).id === team.id), args) : undefined,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Nodes: plain objects in the schema's shape. Relations are nested nodes, so filters such as
// { team: { key: { eq: "ENG" } } } can walk them.

function userNode(state: State, id: string): Node | null {
  const user = state.users.get(id);
  if (!user) return null;
  return {
    $seeded: true,
    id: user.id,
    name: user.name,
    displayName: user.displayName ?? user.name.split(' ')[0],
    email: user.email ?? null,
    active: true,
    isMe: user.id === state.viewer.id,
  };
}

function teamNode(state: State, id: string): Node | null {
  const team = state.teams.get(id);
  if (!team) return null;
  return { $seeded: true, id: team.id, key: team.key, name: team.name ?? team.key };
}

function stateNode(state: State, id: string): Node | null {
  const s = state.states.get(id);
  if (!s) return null;
  return { $seeded: true, id: s.id, name: s.name, type: s.type, team: teamNode(state, s.teamId) };
}

function labelNode(state: State, id: string): Node | null {
  const label = state.labels.get(id);
  if (!label) return null;
  return {
    $seeded: true,
    id: label.id,
    name: label.name,
    color: label.color ?? '#bec2c8',
    isGroup: false,
    team: label.teamId === null ? null : teamNode(state, label.teamId),
  };
}

function issueNode(state: State, id: string | undefined): Node | null {
  const issue = id === undefined ? undefined : state.issues.get(id);
  if (!issue) return null;
  const labelIds = [...issue.labelIds];
  return {
    $seeded: true,
    id: issue.id,
    identifier: issue.identifier,
    number: issue.number,
    title: issue.title,
    description: issue.description,
    createdAt: issue.createdAt,
    updatedAt: issue.updatedAt,
    archivedAt: null,
    team: teamNode(state, issue.teamId),
    state: stateNode(state, issue.stateId),
    assignee: issue.assigneeId === null ? null : userNode(state, issue.assigneeId),
    labelIds,
    // For filters such as { labels: { some: { name: { eq: "bug" } } } }; the GraphQL field has its own resolver.
    labels: labelIds.map((l) => labelNode(state, l)),
  };
}

function commentNode(state: State, id: string): Node | null {
  const comment = state.comments.get(id);
  if (!comment) return null;
  return {
    $seeded: true,
    id: comment.id,
    body: comment.body,
    createdAt: comment.createdAt,
    updatedAt: comment.createdAt,
    issue: issueNode(state, comment.issueId),
    issueId: comment.issueId,
    user: userNode(state, comment.userId),
  };
}

function putIssue(state: State, seed: SeedIssue): void {
  const team = state.teams.get(seed.teamId);
  if (!team) throw new Error(`linear stand-in: seed team ${seed.teamId} before issue ${seed.id}`);
  if (!state.states.has(seed.stateId)) throw new Error(`linear stand-in: seed state ${seed.stateId} before issue ${seed.id}`);
  const existing = state.issues.get(seed.id);
  let number = existing?.number;
  if (number === undefined) {
    number = (state.numbers.get(team.id) ?? 0) + 1;
    state.numbers.set(team.id, number);
  }
  const createdAt = seed.createdAt ?? existing?.createdAt ?? tick(state);
  state.issues.set(seed.id, {
    id: seed.id,
    identifier: seed.identifier ?? existing?.identifier ?? `${team.key}-${number}`,
    number,
    title: seed.title ?? existing?.title ?? `Issue ${number}`,
    description: seed.description === undefined ? (existing?.description ?? null) : seed.description,
    teamId: seed.teamId,
    stateId: seed.stateId,
    assigneeId: seed.assigneeId === undefined ? (existing?.assigneeId ?? null) : seed.assigneeId,
    labelIds: [...(seed.labelIds ?? existing?.labelIds ?? [])],
    createdAt,
    updatedAt: seed.updatedAt ?? createdAt,
  });
}

/** A stand-in clock that only moves forward, one millisecond per event, so orders are stable. */
function tick(state: State): string {
  state.clock = Math.max(state.clock + 1, Date.now());
  return new Date(state.clock).toISOString();
}

function findIssueId(state: State, idOrIdentifier: string): string | undefined {
  if (state.issues.has(idOrIdentifier)) return idOrIdentifier;
  return [...state.issues.values()].find((i) => i.identifier === idOrIdentifier)?.id;
}

function issuesInOrder(state: State, args: Args): Node[] {
  const field = args.orderBy === 'updatedAt' ? 'updatedAt' : 'createdAt';
  // Newest first, ties broken by id, so the order (and so every cursor) is stable.
  return [...state.issues.values()]
    .sort((a, b) => (a[field] === b[field] ? a.id.localeCompare(b.id) : a[field] < b[field] ? 1 : -1))
    .map((i) => issueNode(state, i.id)!);
}

// ---------------------------------------------------------------------------------------------
// Mutations

function payload(state: State, extra: Node): Node {
  state.syncId += 1;
  return { success: true, lastSyncId: state.syncId, ...extra };
}

function createComment(state: State, input: Args): Node {
  const id = checkNewId(input.id, state.comments, 'Comment');
  const issueId = findIssueId(state, String(input.issueId ?? ''));
  if (issueId === undefined) throw notFoundError('Issue');
  if (typeof input.body !== 'string' || input.body.trim() === '') throw invalidInput('body must not be empty');
  state.comments.set(id, { id, issueId, body: input.body, userId: state.viewer.id, createdAt: tick(state) });
  return payload(state, { comment: commentNode(state, id) });
}

function updateIssue(state: State, idOrIdentifier: string, input: Args): Node {
  const id = findIssueId(state, idOrIdentifier);
  const issue = id === undefined ? undefined : state.issues.get(id);
  if (!issue) throw notFoundError('Issue');
  const modelled = new Set(['stateId', 'labelIds', 'addedLabelIds', 'removedLabelIds', 'title', 'description', 'assigneeId']);
  const unmodelled = Object.keys(input).filter((k) => !modelled.has(k));
  if (unmodelled.length > 0) throw new Error(`linear stand-in does not model IssueUpdateInput.${unmodelled.join(', ')}`);
  const next = { ...issue, labelIds: [...issue.labelIds] };
  if (typeof input.stateId === 'string') {
    const target = state.states.get(input.stateId);
    if (!target) throw notFoundError('WorkflowState');
    if (target.teamId !== issue.teamId) throw invalidInput('The workflow state does not belong to the issue\'s team.');
    next.stateId = target.id;
  }
  if (typeof input.title === 'string') next.title = input.title;
  if (input.description !== undefined) next.description = input.description as string | null;
  if (input.assigneeId !== undefined) next.assigneeId = input.assigneeId as string | null;
  if (Array.isArray(input.labelIds)) next.labelIds = checkLabels(state, input.labelIds as string[]);
  if (Array.isArray(input.addedLabelIds)) next.labelIds = [...new Set([...next.labelIds, ...checkLabels(state, input.addedLabelIds as string[])])];
  if (Array.isArray(input.removedLabelIds)) next.labelIds = next.labelIds.filter((l) => !(input.removedLabelIds as string[]).includes(l));
  next.updatedAt = tick(state);
  state.issues.set(issue.id, next);
  return payload(state, { issue: issueNode(state, issue.id) });
}

function changeLabels(state: State, idOrIdentifier: string, add: string[], remove: string[]): Node {
  const id = findIssueId(state, idOrIdentifier);
  const issue = id === undefined ? undefined : state.issues.get(id);
  if (!issue) throw notFoundError('Issue');
  checkLabels(state, [...add, ...remove]);
  const labelIds = [...new Set([...issue.labelIds, ...add])].filter((l) => !remove.includes(l));
  state.issues.set(issue.id, { ...issue, labelIds, updatedAt: tick(state) });
  return payload(state, { issue: issueNode(state, issue.id) });
}

function createLabel(state: State, input: Args): Node {
  const id = checkNewId(input.id, state.labels, 'IssueLabel');
  const teamId = typeof input.teamId === 'string' ? input.teamId : null;
  if (teamId !== null && !state.teams.has(teamId)) throw notFoundError('Team');
  const name = String(input.name ?? '').trim();
  if (name === '') throw invalidInput('name must not be empty');
  const clash = [...state.labels.values()].find((l) => l.teamId === teamId && l.name.toLowerCase() === name.toLowerCase());
  if (clash) throw invalidInput('A label with this name already exists.');
  state.labels.set(id, { id, name, teamId, color: typeof input.color === 'string' ? input.color : '#bec2c8' });
  return payload(state, { issueLabel: labelNode(state, id) });
}

function checkLabels(state: State, ids: string[]): string[] {
  for (const id of ids) if (!state.labels.has(id)) throw notFoundError('IssueLabel');
  return ids;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkNewId(value: unknown, existing: Map<string, unknown>, entity: string): string {
  if (value === undefined || value === null) return randomUUID();
  if (typeof value !== 'string' || !UUID.test(value)) throw invalidInput('id must be a UUID');
  if (existing.has(value)) {
    // A retried create with the same client-chosen id is refused, which makes it idempotent.
    throw new GraphQLError('Argument Validation Error', {
      extensions: {
        code: 'INVALID_INPUT',
        type: 'invalid input',
        userError: true,
        userPresentableMessage: `${entity} with id ${value} already exists.`,
      },
    });
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Pagination and filters

function connect(all: Node[], args: Args): Node {
  const filtered = args.filter ? all.filter((node) => matches(node, args.filter as Args)) : all;
  const first = args.first === undefined || args.first === null ? DEFAULT_PAGE : Number(args.first);
  if (first < 0 || first > MAX_PAGE) throw invalidInput(`first must be between 0 and ${MAX_PAGE}`);
  let start = 0;
  if (typeof args.after === 'string') {
    const afterId = decodeCursor(args.after);
    const index = filtered.findIndex((n) => n.id === afterId);
    if (index < 0) throw invalidInput('Invalid cursor');
    start = index + 1;
  }
  const nodes = filtered.slice(start, start + first);
  const last = nodes[nodes.length - 1];
  return {
    nodes,
    edges: nodes.map((node) => ({ node, cursor: encodeCursor(String(node.id)) })),
    pageInfo: {
      hasNextPage: start + first < filtered.length,
      hasPreviousPage: start > 0,
      startCursor: nodes[0] ? encodeCursor(String(nodes[0].id)) : null,
      endCursor: last ? encodeCursor(String(last.id)) : null,
    },
  };
}

const encodeCursor = (id: string): string => Buffer.from(`cursor:${id}`).toString('base64url');
const decodeCursor = (cursor: string): string => Buffer.from(cursor, 'base64url').toString('utf8').replace(/^cursor:/, '');

const OPERATORS = new Set([
  'eq', 'neq', 'in', 'nin', 'eqIgnoreCase', 'neqIgnoreCase', 'contains', 'containsIgnoreCase', 'notContains',
  'startsWith', 'startsWithIgnoreCase', 'endsWith', 'gt', 'gte', 'lt', 'lte', 'null', 'some', 'every', 'and', 'or',
]);

function matches(value: unknown, filter: Args): boolean {
  return Object.entries(filter).every(([key, arg]) => arg === undefined || arg === null || matchOne(value, key, arg));
}

function matchOne(value: unknown, key: string, arg: unknown): boolean {
  if (!OPERATORS.has(key)) {
    if (value === null || typeof value !== 'object') return false;
    const field = (value as Node)[key];
    if (field === undefined) throw new Error(`linear stand-in does not model the filter field "${key}"`);
    return matches(field, arg as Args);
  }
  const text = typeof value === 'string' ? value : null;
  const fold = (s: unknown) => String(s).toLowerCase();
  switch (key) {
    case 'and':
      return (arg as Args[]).every((f) => matches(value, f));
    case 'or':
      return (arg as Args[]).some((f) => matches(value, f));
    case 'null':
      return arg ? value === null : value !== null;
    case 'some':
      return Array.isArray(value) && value.some((v) => matches(v, arg as Args));
    case 'every':
      return Array.isArray(value) && value.every((v) => matches(v, arg as Args));
    case 'eq':
      return value === arg;
    case 'neq':
      return value !== arg;
    case 'in':
      return (arg as unknown[]).includes(value);
    case 'nin':
      return !(arg as unknown[]).includes(value);
    case 'eqIgnoreCase':
      return text !== null && fold(text) === fold(arg);
    case 'neqIgnoreCase':
      return text === null || fold(text) !== fold(arg);
    case 'contains':
      return text !== null && text.includes(String(arg));
    case 'notContains':
      return text === null || !text.includes(String(arg));
    case 'containsIgnoreCase':
      return text !== null && fold(text).includes(fold(arg));
    case 'startsWith':
      return text !== null && text.startsWith(String(arg));
    case 'startsWithIgnoreCase':
      return text !== null && fold(text).startsWith(fold(arg));
    case 'endsWith':
      return text !== null && text.endsWith(String(arg));
    default:
      return compareOrdered(value, key, arg);
  }
}

function compareOrdered(value: unknown, op: string, arg: unknown): boolean {
  const toNumber = (v: unknown): number => {
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && /^-?P/.test(v)) throw new Error('linear stand-in does not model relative (duration) date filters');
    return Date.parse(String(v));
  };
  const a = toNumber(value);
  const b = toNumber(arg);
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  return op === 'gt' ? a > b : op === 'gte' ? a >= b : op === 'lt' ? a < b : a <= b;
}

// ---------------------------------------------------------------------------------------------
// Errors in Linear's shape: the SDK picks its error class from extensions.type.

function linearError(message: string, code: string, type: string, userPresentableMessage?: string) {
  return { message, extensions: { code, type, userError: type !== 'internal error', ...(userPresentableMessage ? { userPresentableMessage } : {}) } };
}

function notFoundError(entity: string): GraphQLError {
  return new GraphQLError(`Entity not found: ${entity}`, {
    extensions: { code: 'INPUT_ERROR', type: 'invalid input', userError: true, userPresentableMessage: `Could not find referenced ${entity}.` },
  });
}

function notFound(entity: string): never {
  throw notFoundError(entity);
}

function invalidInput(message: string): GraphQLError {
  return new GraphQLError('Argument Validation Error', {
    extensions: { code: 'INVALID_INPUT', type: 'invalid input', userError: true, userPresentableMessage: message },
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
