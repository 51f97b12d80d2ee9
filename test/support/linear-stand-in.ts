/**
 * A local stand-in for Linear's GraphQL API, for running the real @linear/sdk in tests.
 *
 *   const linear = await startLinearStandIn({ teams, states, labels, issues, users, viewer }, { apiKey: 'test-key' });
 *   const client = new LinearClient({ apiKey: 'test-key', apiUrl: linear.url });
 *
 * It serves Linear's published schema (test/fixtures/linear/schema.graphql, the one SDK 88.3.0
 * ships with) at http://127.0.0.1:<random port>/graphql. Seeded entities answer by id; every
 * field the seed does not model gets schema-shaped mock data (@graphql-tools/mock). Without a
 * seeded viewer the viewer is "Scopekeeper" (id user-scopekeeper); comments created through
 * the API are authored by the viewer.
 *
 * It refuses what Linear refuses (docs/platform-rules.md lists each rule with its source page):
 *   - anything but POST /graphql with a JSON body (404 / 400);
 *   - a missing key, or with `apiKey` set any other Authorization value (an API key goes bare,
 *     not as "Bearer <key>"): 400 AUTHENTICATION_ERROR;
 *   - an operation that does not parse or validate against the schema: 400
 *     GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED;
 *   - a query scoring over 10,000 complexity points (each property 0.1, each object 1, each
 *     connection multiplies its children by `first`/`last`, default 50): 400 "Query too complex";
 *   - requests or complexity points over the hourly budgets (leaky buckets; default 2,500
 *     requests and 3,000,000 points an hour, `budgets` to change, `budgets: false` for loads
 *     beyond Linear's): 400 RATELIMITED (statusCode 429) with retry-after. Every answered
 *     request carries X-Complexity and the x-ratelimit-requests-* / -complexity-* headers;
 *   - `first` above 250 or below 0, a cursor from elsewhere; a create id that is not a UUID v4
 *     or exists already; a stateId that is neither a UUID nor a seeded id; a state or label of
 *     another team than the issue's; a label name its team or the workspace has already (any
 *     case); an id nothing has: an "invalid input" error in a 200 answer, as Linear gives them.
 * Seeded ids need not be UUIDs: a seeded id stands in for the UUID Linear would have.
 *
 * Modelled: viewer, user(s), team(s) with key, workflowState(s), issueLabel(s), issue(s)
 * (cursor pagination, filters on the fields seeded here), comment(s), and the relations
 * Issue.team/state/assignee/labels/labelIds/comments, Team.states/labels/issues,
 * WorkflowState.team, IssueLabel.team, Comment.issue/user. Mutations commentCreate, commentUpdate,
 * issueUpdate (stateId, labelIds, addedLabelIds, removedLabelIds, title, description,
 * assigneeId), issueLabelCreate, issueAddLabel and issueRemoveLabel change the seeded data.
 *
 * Options: apiKey; budgets ({ requestsPerHour, complexityPerHour } or false); now (the clock
 * the budgets refill by, epoch ms, for tests).
 *
 * Returned API (keep it small; other test files depend on it):
 *   url                       the GraphQL endpoint
 *   seed(data)                adds entities, replacing any with the same id
 *   updateIssue(id, patch)    edits an issue behind the API's back (a user edit in Linear)
 *   issue(id)                 an issue as it stands now, with stateId and labelIds
 *   comments(issueId?)        comments created through the API, oldest first
 *   labels()                  every label, seeded or created
 *   operations()              every request received: { receivedAt, operationName, query, variables, errors }
 *   failNext(n, kind, opts?)  the next n requests fail: 'ratelimit' (Linear's RATELIMITED answer,
 *                             HTTP 400, with retry-after and x-ratelimit-* headers), 'server-error'
 *                             (HTTP 500) or 'lost-response' (applied, then the connection is cut)
 *   outage(kind | null, opts?) until cleared with null, every request: 'server-error' (HTTP 500),
 *                             'ratelimit' (as failNext), 'hang' (never answered; the caller must time
 *                             out) or 'down' (the port refuses connections, as a Linear that is away)
 *   reset()                   forgets operations and pending failures, refills the budgets
 *                             (seeded data stays)
 *   close()
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addMocksToSchema } from '@graphql-tools/mock';
import {
  buildSchema,
  execute,
  getNamedType,
  GraphQLError,
  isInterfaceType,
  isObjectType,
  isScalarType,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { LINEAR_SCHEMA_FILE } from '../fixtures/linear';

export const LINEAR_SCHEMA_PATH = LINEAR_SCHEMA_FILE;

export interface SeedUser {
  id: string;
  name: string;
  email?: string | null;
  displayName?: string;
  /** `User.admin`, a workspace administrator. Default false. */
  admin?: boolean;
  /** `User.active`; a deactivated user (false) is left out of `users` unless `includeDisabled`. Default true. */
  active?: boolean;
  /** Teams the user is a member of (`User.teams`). */
  teamIds?: string[];
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
  /** Set by commentUpdate. */
  updatedAt?: string;
  editedAt?: string;
  /** Deleted in Linear (`deleteComment`): no longer read or edited, and its id stays taken. */
  deletedAt?: string;
}

export type FailureKind = 'ratelimit' | 'server-error' | 'lost-response';
export type OutageKind = 'ratelimit' | 'server-error' | 'hang' | 'down';

export interface LinearStandInOptions {
  /** The only Authorization value accepted; without it any non-empty value is. */
  apiKey?: string;
  /** Hourly budgets of one API key's user; false turns them off (loads beyond Linear's). */
  budgets?: { requestsPerHour?: number; complexityPerHour?: number } | false;
  /** The clock the budgets refill by, epoch milliseconds. Default Date.now. */
  now?: () => number;
  /**
   * An OAuth 2 application (linear.app/developers/oauth-2-0-authentication): GET /oauth/authorize
   * approves as the user `signInAs` named, POST /oauth/token exchanges the code, and the access
   * token then works as `Authorization: Bearer <token>` with that user as `viewer`.
   */
  oauth?: { clientId: string; clientSecret: string; redirectUris: string[] };
}

export interface LinearStandIn {
  url: string;
  seed(data: LinearSeed): void;
  updateIssue(id: string, patch: Partial<Omit<SeedIssue, 'id'>>): void;
  issue(id: string): StandInIssue | undefined;
  comments(issueId?: string): StandInComment[];
  /** A comment a person wrote in Linear (not through the API key). */
  addComment(comment: { id: string; issueId: string; body: string; userId: string }): void;
  /** Someone deletes a comment in Linear. */
  deleteComment(id: string): void;
  labels(): SeedLabel[];
  operations(): RecordedOperation[];
  failNext(count: number, kind: FailureKind, options?: { retryAfterSeconds?: number }): void;
  /** Resolves once the outage is in force (for 'down': the port is closed; for null: open again). */
  outage(kind: OutageKind | null, options?: { retryAfterSeconds?: number }): Promise<void>;
  /** The user who approves the next OAuth authorization (the one "signed in to Linear" in the browser). */
  signInAs(userId: string): void;
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_VIEWER: SeedUser = { id: 'user-scopekeeper', name: 'Scopekeeper', email: 'scopekeeper@example.com' };
const MAX_PAGE = 250;
const DEFAULT_PAGE = 50;
/** Linear rejects any single query scoring more (linear.app/developers/rate-limiting). */
export const MAX_QUERY_COMPLEXITY = 10_000;
/** API-key budgets an hour: the rate-limiting page's table and Linear's own RATELIMITED text. */
export const DEFAULT_REQUESTS_PER_HOUR = 2_500;
export const DEFAULT_COMPLEXITY_PER_HOUR = 3_000_000;
const HOUR_MS = 3_600_000;

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
export async function startLinearStandIn(initial: LinearSeed = {}, options: LinearStandInOptions = {}): Promise<LinearStandIn> {
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
  let outageNow: { kind: OutageKind; retryAfterSeconds: number } | null = null;
  const hung = new Set<ServerResponse>();
  const clock = options.now ?? Date.now;
  const budgets = options.budgets === false ? null : options.budgets ?? {};
  const requestBucket = new LeakyBucket(budgets?.requestsPerHour ?? DEFAULT_REQUESTS_PER_HOUR, clock);
  const complexityBucket = new LeakyBucket(budgets?.complexityPerHour ?? DEFAULT_COMPLEXITY_PER_HOUR, clock);

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

  const oauth = createOAuthEndpoints(options.oauth ?? null, clock);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/oauth/')) return oauth.handle(req, res, url);
    if (req.method !== 'POST' || url.pathname !== '/graphql') {
      return sendJson(res, 404, { errors: [{ message: 'POST /graphql only' }] });
    }
    const receivedAt = performance.timeOrigin + performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    // Linear's requests are JSON bodies sent as application/json (linear.app/developers/graphql).
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      return sendJson(res, 400, { errors: [linearError('Content-Type must be application/json', 'BAD_REQUEST', 'invalid input')] });
    }
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

    if (outageNow?.kind === 'hang') {
      // Never answered: the request stays open until the caller gives up or the outage ends.
      hung.add(res);
      res.on('close', () => hung.delete(res));
      return;
    }
    const failure = outageNow && outageNow.kind !== 'down' ? { kind: outageNow.kind, retryAfterSeconds: outageNow.retryAfterSeconds } : failures.shift();
    if (failure?.kind === 'ratelimit') {
      const limit = budgets?.requestsPerHour ?? DEFAULT_REQUESTS_PER_HOUR;
      return answer(400, { errors: [rateLimitedError(`Rate limit exceeded. Only ${limit} requests are allowed per 1 hour.`)] }, {
        'retry-after': String(failure.retryAfterSeconds),
        'x-ratelimit-requests-limit': String(limit),
        'x-ratelimit-requests-remaining': '0',
        'x-ratelimit-requests-reset': String(clock() + failure.retryAfterSeconds * 1000),
      });
    }
    if (failure?.kind === 'server-error') {
      return answer(500, { errors: [linearError('Internal server error', 'INTERNAL_SERVER_ERROR', 'internal error')] });
    }

    const key = req.headers.authorization;
    // An OAuth access token goes as "Bearer <token>" (linear.app/developers/oauth-2-0-authentication); only issued ones work.
    const oauthUser = key?.startsWith('Bearer ') ? oauth.userOf(key.slice('Bearer '.length)) : null;
    const refusedBearer = options.oauth !== undefined && key?.startsWith('Bearer ') === true && oauthUser === null;
    if (!key || refusedBearer || (oauthUser === null && options.apiKey !== undefined && key !== options.apiKey)) {
      // HTTP 400 as linear/linear#471 saw it; the SDK classifies by extensions.type either way.
      return answer(400, {
        errors: [linearError('Authentication required, not authenticated', 'AUTHENTICATION_ERROR', 'authentication error', 'You need to authenticate to access this operation.')],
      });
    }
    // Every authenticated request counts, whatever becomes of it.
    const requestsLeft = !budgets || requestBucket.take(1);
    const limits = (score?: number): Record<string, string> => ({
      ...(score === undefined ? {} : { 'x-complexity': String(Math.ceil(score)) }),
      ...requestBucket.headers('requests'),
      ...complexityBucket.headers('complexity'),
    });
    if (!requestsLeft) {
      const limit = requestBucket.limit;
      return answer(400, { errors: [rateLimitedError(`Rate limit exceeded. Only ${limit} requests are allowed per 1 hour and you have made ${limit} requests in the last hour.`)] }, {
        ...limits(),
        'retry-after': String(requestBucket.secondsUntil(1)),
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

    const score = queryComplexity(document, variables, entry.operationName);
    if (score > MAX_QUERY_COMPLEXITY) {
      return answer(400, {
        errors: [
          {
            message: 'Query too complex',
            extensions: {
              type: 'invalid input',
              code: 'INPUT_ERROR',
              statusCode: 400,
              userError: true,
              userPresentableMessage: `The query is too complex. Complexity: ${score}. Maximum allowed complexity: ${MAX_QUERY_COMPLEXITY}.`,
              http: { status: 400 },
            },
          },
        ],
      }, limits(score));
    }
    if (budgets && !complexityBucket.take(Math.ceil(score))) {
      return answer(400, { errors: [rateLimitedError(`Rate limit exceeded. Only ${complexityBucket.limit} complexity points are allowed per 1 hour.`)] }, {
        ...limits(score),
        'retry-after': String(complexityBucket.secondsUntil(Math.ceil(score))),
      });
    }

    const result = await execute({ schema: mocked, document, variableValues: variables, contextValue: { state, viewerId: oauthUser } });
    if (failure?.kind === 'lost-response') {
      // The operation took effect, but the caller never hears about it.
      entry.errors = ['response lost'];
      res.destroy();
      return;
    }
    return answer(200, JSON.parse(JSON.stringify(result)) as Answer, limits(score));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const closeServer = () =>
    new Promise<void>((resolve, reject) => {
      if (!server.listening) return resolve();
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });

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
    comments: (issueId) =>
      [...state.comments.values()].filter((c) => !c.deletedAt && (issueId === undefined || c.issueId === issueId)).map((c) => ({ ...c })),
    addComment(comment) {
      state.comments.set(comment.id, { ...comment, createdAt: tick(state) });
    },
    deleteComment(id) {
      const comment = state.comments.get(id);
      if (!comment) throw new Error(`linear stand-in: no comment ${id}`);
      state.comments.set(id, { ...comment, deletedAt: tick(state) });
    },
    labels: () => [...state.labels.values()].map((l) => ({ ...l })),
    operations: () => recorded.map((o) => ({ ...o })),
    failNext(count, kind, opts = {}) {
      for (let i = 0; i < count; i++) failures.push({ kind, retryAfterSeconds: opts.retryAfterSeconds ?? 30 });
    },
    async outage(kind, opts = {}) {
      const wasDown = outageNow?.kind === 'down';
      outageNow = kind === null ? null : { kind, retryAfterSeconds: opts.retryAfterSeconds ?? 30 };
      if (kind !== 'hang') for (const res of hung) res.destroy();
      if (kind === 'down' && !wasDown) await closeServer();
      if (kind !== 'down' && wasDown) await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    signInAs: (userId) => oauth.signInAs(userId),
    reset() {
      recorded = [];
      failures = [];
      requestBucket.refill();
      complexityBucket.refill();
    },
    close: () => {
      for (const res of hung) res.destroy();
      return closeServer();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Complexity, as linear.app/developers/rate-limiting documents it: each property 0.1 point,
// each object 1, and a connection multiplies its children's points by its `first` (or `last`)
// argument, else 50. The documented examples score 2, 66 and 14 (test/linear-adapter/
// linear-stand-in-rules.test.ts). Linear compares the unrounded sum with the maximum and
// reports it unrounded; X-Complexity is rounded up.

/** The complexity Linear's documented model gives an operation of `query` (a parsed document or its text). */
export function queryComplexity(query: DocumentNode | string, variables: Record<string, unknown> = {}, operationName?: string | null): number {
  const { schema } = loadSchemas();
  const document = typeof query === 'string' ? parse(query) : query;
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    if (d.kind === Kind.OPERATION_DEFINITION) operations.push(d);
  }
  const operation = operations.find((o) => !operationName || o.name?.value === operationName) ?? operations[0];
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  const pageSize = (field: FieldNode): number => {
    for (const name of ['first', 'last']) {
      const arg = field.arguments?.find((a) => a.name.value === name);
      if (!arg) continue;
      const value = arg.value.kind === Kind.VARIABLE ? variables[arg.value.name.value] : arg.value.kind === Kind.INT ? Number(arg.value.value) : null;
      if (typeof value === 'number') return value;
    }
    return DEFAULT_PAGE;
  };
  const selectionCost = (set: SelectionSetNode, parent: GraphQLNamedType): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) total += fieldCost(selection, parent);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += selectionCost(selection.selectionSet, on ?? parent);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment) total += selectionCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? parent);
      }
    }
    return total;
  };
  const fieldCost = (field: FieldNode, parent: GraphQLNamedType): number => {
    if (!field.selectionSet) return 0.1;
    const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[field.name.value] : undefined;
    const type = definition ? getNamedType(definition.type) : parent;
    const children = selectionCost(field.selectionSet, type);
    const isConnection = type.name.endsWith('Connection') && (definition?.args.some((a) => a.name === 'first') ?? false);
    return isConnection ? pageSize(field) * children : 1 + children;
  };
  return selectionCost(operation.selectionSet, root);
}

/** Linear's limiters are leaky buckets: tokens refill at a constant LIMIT / PERIOD. */
class LeakyBucket {
  private tokens: number;
  private at: number;
  constructor(
    readonly limit: number,
    private readonly clock: () => number,
  ) {
    this.tokens = limit;
    this.at = clock();
  }
  private level(): number {
    const now = this.clock();
    this.tokens = Math.min(this.limit, this.tokens + ((now - this.at) * this.limit) / HOUR_MS);
    this.at = now;
    return this.tokens;
  }
  take(amount: number): boolean {
    if (this.level() < amount) return false;
    this.tokens -= amount;
    return true;
  }
  refill(): void {
    this.tokens = this.limit;
    this.at = this.clock();
  }
  secondsUntil(amount: number): number {
    return Math.max(1, Math.ceil((((amount - this.level()) * HOUR_MS) / this.limit) / 1000));
  }
  /** Reset is when the bucket is full again, in UTC epoch milliseconds as Linear sends it. */
  headers(kind: 'requests' | 'complexity'): Record<string, string> {
    const level = this.level();
    return {
      [`x-ratelimit-${kind}-limit`]: String(this.limit),
      [`x-ratelimit-${kind}-remaining`]: String(Math.floor(level)),
      [`x-ratelimit-${kind}-reset`]: String(Math.ceil(this.at + ((this.limit - level) * HOUR_MS) / this.limit)),
    };
  }
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

type Resolver = (source: Node, args: Args, context: { state: State; viewerId?: string | null }) => unknown;

function createResolvers(): Record<string, Record<string, Resolver>> {
  return {
    Query: {
      viewer: (_s, _a, { state, viewerId }) => userNode(state, viewerId ?? state.viewer.id),
      user: (_s, args, { state }) => userNode(state, String(args.id)) ?? notFound('User'),
      // Linear: "By default only returns active users; use the includeDisabled argument to include deactivated users."
      users: (_s, args, { state }) =>
        connect([...state.users.keys()].map((id) => userNode(state, id)!).filter((u) => u.active === true || args.includeDisabled === true), args),
      team: (_s, args, { state }) => teamNode(state, String(args.id)) ?? notFound('Team'),
      teams: (_s, args, { state }) => connect([...state.teams.keys()].map((id) => teamNode(state, id)!), args),
      workflowState: (_s, args, { state }) => stateNode(state, String(args.id)) ?? notFound('WorkflowState'),
      workflowStates: (_s, args, { state }) => connect([...state.states.keys()].map((id) => stateNode(state, id)!), args),
      issueLabel: (_s, args, { state }) => labelNode(state, String(args.id)) ?? notFound('IssueLabel'),
      issueLabels: (_s, args, { state }) => connect([...state.labels.keys()].map((id) => labelNode(state, id)!), args),
      issue: (_s, args, { state }) => issueNode(state, findIssueId(state, String(args.id))) ?? notFound('Issue'),
      issues: (_s, args, { state }) => connect(issuesInOrder(state, args), args),
      comment: (_s, args, { state }) => commentNode(state, String(args.id)) ?? notFound('Comment'),
      comments: (_s, args, { state }) => connect([...state.comments.keys()].flatMap((id): Node[] => { const node = commentNode(state, id); return node ? [node] : []; }), args),
    },
    Mutation: {
      commentCreate: (_s, args, { state }) => createComment(state, args.input as Args),
      commentUpdate: (_s, args, { state }) => updateComment(state, String(args.id), args.input as Args),
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
          ? connect([...state.comments.values()].filter((c) => c.issueId === issue.id).flatMap((c): Node[] => { const node = commentNode(state, c.id); return node ? [node] : []; }), args)
          : undefined,
    },
    User: {
      teams: (user, args, { state }) =>
        user.$seeded ? connect((state.users.get(String(user.id))?.teamIds ?? []).flatMap((id): Node[] => { const node = teamNode(state, id); return node ? [node] : []; }), args) : undefined,
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
    active: user.active ?? true,
    admin: user.admin ?? false,
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
  if (!comment || comment.deletedAt) return null;
  return {
    $seeded: true,
    id: comment.id,
    body: comment.body,
    createdAt: comment.createdAt,
    updatedAt: comment.updatedAt ?? comment.createdAt,
    editedAt: comment.editedAt ?? null,
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

/**
 * `commentUpdate(id, input)`: an id Linear does not have is "Entity not found: Comment"; only the
 * comment's author may edit it (the stand-in's assumption, see docs/platform-rules.md).
 */
function updateComment(state: State, id: string, input: Args): Node {
  const comment = state.comments.get(id);
  if (!comment || comment.deletedAt) throw notFoundError('Comment');
  if (comment.userId !== state.viewer.id) throw new GraphQLError('You can only edit your own comments', { extensions: FORBIDDEN });
  if (input.body !== undefined && (typeof input.body !== 'string' || input.body.trim() === '')) throw invalidInput('body must not be empty');
  const unmodelled = Object.keys(input).filter((k) => k !== 'body');
  if (unmodelled.length > 0) throw new Error(`linear stand-in does not model CommentUpdateInput.${unmodelled.join(', ')}`);
  const now = tick(state);
  state.comments.set(id, { ...comment, body: typeof input.body === 'string' ? input.body : comment.body, updatedAt: now, editedAt: now });
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
    if (!state.states.has(input.stateId) && !UUID.test(input.stateId)) throw invalidInput('stateId must be a UUID.');
    const target = state.states.get(input.stateId);
    if (!target) throw notFoundError('WorkflowState');
    if (target.teamId !== issue.teamId) throw new GraphQLError('Discrepancy between issue team and state, cycle or project', { extensions: INVALID_INPUT });
    next.stateId = target.id;
  }
  if (typeof input.title === 'string') next.title = input.title;
  if (input.description !== undefined) next.description = input.description as string | null;
  if (input.assigneeId !== undefined) next.assigneeId = input.assigneeId as string | null;
  if (Array.isArray(input.labelIds)) next.labelIds = checkLabels(state, input.labelIds as string[], issue.teamId);
  if (Array.isArray(input.addedLabelIds)) next.labelIds = [...new Set([...next.labelIds, ...checkLabels(state, input.addedLabelIds as string[], issue.teamId)])];
  if (Array.isArray(input.removedLabelIds)) next.labelIds = next.labelIds.filter((l) => !(input.removedLabelIds as string[]).includes(l));
  next.updatedAt = tick(state);
  state.issues.set(issue.id, next);
  return payload(state, { issue: issueNode(state, issue.id) });
}

function changeLabels(state: State, idOrIdentifier: string, add: string[], remove: string[]): Node {
  const id = findIssueId(state, idOrIdentifier);
  const issue = id === undefined ? undefined : state.issues.get(id);
  if (!issue) throw notFoundError('Issue');
  checkLabels(state, add, issue.teamId);
  checkLabels(state, remove);
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
  // Names are unique regardless of case within a team together with the workspace's labels.
  const clash = [...state.labels.values()].find(
    (l) => (teamId === null || l.teamId === null || l.teamId === teamId) && l.name.toLowerCase() === name.toLowerCase(),
  );
  if (clash) {
    throw new GraphQLError('Duplicate label name', {
      extensions: { ...INVALID_INPUT, userPresentableMessage: 'Label with this name already exists in the team' },
    });
  }
  state.labels.set(id, { id, name, teamId, color: typeof input.color === 'string' ? input.color : '#bec2c8' });
  return payload(state, { issueLabel: labelNode(state, id) });
}

/** Labels must exist and, to go on an issue of `teamId`, be that team's or the workspace's. */
function checkLabels(state: State, ids: string[], teamId?: string): string[] {
  for (const id of ids) {
    const label = state.labels.get(id);
    if (!label) throw notFoundError('IssueLabel');
    if (teamId !== undefined && label.teamId !== null && label.teamId !== teamId) {
      throw new GraphQLError('LabelIds for incorrect team', {
        extensions: { ...INVALID_INPUT, userPresentableMessage: `The label '${label.name}' is not associated with the same team as the issue.` },
      });
    }
  }
  return ids;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The schema asks create ids to be "in UUID v4 format": version nibble 4, variant 8–b. */
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const INVALID_INPUT = { code: 'INVALID_INPUT', type: 'invalid input', userError: true };
// The shape of a refusal to edit another user's comment is **not documented**: the SDK reads `type`.
const FORBIDDEN = { code: 'FORBIDDEN', type: 'forbidden', userError: true };

function checkNewId(value: unknown, existing: Map<string, unknown>, entity: string): string {
  if (value === undefined || value === null) return randomUUID();
  if (typeof value !== 'string' || !UUID_V4.test(value)) throw invalidInput('id must be a UUID v4.');
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

/** Linear answers RATELIMITED with HTTP 400 and the 429 inside the error's extensions. */
function rateLimitedError(message: string) {
  return { message, extensions: { type: 'ratelimited', code: 'RATELIMITED', statusCode: 429, userError: true } };
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

// ---------------------------------------------------------------------------------------------
// OAuth 2 (linear.app/developers/oauth-2-0-authentication): GET https://linear.app/oauth/authorize
// with client_id, redirect_uri, response_type=code, scope (comma separated, `read` always), state;
// the user comes back to redirect_uri with code and the same state; POST
// https://api.linear.app/oauth/token, form-encoded, with code, redirect_uri, client_id,
// client_secret, grant_type=authorization_code, answers { access_token, token_type: "Bearer",
// expires_in, scope }. Refusals are **not documented** by Linear: the stand-in answers RFC 6749's
// shapes (4.1.2.1 redirect with error=…, 5.2 { error } with 400, invalid_client 401).

const OAUTH_CODE_TTL_MS = 10 * 60_000;

function createOAuthEndpoints(app: LinearStandInOptions['oauth'] | null, clock: () => number) {
  const codes = new Map<string, { userId: string; redirectUri: string; scope: string; expiresAt: number }>();
  const tokens = new Map<string, string>();
  let approver: string | null = null;
  const fail = (res: ServerResponse, status: number, error: string, description: string) => sendJson(res, status, { error, error_description: description });

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!app) return sendJson(res, 404, { error: 'no OAuth application is set up in the stand-in' });
    if (req.method === 'GET' && url.pathname === '/oauth/authorize') {
      const q = url.searchParams;
      // A wrong client or redirect URI must not redirect anywhere (RFC 6749 4.1.2.1).
      if (q.get('client_id') !== app.clientId) return fail(res, 400, 'invalid_client', 'unknown client_id');
      const redirectUri = q.get('redirect_uri') ?? '';
      if (!app.redirectUris.includes(redirectUri)) return fail(res, 400, 'invalid_request', 'redirect_uri is not one of the application\'s callback URLs');
      const back = new URL(redirectUri);
      const state = q.get('state');
      if (state !== null) back.searchParams.set('state', state);
      const scope = q.get('scope');
      if (q.get('response_type') !== 'code' || !scope) back.searchParams.set('error', 'invalid_request');
      else if (!approver) back.searchParams.set('error', 'access_denied');
      else {
        const code = randomBytes(20).toString('hex');
        codes.set(code, { userId: approver, redirectUri, scope: scope.split(',').includes('read') ? scope : `read,${scope}`, expiresAt: clock() + OAUTH_CODE_TTL_MS });
        back.searchParams.set('code', code);
      }
      res.writeHead(302, { location: back.toString() });
      return void res.end();
    }
    if (req.method === 'POST' && url.pathname === '/oauth/token') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
        return fail(res, 400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      if (form.get('client_id') !== app.clientId || form.get('client_secret') !== app.clientSecret) return fail(res, 401, 'invalid_client', 'client authentication failed');
      if (form.get('grant_type') !== 'authorization_code') return fail(res, 400, 'unsupported_grant_type', 'use grant_type=authorization_code');
      const code = codes.get(form.get('code') ?? '');
      // A code is used once (RFC 6749 4.1.2): the second exchange fails.
      codes.delete(form.get('code') ?? '');
      if (!code || code.expiresAt < clock() || code.redirectUri !== form.get('redirect_uri')) return fail(res, 400, 'invalid_grant', 'the code is unknown, used, expired, or was issued for another redirect_uri');
      const token = randomBytes(32).toString('hex');
      tokens.set(token, code.userId);
      return sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 86_399, scope: code.scope.split(',').join(' ') });
    }
    return sendJson(res, 404, { error: 'GET /oauth/authorize or POST /oauth/token' });
  }

  return {
    handle,
    userOf: (token: string) => tokens.get(token) ?? null,
    signInAs: (userId: string) => {
      approver = userId;
    },
  };
}
