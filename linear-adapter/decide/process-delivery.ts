import { hasApproverLists } from '../../src/core/check-sign-off-authority';
import { isDoneState } from '../../src/core/is-done-state';
import type { Actor, ClosurePolicy, HistoryRecord, ServiceMode } from '../../src/core/schemas';
import { HISTORY_PAGE_MAX, type ConsoleScopeStore, type ScopeStore } from '../../src/core/store';
import type { ResolvedTeamVocabulary } from '../../src/core/find-quality-hints';
import { readTeamSettings } from '../console/read-team-settings';
import { scopeSettingsCacheOf, type ScopeSettingsCache } from './cache-scope-settings';
import type { Log } from '../service/create-logger';
import { decideCommentCommands, scopeOfComment } from './decide-comment-command';
import { decideIssueEvent, previousStateIdOf, scopeOfIssueEvent, type Decision, type DeliveryOutcome } from './decide-issue-event';
import type { LinearGateway, LinearIssue, LinearWorkflowState } from '../gateway/gateway-types';
import { cacheUserLookups } from './cache-user-lookups';
import { parseCommands } from './parse-commands';
import { parseWebhook, type CommentEvent, type IssueEvent } from '../ingress/parse-webhook';
import type { InboxDelivery, QueueStore } from '../queue/queue-types';

export interface ProcessingSettings {
  /** Approvers and done state types included (load-config's buildClosurePolicy). */
  policy: ClosurePolicy;
  mode: ServiceMode;
  labelName?: string;
}

export interface ProcessDeliveryDeps {
  /** With `readScopeSettings` (the SQL store), a team's own settings from the console apply to its issues. */
  store: ScopeStore & Partial<Pick<ConsoleScopeStore, 'readScopeSettings'>>;
  queue: QueueStore;
  /**
   * Null without an API key: comments are then answered from what Scopekeeper has stored. With
   * `listWorkflowStates` (the service's gateway has it), a state change names the state it left,
   * so a move from one done state to another is no closure; without, that state is unknown.
   */
  gateway: (LinearGateway & { listWorkflowStates?(teamId: string): Promise<LinearWorkflowState[]> }) | null;
  settings: ProcessingSettings;
  log: Log;
  now: () => string;
  /** The API key's user id (gateway.fetchViewer), or null when there is no key. */
  viewerId: string | null;
  /** How often to re-read and decide again after a concurrent writer got there first. Default 5. */
  maxConflictRetries?: number;
  /** Where team settings are read through; default one cache per store (scopeSettingsCacheOf), which the console's writes clear. */
  settingsCache?: ScopeSettingsCache;
}

export interface ProcessedDelivery {
  outcome: DeliveryOutcome;
  /** Actions stored in the outbox. */
  actions: number;
  /** Shadow mode: actions logged instead of sent. */
  withheld: number;
  /** History records appended. */
  records: number;
}

const DEFAULT_CONFLICT_RETRIES = 5;

/**
 * Processes one inbox delivery: read everything, decide once, then write the scope records,
 * the delivery's completion and its outbox actions in one transaction. A concurrent writer
 * (VERSION_CONFLICT, HISTORY_CONFLICT, BASELINE_EXISTS) makes it read and decide again.
 * Throws on faults (database, Linear API), which the inbox worker retries with backoff.
 */
export async function processDelivery(delivery: InboxDelivery, deps: ProcessDeliveryDeps): Promise<ProcessedDelivery> {
  const retries = deps.maxConflictRetries ?? DEFAULT_CONFLICT_RETRIES;
  for (let attempt = 0; ; attempt += 1) {
    const now = deps.now();
    const decision = await decideDelivery(delivery, deps, now);
    const result = await deps.queue.completeDelivery({
      deliveryId: delivery.deliveryId,
      outcome: decision.outcome,
      commit: decision.commit,
      actions: decision.actions,
      now,
    });
    if (!result.ok && result.code === 'RECORD_EXISTS') {
      // Record ids are derived from the cause (the delivery, or the comment for commands), so the
      // same cause under a new Linear-Delivery id was decided before, with its actions: a no-op.
      await deps.queue.completeDelivery({ deliveryId: delivery.deliveryId, outcome: 'already_recorded', commit: null, actions: [], now });
      deps.log({ level: 'info', msg: 'delivery already recorded; nothing to do', deliveryId: delivery.deliveryId, eventType: delivery.eventType, detail: result.message });
      return { outcome: 'already_recorded', actions: 0, withheld: 0, records: 0 };
    }
    if (result.ok) {
      for (const action of decision.withheld) {
        deps.log({ level: 'info', msg: 'shadow mode: action not sent', deliveryId: delivery.deliveryId, action });
      }
      const processed = { outcome: decision.outcome, actions: decision.actions.length, withheld: decision.withheld.length, records: result.records.length };
      deps.log({ level: 'info', msg: 'delivery processed', deliveryId: delivery.deliveryId, eventType: delivery.eventType, ...processed });
      return processed;
    }
    if (attempt >= retries) {
      throw new Error(`delivery ${delivery.deliveryId}: still conflicting after ${retries + 1} attempts (${result.code}: ${result.message})`);
    }
    deps.log({ level: 'debug', msg: 'concurrent write; deciding again', deliveryId: delivery.deliveryId, code: result.code });
  }
}

async function decideDelivery(delivery: InboxDelivery, deps: ProcessDeliveryDeps, now: string): Promise<Decision> {
  const body = readBody(delivery.body);
  const parsed = body.ok ? parseWebhook(body.value) : body;
  if (!parsed.ok) {
    // Validated at ingress, so this is a schema change or a bug: retrying cannot help.
    deps.log({ level: 'error', msg: 'stored delivery does not validate; skipped', deliveryId: delivery.deliveryId, errors: parsed.errors });
    return nothing('invalid');
  }
  const webhook = parsed.value;
  switch (webhook.kind) {
    case 'ignored':
      return nothing('ignored');
    case 'issue':
      return decideIssue(webhook.event, delivery, deps, now);
    case 'comment':
      return decideComment(webhook.event, delivery, deps, now);
  }
}

async function decideIssue(event: IssueEvent, delivery: InboxDelivery, deps: ProcessDeliveryDeps, now: string): Promise<Decision> {
  const stored = await deps.store.getDeliverable('linear', event.data.id);
  const scopeId = scopeOfIssueEvent(event, stored);
  const baseline = await deps.store.getActiveBaseline(scopeId);
  const team = await readScopePolicy(deps, scopeId);
  // The status comment lists the changes still waiting for a reason: none before a baseline.
  const history = baseline && stored ? await readReasonHistory(deps, scopeId, [stored.state.id]) : [];
  return decideIssueEvent({
    event,
    deliveryId: delivery.deliveryId,
    stored,
    baseline,
    policy: team.ok ? team.value.policy : deps.settings.policy,
    ...(team.ok ? { vocabulary: team.value.vocabulary } : { policyErrors: team.errors }),
    mode: deps.settings.mode,
    viewerId: deps.viewerId,
    now,
    previousState: await readPreviousState(event, deps),
    labelName: deps.settings.labelName,
    history,
    ...(stored?.state.signOff ? { signOffHistory: await readSignOffHistory(stored.state.scopeId, stored.state.id, deps) } : {}),
  });
}

/**
 * The issue's sign-off records: the gate counts a stored sign-off only when the hash-chained
 * history backs it, so a sign-off copied into the state row does not let the issue close.
 */
async function readSignOffHistory(scopeId: string, deliverableId: string, deps: ProcessDeliveryDeps): Promise<HistoryRecord[]> {
  const records: HistoryRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = await deps.store.queryHistory({ scopeId, deliverableId, kinds: ['signoff_recorded', 'signoff_revoked'], limit: HISTORY_PAGE_MAX, cursor });
    records.push(...page.records);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return records;
}

/**
 * The state a move into a done state left, from the team's workflow states (cached by the
 * gateway): only then does it matter, to tell a move between two done states from a closure.
 * Null when it cannot be known; a read that fails is thrown, so the delivery is retried.
 */
async function readPreviousState(event: IssueEvent, deps: ProcessDeliveryDeps): Promise<LinearWorkflowState | null> {
  const fromId = previousStateIdOf(event);
  const to = event.data.state;
  const list = deps.gateway?.listWorkflowStates;
  if (fromId === null || !to || !list || !isDoneState(deps.settings.policy, to)) return null;
  const states = await list.call(deps.gateway, event.data.teamId);
  return states.find((s) => s.id === fromId) ?? null;
}

async function decideComment(event: CommentEvent, delivery: InboxDelivery, deps: ProcessDeliveryDeps, now: string): Promise<Decision> {
  // An edited comment is not a new command: the original was answered (or had none).
  if (event.action !== 'create') return nothing('ignored');
  const comment = event.data;
  const commands = parseCommands(comment.body);
  if (commands.length === 0) return nothing('no_command');
  // The comment's own author field first: the envelope's actor may differ (an integration acting).
  const authorId = comment.userId ?? event.actor?.id ?? null;
  if (deps.viewerId !== null && authorId === deps.viewerId) return nothing('own_change');

  const { store, log } = deps;
  const isOwnAction = await deps.queue.isOwnAction(comment.id);
  const stored = await store.getDeliverable('linear', comment.issueId);
  const issue = await readIssue(comment.issueId, stored !== null, deps, delivery.deliveryId);
  const scopeId = scopeOfComment(stored, issue);
  if (scopeId === null) {
    log({ level: 'warn', msg: 'comment on an issue Scopekeeper has not seen and cannot read; commands not applied', deliveryId: delivery.deliveryId, issueId: comment.issueId });
  }
  const baseline = scopeId ? await store.getActiveBaseline(scopeId) : null;
  const team = scopeId ? await readScopePolicy(deps, scopeId) : ({ ok: true, value: { policy: deps.settings.policy, vocabulary: undefined } } as const);
  if (!team.ok) {
    // Fail closed: who may sign off is unknown. Thrown, the delivery is retried, then kept as a
    // dead letter (healthz, `scopekeeper deliveries`) until the settings are fixed and it is retried.
    throw new Error(`the team's settings cannot be read (${team.errors.join('; ')}); fix them on the console's settings page, then retry the delivery`);
  }
  const { policy, vocabulary } = team.value;
  const targetKeys = commands.flatMap((c) => (c.name === 'scope-reason' && c.targetKey !== null ? [c.targetKey] : []));
  const teamDeliverables = scopeId && (targetKeys.length > 0 || commands.some((c) => c.name === 'baseline')) ? await store.listDeliverables(scopeId) : [];
  const named = teamDeliverables.filter((d) => targetKeys.includes(d.state.key.toUpperCase())).map((d) => d.state.id);
  const history = scopeId ? await readReasonHistory(deps, scopeId, [comment.issueId, ...named]) : [];
  // A sign-off withdrawn from a done issue reopens it: to the team's first started state.
  const workflowStates =
    issue && deps.gateway?.listWorkflowStates && commands.some((c) => c.name === 'revoke-signoff') && isDoneState(policy, issue.state)
      ? await deps.gateway.listWorkflowStates.call(deps.gateway, issue.teamId)
      : [];
  const signer = authorId ? await resolveAuthor(authorId, deps, delivery.deliveryId) : null;
  // With no approvers listed only workspace admins may sign off: asked of Linear, by user id.
  const signerIsAdmin = authorId !== null && !hasApproverLists(policy) && deps.gateway !== null ? (await deps.gateway.fetchUser(authorId))?.admin === true : false;

  return decideCommentCommands({
    comment,
    commands,
    issue,
    stored,
    baseline,
    teamDeliverables,
    history,
    workflowStates,
    signer,
    signerIsAdmin,
    policy,
    ...(vocabulary ? { vocabulary } : {}),
    mode: deps.settings.mode,
    now,
    deliveryId: delivery.deliveryId,
    viewerId: deps.viewerId,
    isOwnAction,
  });
}

/**
 * The issue as Linear has it now. Without a gateway, or when Linear fails but Scopekeeper has
 * the issue stored, the commands go ahead on the stored state; otherwise the failure is thrown
 * so the worker retries later.
 */
async function readIssue(issueId: string, haveStored: boolean, deps: ProcessDeliveryDeps, deliveryId: string): Promise<LinearIssue | null> {
  if (!deps.gateway) return null;
  try {
    return await deps.gateway.fetchIssue(issueId);
  } catch (error) {
    if (!haveStored) throw error;
    deps.log({ level: 'warn', msg: 'could not read the issue from Linear; using the stored state', deliveryId, issueId, error: (error as Error).message });
    return null;
  }
}

/**
 * The comment's author, read from Linear by the user id Linear put in the signed comment data:
 * names and emails in the payload's `actor` are never believed, since approvers may be listed by
 * email (docs/adr/0009-replays-identity-tamper-evidence.md). A user Linear does not know is an
 * author with no name or email, who matches no approver listed by email. Without an API key the
 * author is known by id only (approver lists by id still work). A failed read is thrown (and
 * retried): judging a sign-off without the email could refuse an approver.
 */
async function resolveAuthor(authorId: string, deps: ProcessDeliveryDeps, deliveryId: string): Promise<Actor> {
  if (!deps.gateway) {
    deps.log({ level: 'info', msg: 'comment author known by id only (no LINEAR_API_KEY)', deliveryId, userId: authorId });
    return { id: authorId, name: null, email: null };
  }
  const user = await userLookupOf(deps.gateway)(authorId);
  if (user) return { id: user.id, name: user.name, email: user.email };
  deps.log({ level: 'warn', msg: 'comment author unknown to Linear; not treated as anyone listed', deliveryId, userId: authorId });
  return { id: authorId, name: null, email: null };
}

/** One cached lookup per gateway (the service has one), so the cache outlives a delivery. */
const userLookups = new WeakMap<LinearGateway, LinearGateway['fetchUser']>();
function userLookupOf(gateway: LinearGateway): LinearGateway['fetchUser'] {
  let lookup = userLookups.get(gateway);
  if (!lookup) {
    lookup = cacheUserLookups((id) => gateway.fetchUser(id));
    userLookups.set(gateway, lookup);
  }
  return lookup;
}

/** The scope_changed and reason_attached records of some deliverables of a scope. */
async function readReasonHistory(deps: ProcessDeliveryDeps, scopeId: string, deliverableIds: readonly string[]): Promise<HistoryRecord[]> {
  const records: HistoryRecord[] = [];
  for (const deliverableId of new Set(deliverableIds)) {
    const page = await deps.store.queryHistory({ scopeId, deliverableId, kinds: ['scope_changed', 'reason_attached'], limit: HISTORY_PAGE_MAX });
    records.push(...page.records);
  }
  return records;
}

function readBody(body: unknown): { ok: true; value: unknown } | { ok: false; errors: string[] } {
  if (typeof body !== 'string') return { ok: true, value: body };
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch (error) {
    return { ok: false, errors: [`body is not JSON: ${(error as Error).message}`] };
  }
}

function nothing(outcome: DeliveryOutcome): Decision {
  return { outcome, commit: null, actions: [], withheld: [] };
}

/**
 * The policy and hint vocabulary for a team: its own settings when the console stored some, else
 * the environment's (and the built-in hints). Read through a short-lived cache the console's
 * writes clear. Stored settings that no longer read are errors, never the defaults (fail closed).
 */
async function readScopePolicy(
  deps: ProcessDeliveryDeps,
  scopeId: string,
): Promise<{ ok: true; value: { policy: ClosurePolicy; vocabulary: ResolvedTeamVocabulary | undefined } } | { ok: false; errors: string[] }> {
  const { store } = deps;
  if (!store.readScopeSettings) return { ok: true, value: { policy: deps.settings.policy, vocabulary: undefined } };
  const cache = deps.settingsCache ?? scopeSettingsCacheOf(store as Pick<ConsoleScopeStore, 'readScopeSettings'>);
  const team = await readTeamSettings({ readScopeSettings: (id) => cache.read(id) }, scopeId, deps.settings.policy);
  if (team.ok) {
    if (team.vocabularyErrors.length > 0) deps.log({ level: 'warn', msg: 'some hint vocabulary entries cannot be read; the suggestions leave them out', scopeId, errors: team.vocabularyErrors });
    return { ok: true, value: { policy: team.policy, vocabulary: team.settings.vocabulary } };
  }
  deps.log({ level: 'error', msg: "team settings cannot be read; closures are refused until they are fixed", scopeId, errors: team.errors });
  return { ok: false, errors: team.errors.map((e) => `team settings ${e}`) };
}
