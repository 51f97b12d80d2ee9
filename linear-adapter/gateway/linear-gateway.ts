import { LinearClient, parseLinearError, type Issue } from '@linear/sdk';
import { describeError, reportFaultOnConsole, type ReportFault } from '../../src/store/report-fault';
import type { IssuePage, LinearGateway, LinearIssue, LinearUser, LinearWorkflowState, SendOutcome } from './gateway-types';
import { deriveActionId, type LinearAction } from './linear-action';
import { createRateLimitGate, type RateLimitGate } from './gate-rate-limits';
import { createRequestPacer } from './pace-requests';

// The one module that talks to Linear, through the real @linear/sdk (pinned to 88.3.0, the
// release whose schema the tests validate against; docs/adr/0004-linear-gateway.md).
//
// Round trips. The SDK's typed calls return ids for relations (stateId, teamId, labelIds) and
// fetch each relation lazily, one request each. So the gateway reads relations in bulk and
// keeps what rarely changes:
//   fetchViewer     1 request, then remembered (an API key's user never changes)
//   fetchUser       1
//   findTeam        1, remembered for `teamCacheMs`
//   fetchIssue      1 (issues filtered by id) + 1 for label names when the issue has labels
//   listTeamIssues  1 per page + 1 for the page's label names
// plus, per team and per `teamCacheMs`, 2 in parallel for the team's key and workflow states.
// Lookups by id go through filtered lists, so "not found" is an empty page, not an error text.

export interface LinearGatewayOptions {
  apiKey: string;
  /** Default Linear's public endpoint; tests point it at a local stand-in. */
  apiUrl?: string;
  /** How long a team's key and workflow states are reused. Default 5 minutes. */
  teamCacheMs?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** Where faults the gateway recovered from go; default a console line. The service logs and counts them. */
  onFault?: ReportFault;
  /** How long one call may take; then it is abandoned (and retried by the caller). Default 10 s. */
  timeoutMs?: number;
  /** Requests an hour this API key allows itself (Linear allows 2,500); null or 0: no pacing. Default 2,000. */
  requestsPerHour?: number | null;
  /** Told about every call: whether Linear answered (any HTTP answer but a 5xx) — /healthz reachability. */
  onCall?: (call: CallResult) => void;
  /** Pages one paginated read may take before it stops, logging why. Default 100. */
  maxPages?: number;
}

/** One call to Linear as /healthz sees it. */
export type CallResult =
  /** `rateLimitedUntil`: Linear answered with a rate limit and said to wait until then (epoch ms). */
  | { answered: true; rateLimitedUntil?: number }
  /** `failing`: Linear answered with a 5xx; `unreachable`: no answer (network, timeout). */
  | { answered: false; kind: 'failing' | 'unreachable'; error: string };

/** What the gateway recovers from when sending, logged and counted through `onFault`. */
export const GATEWAY_FAULT_KINDS = [
  /** A create refused as invalid could not be checked for a duplicate id: the refusal stands. */
  'comment_lookup_failed',
  /** A comment create refused as a duplicate id: an earlier attempt made it, so it counts as sent. */
  'comment_already_created',
  /** Creating a missing label failed, but the label exists now (made meanwhile): it is used. */
  'label_created_meanwhile',
  /** A paginated read stopped early: a repeated or missing cursor, or the page limit. What was read is used. */
  'pagination_stopped',
  /** A revert found the issue already in the state it reverts to (sent before a crash): nothing sent. */
  'revert_already_applied',
  /** The status comment was deleted in Linear: its id stays taken, so it is not recreated. */
  'status_comment_deleted',
] as const;
export type GatewayFaultKind = (typeof GATEWAY_FAULT_KINDS)[number];

/** A read from Linear failed; `retryable` says whether trying again later can help. */
export class LinearReadError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LinearReadError';
  }
}

type FailedOutcome = Exclude<SendOutcome, { ok: true }>;

export interface LinearTeam {
  id: string;
  key: string;
  name: string;
}

/** The gateway plus two reads the CLI needs (reconcile across all teams, a state to revert to). */
export interface LinearApiGateway extends LinearGateway {
  /** Until when (epoch ms) Linear asked every request to wait (a rate limit); null: no wait on. */
  rateLimitedUntil(): number | null;
  /** Every team the API key can see. */
  listTeams(): Promise<LinearTeam[]>;
  /** A team's workflow states, as cached with the team. */
  listWorkflowStates(teamId: string): Promise<LinearWorkflowState[]>;
  /** A user by Linear user id, or by email (any case); null when Linear has nobody so. */
  findUser(idOrEmail: string): Promise<LinearUser | null>;
  /** The workspace's active admins (`User.admin`), to name who may approve. */
  listAdmins(): Promise<LinearUser[]>;
}

const OK: SendOutcome = { ok: true };
const LABEL_COLOR = '#F2994A';
const PAGE_MAX = 250;
// Linear refuses a query over 10,000 complexity points (linear.app/developers/rate-limiting); the
// SDK's issue fragment scores about 45 points an issue, so an issues page stays at 200 or fewer.
const ISSUE_PAGE_MAX = 200;
const DEFAULT_PAGE = 50;
const DEFAULT_TEAM_CACHE_MS = 5 * 60_000;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_REQUESTS_PER_HOUR = 2_000;
const DEFAULT_MAX_PAGES = 100;

type TeamInfo = LinearTeam;
interface TeamContext {
  team: TeamInfo;
  states: Map<string, LinearWorkflowState>;
  loadedAt: number;
}

/** Creates the gateway; nothing is sent until a method is called. */
export function createLinearGateway(options: LinearGatewayOptions): LinearApiGateway {
  const client = new LinearClient({ apiKey: options.apiKey, ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}) });
  const now = options.now ?? Date.now;
  const gate = createRateLimitGate({ now });
  guardRequests(client, options, gate, now);
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const reportFault = options.onFault ?? reportFaultOnConsole;
  const report = (kind: GatewayFaultKind, message: string, error: unknown) => reportFault({ source: 'linear-gateway', kind, message, error });
  const cacheMs = options.teamCacheMs ?? DEFAULT_TEAM_CACHE_MS;
  const contexts = new Map<string, Promise<TeamContext>>();
  const teamsByKey = new Map<string, { team: TeamInfo | null; at: number }>();
  let viewer: Promise<LinearUser> | null = null;

  /** Runs a read, turning SDK errors into LinearReadError with a retry decision. */
  async function read<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof LinearReadError) throw error;
      const outcome = classifyLinearError(error, now());
      throw new LinearReadError(`Reading ${what} from Linear failed: ${outcome.message}`, outcome.retryable, outcome.retryable ? outcome.retryAfterMs : null, {
        cause: error,
      });
    }
  }

  function teamContext(teamId: string, refresh = false): Promise<TeamContext> {
    const cached = contexts.get(teamId);
    if (cached && !refresh) {
      // A cached failure or an expired entry is replaced; a pending load is shared.
      return cached.then((ctx) => (now() - ctx.loadedAt < cacheMs ? ctx : teamContext(teamId, true)));
    }
    const loading = (async (): Promise<TeamContext> => {
      const [team, states] = await Promise.all([client.team(teamId), listAllStates(teamId)]);
      return { team: { id: team.id, key: team.key, name: team.name }, states, loadedAt: now() };
    })();
    contexts.set(teamId, loading);
    // Not a swallow: callers await `loading` and get its error; this only drops the failed entry.
    loading.catch(() => contexts.delete(teamId));
    return loading;
  }

  async function listAllStates(teamId: string): Promise<Map<string, LinearWorkflowState>> {
    const connection = await client.workflowStates({ filter: { team: { id: { eq: teamId } } }, first: PAGE_MAX });
    await readAllPages(connection, `workflow states of team ${teamId}`);
    return new Map(connection.nodes.map((s) => [s.id, { id: s.id, name: s.name, type: s.type }]));
  }

  const readAllPages = (connection: PagedConnection, what: string) =>
    followPages(connection, { what, maxPages, onStop: (message) => report('pagination_stopped', message, null) });

  async function stateOf(teamId: string, stateId: string): Promise<{ team: TeamInfo; state: LinearWorkflowState }> {
    let ctx = await teamContext(teamId);
    let state = ctx.states.get(stateId);
    if (!state) {
      // A state added since the team was cached.
      ctx = await teamContext(teamId, true);
      state = ctx.states.get(stateId);
    }
    if (!state) throw new LinearReadError(`Linear issue state ${stateId} is not a workflow state of team ${ctx.team.key}`, false, null);
    return { team: ctx.team, state };
  }

  async function labelNames(ids: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += PAGE_MAX) {
      const chunk = unique.slice(i, i + PAGE_MAX);
      const page = await client.issueLabels({ filter: { id: { in: chunk } }, first: PAGE_MAX, includeArchived: true });
      for (const label of page.nodes) names.set(label.id, label.name);
    }
    return names;
  }

  async function toLinearIssues(issues: readonly Issue[]): Promise<LinearIssue[]> {
    const names = await labelNames(issues.flatMap((i) => i.labelIds));
    return Promise.all(
      issues.map(async (issue) => {
        if (!issue.teamId || !issue.stateId) throw new LinearReadError(`Linear returned issue ${issue.identifier} without a team or state`, false, null);
        const { team, state } = await stateOf(issue.teamId, issue.stateId);
        return {
          id: issue.id,
          identifier: issue.identifier,
          title: issue.title,
          description: issue.description ?? null,
          teamId: team.id,
          teamKey: team.key,
          state,
          assigneeId: issue.assigneeId ?? null,
          labels: issue.labelIds.map((id) => ({ id, name: names.get(id) ?? '' })),
          updatedAt: issue.updatedAt.toISOString(),
        };
      }),
    );
  }

  async function findTeam(key: string): Promise<TeamInfo | null> {
    const folded = key.trim().toLowerCase();
    const cached = teamsByKey.get(folded);
    if (cached && now() - cached.at < cacheMs) return cached.team;
    const page = await client.teams({ filter: { key: { eqIgnoreCase: key.trim() } }, first: 1 });
    const found = page.nodes[0];
    const team = found ? { id: found.id, key: found.key, name: found.name } : null;
    teamsByKey.set(folded, { team, at: now() });
    return team;
  }

  async function findIssue(id: string): Promise<Issue | null> {
    const page = await client.issues({ filter: { id: { eq: id } }, first: 1 });
    return page.nodes[0] ?? null;
  }

  // ------------------------------------------------------------------------------------------
  // Actions. Each is safe to repeat: creates carry client-chosen ids, the rest are set-like.

  async function sendComment(action: Extract<LinearAction, { type: 'comment' }>): Promise<SendOutcome> {
    try {
      const result = await client.createComment({ id: action.id, issueId: action.issueId, body: action.body });
      return result.success ? OK : unsuccessful('commentCreate');
    } catch (error) {
      const outcome = classifyLinearError(error, now());
      // A retry after a lost response is refused as a duplicate id: the comment is there already.
      if (!outcome.retryable && isInvalidInput(error) && (await commentExists(action.id, outcome.message))) {
        report('comment_already_created', `comment ${action.id} was refused as a duplicate id and is in Linear already; counted as sent`, error);
        return OK;
      }
      return outcome;
    }
  }

  /**
   * The status comment, edited in place. Linear answers an id it does not have with "Entity not
   * found" (a GraphQL error, not `success: false`), so the first update creates the comment under
   * that id; a comment someone deleted is not recreated (the create is refused as a duplicate id).
   */
  async function sendCommentUpdate(action: Extract<LinearAction, { type: 'comment_update' }>): Promise<SendOutcome> {
    try {
      const result = await client.updateComment(action.commentId, { body: action.body });
      return result.success ? OK : unsuccessful('commentUpdate');
    } catch (error) {
      if (!isEntityNotFound(error)) return classifyLinearError(error, now());
    }
    const created = await sendComment({ type: 'comment', id: action.commentId, issueId: action.issueId, body: action.body });
    if (created.ok || created.retryable) return created;
    report('status_comment_deleted', `status comment ${action.commentId} on issue ${action.issueId} is gone and cannot be created again (${created.message}); not recreated`, null);
    return OK;
  }

  /** Whether the comment exists; when that cannot be read, false, so the refusal it was asked about stands. */
  async function commentExists(id: string, refusal: string): Promise<boolean> {
    try {
      const page = await client.comments({ filter: { id: { eq: id } }, first: 1 });
      return page.nodes.length > 0;
    } catch (error) {
      report('comment_lookup_failed', `could not check whether comment ${id} exists (${describeError(error)}); keeping the refusal: ${refusal}`, error);
      return false;
    }
  }

  async function findLabel(teamId: string, name: string): Promise<string | null> {
    const page = await client.issueLabels({
      filter: { name: { eqIgnoreCase: name }, or: [{ team: { id: { eq: teamId } } }, { team: { null: true } }] },
      first: 10,
    });
    // A team label wins over a workspace label of the same name.
    const team = page.nodes.find((l) => l.teamId === teamId);
    return (team ?? page.nodes[0])?.id ?? null;
  }

  async function sendAddLabel(action: Extract<LinearAction, { type: 'add_label' }>): Promise<SendOutcome> {
    let labelId = await findLabel(action.teamId, action.labelName);
    if (labelId === null) {
      const id = deriveActionId(action.id, 'label');
      try {
        const created = await client.createIssueLabel({ id, teamId: action.teamId, name: action.labelName, color: LABEL_COLOR });
        if (!created.success) return unsuccessful('issueLabelCreate');
        labelId = id;
      } catch (error) {
        const outcome = classifyLinearError(error, now());
        if (outcome.retryable) return outcome;
        // Created meanwhile, by an earlier attempt of this action or by someone in Linear.
        labelId = await findLabel(action.teamId, action.labelName);
        if (labelId === null) return outcome;
        report('label_created_meanwhile', `creating label "${action.labelName}" failed (${outcome.message}), but it exists now; using it`, error);
      }
    }
    const added = await client.issueAddLabel(action.issueId, labelId);
    return added.success ? OK : unsuccessful('issueAddLabel');
  }

  async function sendRemoveLabel(action: Extract<LinearAction, { type: 'remove_label' }>): Promise<SendOutcome> {
    const issue = await findIssue(action.issueId);
    // Nothing to remove: the issue is gone or has no labels.
    if (!issue || issue.labelIds.length === 0) return OK;
    const labels = await issue.labels({ filter: { name: { eqIgnoreCase: action.labelName } } });
    for (const label of labels.nodes) {
      const removed = await client.issueRemoveLabel(issue.id, label.id);
      if (!removed.success) return unsuccessful('issueRemoveLabel');
    }
    return OK;
  }

  async function sendAction(action: LinearAction, mayHaveBeenSent: boolean): Promise<SendOutcome> {
    switch (action.type) {
      case 'comment':
        return sendComment(action);
      case 'comment_update':
        return sendCommentUpdate(action);
      case 'set_state': {
        // issueUpdate takes no client id, so a revert sent before a crash (or a lost answer) is
        // recognised by reading the state first: already there, nothing is sent again. On an
        // action's first claim nothing can have been sent, and the read is skipped.
        const issue = mayHaveBeenSent ? await findIssue(action.issueId) : null;
        if (issue?.stateId === action.stateId) {
          report('revert_already_applied', `issue ${action.issueId} is in state ${action.stateId} already; the revert is not sent again`, null);
          return OK;
        }
        const result = await client.updateIssue(action.issueId, { stateId: action.stateId });
        return result.success ? OK : unsuccessful('issueUpdate');
      }
      case 'add_label':
        return sendAddLabel(action);
      case 'remove_label':
        return sendRemoveLabel(action);
    }
  }

  return {
    fetchViewer(fresh = false) {
      if (!viewer || fresh) {
        viewer = read('the API key\'s user', async () => {
          const user = await client.viewer;
          return { id: user.id, name: user.name, email: user.email ?? null, admin: user.admin };
        });
        // Not a swallow: callers await `viewer` and get its error; this only forgets the failed read.
        viewer.catch(() => (viewer = null));
      }
      return viewer;
    },

    fetchUser: (id) =>
      read(`user ${id}`, async () => {
        const page = await client.users({ filter: { id: { eq: id } }, first: 1, includeDisabled: true });
        const user = page.nodes[0];
        return user ? { id: user.id, name: user.name, email: user.email ?? null, admin: user.admin } : null;
      }),

    fetchIssue: (id) =>
      read(`issue ${id}`, async () => {
        const issue = await findIssue(id);
        return issue ? ((await toLinearIssues([issue]))[0] ?? null) : null;
      }),

    listTeamIssues: (query) =>
      read(`issues of team ${query.teamKey}`, async (): Promise<IssuePage> => {
        const team = await findTeam(query.teamKey);
        if (!team) throw new LinearReadError(`Linear has no team with the key "${query.teamKey}" that this API key can see.`, false, null);
        const page = await client.issues({
          filter: { team: { id: { eq: team.id } }, ...(query.updatedSince ? { updatedAt: { gte: query.updatedSince } } : {}) },
          first: Math.min(Math.max(query.first ?? DEFAULT_PAGE, 1), ISSUE_PAGE_MAX),
          ...(query.after ? { after: query.after } : {}),
        });
        return {
          issues: await toLinearIssues(page.nodes),
          nextCursor: page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? null) : null,
        };
      }),

    findTeam: (key) => read(`team ${key}`, () => findTeam(key)),

    listTeams: () =>
      read('teams', async () => {
        const connection = await client.teams({ first: PAGE_MAX });
        await readAllPages(connection, 'teams');
        return connection.nodes.map((t) => ({ id: t.id, key: t.key, name: t.name }));
      }),

    findUser: (idOrEmail) =>
      read(`user ${idOrEmail}`, async () => {
        const wanted = idOrEmail.trim();
        const filter = wanted.includes('@') ? { email: { eqIgnoreCase: wanted } } : { id: { eq: wanted } };
        const page = await client.users({ filter, first: 1 });
        const user = page.nodes[0];
        return user ? { id: user.id, name: user.name, email: user.email ?? null, admin: user.admin } : null;
      }),

    listAdmins: () =>
      read('workspace admins', async () => {
        const connection = await client.users({ filter: { admin: { eq: true }, active: { eq: true } }, first: PAGE_MAX });
        await readAllPages(connection, 'workspace admins');
        return connection.nodes.map((u) => ({ id: u.id, name: u.name, email: u.email ?? null, admin: true }));
      }),

    rateLimitedUntil: () => gate.heldUntil(),

    listWorkflowStates: (teamId) => read(`workflow states of team ${teamId}`, async () => [...(await teamContext(teamId)).states.values()]),

    async send(action, options = {}) {
      try {
        return await sendAction(action, options.mayHaveBeenSent ?? true);
      } catch (error) {
        return classifyLinearError(error, now());
      }
    },
  };
}

/** What followPages needs of an SDK connection. */
export interface PagedConnection {
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  fetchNext(): Promise<unknown>;
}

/**
 * Follows a connection's pages, but never forever: a cursor seen before, a next page without a
 * cursor, or `maxPages` pages stop it, saying why through `onStop` (a misbehaving API once made
 * the service page 116,877 times in 10 minutes). What was read so far is kept.
 */
export async function followPages(connection: PagedConnection, options: { what: string; maxPages: number; onStop: (message: string) => void }): Promise<void> {
  const cursors = new Set<string>();
  for (let pages = 1; connection.pageInfo.hasNextPage; pages += 1) {
    const cursor = connection.pageInfo.endCursor ?? null;
    const why =
      cursor === null
        ? 'Linear said there is a next page but gave no cursor'
        : cursors.has(cursor)
          ? `Linear gave the cursor ${cursor} a second time`
          : pages >= options.maxPages
            ? `the limit of ${options.maxPages} pages was reached`
            : null;
    if (why !== null || cursor === null) {
      options.onStop(`reading ${options.what} stopped after ${pages} pages: ${why}; using what was read`);
      return;
    }
    cursors.add(cursor);
    await connection.fetchNext();
  }
}

/**
 * Every request the SDK makes goes through its LinearGraphQLClient's `request`, which spreads the
 * client's options into `fetch`. So a `signal` getter gives each request its own timeout (the SDK
 * has no timeout option, and a Linear that stops answering would otherwise hold a sender slot for
 * good), and wrapping `request` passes the shared rate-limit wait first (gate-rate-limits.ts),
 * takes a token from the request budget, tells `onCall` whether Linear answered, and starts the
 * shared wait when Linear answers with a rate limit.
 */
function guardRequests(client: LinearClient, options: LinearGatewayOptions, gate: RateLimitGate, now: () => number): void {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const perHour = options.requestsPerHour === undefined ? DEFAULT_REQUESTS_PER_HOUR : options.requestsPerHour;
  const pacer = perHour ? createRequestPacer({ perHour }) : null;
  const graphql = client.client;
  // `options` is private in the SDK's types, but it is what `request` spreads into fetch.
  Object.defineProperty((graphql as unknown as { options: object }).options, 'signal', { enumerable: true, configurable: true, get: () => AbortSignal.timeout(timeoutMs) });
  const request = graphql.request.bind(graphql);
  graphql.request = ((...args: Parameters<typeof request>) =>
    gate.run(async () => {
      await pacer?.take();
      gate.check();
      try {
        const data = await request(...args);
        options.onCall?.({ answered: true });
        return data;
      } catch (error) {
        const status = (error as { response?: { status?: unknown } } | null)?.response?.status;
        const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
        if (timedOut) {
          options.onCall?.({ answered: false, kind: 'unreachable', error: `no answer within ${timeoutMs} ms` });
          throw new Error(`Linear did not answer within ${timeoutMs} ms (LINEAR_TIMEOUT_MS)`, { cause: error });
        }
        const outcome = classifyLinearError(parseLinearError(error as Parameters<typeof parseLinearError>[0]), now());
        // Only a rate limit comes with a time to wait.
        const rateLimitedUntil = outcome.retryable && outcome.retryAfterMs !== null ? now() + outcome.retryAfterMs : null;
        if (rateLimitedUntil !== null) gate.hold(rateLimitedUntil);
        if (typeof status === 'number' && status < 500) options.onCall?.(rateLimitedUntil === null ? { answered: true } : { answered: true, rateLimitedUntil });
        else options.onCall?.({ answered: false, kind: typeof status === 'number' ? 'failing' : 'unreachable', error: describeError(error) });
        throw error;
      }
    })) as typeof graphql.request;
}

function unsuccessful(mutation: string): FailedOutcome {
  return { ok: false, retryable: true, retryAfterMs: null, message: `Linear answered ${mutation} with success: false` };
}

interface ErrorLike {
  type?: unknown;
  status?: unknown;
  message?: unknown;
  retryAfter?: unknown;
  requestsResetAt?: unknown;
  complexityResetAt?: unknown;
  raw?: { response?: { errors?: { extensions?: { code?: unknown } }[]; headers?: { get?: (name: string) => string | null } } };
}

/** Linear's answer to an id it does not have: "Entity not found: Comment". */
function isEntityNotFound(error: unknown): boolean {
  return isInvalidInput(error) && /Entity not found/i.test((error as Error | null)?.message ?? '');
}

function isInvalidInput(error: unknown): boolean {
  const type = (error as ErrorLike | null)?.type;
  return type === 'InvalidInput' || type === 'UserError';
}

const PERMANENT_TYPES: Record<string, string> = {
  AuthenticationError: 'Linear refused the API key; check LINEAR_API_KEY',
  Forbidden: "The API key's user is not allowed to do this in Linear",
  InvalidInput: 'Linear rejected the input',
  UserError: 'Linear rejected the request',
  GraphqlError: 'Linear rejected the GraphQL operation (the SDK and the API disagree)',
  FeatureNotAccessible: 'This Linear workspace cannot use the feature',
  UsageLimitExceeded: "The Linear workspace's usage limit is exceeded",
  BootstrapError: 'Linear refused the request',
};
const RETRYABLE_TYPES = new Set(['InternalError', 'NetworkError', 'LockTimeout']);

/**
 * Decides whether a failed call can succeed later. Rate limiting waits as long as Linear says;
 * server and network faults are retried; a bad key, missing permission or invalid input are
 * permanent. Checked by the SDK error's `type` (not its class), so it also holds for errors
 * from another copy of the SDK.
 */
export function classifyLinearError(error: unknown, nowMs: number): FailedOutcome {
  const e = (error ?? {}) as ErrorLike;
  const type = typeof e.type === 'string' ? e.type : null;
  const status = typeof e.status === 'number' ? e.status : null;
  const detail = typeof e.message === 'string' && e.message !== '' ? e.message : String(error);
  const codes = (e.raw?.response?.errors ?? []).map((x) => x?.extensions?.code);

  if (type === 'Ratelimited' || status === 429 || codes.includes('RATELIMITED')) {
    return { ok: false, retryable: true, retryAfterMs: readRetryAfterMs(e, nowMs), message: `Linear rate limit reached: ${detail}` };
  }
  if (type !== null && PERMANENT_TYPES[type]) return { ok: false, retryable: false, message: `${PERMANENT_TYPES[type]}: ${detail}` };
  if (type !== null && RETRYABLE_TYPES.has(type)) return { ok: false, retryable: true, retryAfterMs: null, message: `Linear had a temporary fault: ${detail}` };
  // Unknown: no HTTP status means the request or its answer never made it (network).
  if (status === null || status >= 500) {
    return { ok: false, retryable: true, retryAfterMs: null, message: `Linear could not be reached or failed: ${detail}` };
  }
  if (status >= 400) return { ok: false, retryable: false, message: `Linear refused the request (HTTP ${status}): ${detail}` };
  return { ok: false, retryable: true, retryAfterMs: null, message: `Linear answered with an error: ${detail}` };
}

/** `retry-after` is in seconds; the reset headers are epoch times (milliseconds, or seconds from older APIs). */
function readRetryAfterMs(e: ErrorLike, nowMs: number): number | null {
  const header = (name: string): number | undefined => {
    const value = e.raw?.response?.headers?.get?.(name);
    return value === null || value === undefined || value === '' ? undefined : Number(value);
  };
  const retryAfter = typeof e.retryAfter === 'number' ? e.retryAfter : header('retry-after');
  if (retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) return Math.round(retryAfter * 1000);
  const resets = [e.requestsResetAt, e.complexityResetAt, header('x-ratelimit-requests-reset'), header('x-ratelimit-complexity-reset')]
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0)
    .map((v) => (v < 1e11 ? v * 1000 : v) - nowMs)
    .filter((ms) => ms > 0);
  return resets.length > 0 ? Math.ceil(Math.max(...resets)) : null;
}
