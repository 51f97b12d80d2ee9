import { route } from '@forge/api';
import { buildJiraComment } from '../jira/build-jira-comment';
import { InvocationError, InvocationErrorCode, type RetryOptions } from '@forge/events';
import { z } from 'zod';
import { buildDeliverableState } from '../../core/build-deliverable-state';
import { decideDeliverableEvent, type DeliverableIntent, type WorkflowObservation } from '../../core/decide-deliverable-event';
import { isDoneUnder } from '../../core/is-done-state';
import type { PolicyReading } from '../../core/read-closure-policy';
import type { Actor, Baseline, DeliverableState, HistoryRecord, HistoryRecordOf } from '../../core/schemas';
import type { BaselineCache, DeliverableEntry, ScopeSummary } from '../../core/store';
import { pickRequester, JiraUnavailableError, JSON_HEADERS, readJiraReply } from '../jira/read-jira-reply';
import type { ForgeDeps } from './create-forge-deps';
import { fetchIssue, type JiraIssue, type JiraStatus } from '../jira/fetch-issue';
import { fetchUser } from '../jira/fetch-user';
import { JIRA_ACTOR, readJiraFacts } from '../jira/read-jira-facts';
import { isTrackedType, parseProjectSettings, readJiraMode, readJiraPolicy } from '../storage/read-project-settings';
import { updateIssueProperty } from '../jira/update-issue-property';
import { loadTagger } from '../../hints/load-tagger';

const tagger = loadTagger();

// Payloads of avi:jira:created:issue, avi:jira:updated:issue and avi:jira:deleted:issue
// (developer.atlassian.com/platform/forge/events-reference/jira): eventType, the issue with its
// current fields, atlassianId (optional: who caused it), for updates a changelog of { field,
// fieldId, from, fromString, to, toString } items and, when the status changed,
// associatedStatuses ("the current and previous statuses", order not stated). The documented
// changelog has no id; deliveries may carry changelog.id and a top-level timestamp, so the
// dedupe key takes the first of those that came (see eventStamp).
const idLike = z.union([z.string(), z.number()]).transform(String);
const statusShape = z.object({ id: idLike, name: z.string(), statusCategory: z.object({ key: z.string() }).partial().nullish() });
const changeItemShape = z.object({ field: z.string(), fieldId: z.string().nullish(), from: idLike.nullish(), to: idLike.nullish() });
const retryShape = z.object({ retryCount: z.number().optional(), retryReason: z.string().optional(), retryData: z.unknown().optional() });
const eventSchema = z.object({
  eventType: z.string().optional(),
  atlassianId: z.string().optional(),
  timestamp: z.union([z.number(), z.string()]).optional(),
  issue: z.object({
    id: idLike,
    key: z.string(),
    fields: z
      .object({
        summary: z.string().nullish(),
        issuetype: z.object({ name: z.string() }).nullish(),
        project: z.object({ id: idLike, key: z.string() }).nullish(),
        status: statusShape.nullish(),
        assignee: z.object({ accountId: z.string() }).nullish(),
        updated: z.string().nullish(),
      })
      .partial()
      .default({}),
  }),
  changelog: z
    .object({
      id: idLike.optional(),
      // One unreadable item must not hide the status change beside it.
      items: z.array(z.unknown()).default([]),
    })
    .optional(),
  // Read by readAssociatedStatuses: a shape this code does not know must not drop the event.
  associatedStatuses: z.unknown().optional(),
  // Retries (events-reference/product_events): the EAP notes put retryCount and retryReason "in
  // the event payload" without naming a parent, so both placements are read.
  retryContext: retryShape.optional(),
  retryCount: z.number().optional(),
  retryReason: z.string().optional(),
  retryData: z.unknown().optional(),
});
type IssueEvent = z.infer<typeof eventSchema>;
type ChangeItem = z.infer<typeof changeItemShape>;

/**
 * What a trigger returns to have Forge deliver the event again: @forge/events' `InvocationError`,
 * whose constructor returns its wire form `{ _retry, retryOptions }` (events-reference/product_events,
 * "Retry for app level errors": at most four retries, retryAfter capped at 900 seconds).
 */
export interface EventRetryRequest {
  _retry: true;
  retryOptions: RetryOptions;
}

/** Forge retries an event at most four times (events-reference/product_events). */
export const MAX_EVENT_RETRIES = 4;
const RETRY_AFTER_SECONDS = 60;
const MAX_RETRY_AFTER_SECONDS = 900;
const MAX_DECIDE_ATTEMPTS = 3;

export function requestEventRetry(reason: 'FUNCTION_UPSTREAM_RATE_LIMITED' | 'FUNCTION_RETRY_REQUEST', retryData?: unknown, retryAfter = RETRY_AFTER_SECONDS): EventRetryRequest {
  const options: RetryOptions = {
    retryAfter: Math.min(Math.max(1, retryAfter), MAX_RETRY_AFTER_SECONDS),
    retryReason: InvocationErrorCode[reason],
    ...(retryData === undefined ? {} : { retryData }),
  };
  return new InvocationError(options) as unknown as EventRetryRequest;
}

/** What the trigger asks Forge to hand back on the retry, so the retry resumes the Jira action. */
const bypassPlanSchema = z.object({
  toStatusId: z.string().nullable(),
  toStatusName: z.string().nullable(),
  transitionId: z.string().nullable(),
  /** Comment text by outcome: moved back, or could not. */
  movedText: z.string(),
  notMovedText: z.string(),
  reasons: z.array(z.string()),
});
type BypassPlan = z.infer<typeof bypassPlanSchema>;
const retryDataSchema = z.object({
  recordId: z.string(),
  step: z.enum(['transition', 'comment']),
  plan: bypassPlanSchema,
  moved: z.boolean().optional(),
  commentToken: z.string().optional(),
});
type RetryData = z.infer<typeof retryDataSchema>;

/**
 * The trigger. Validators only run in company-managed projects and can be sidestepped ("any
 * status" transitions, bulk edits), so every update is decided here too, by the core
 * (decideDeliverableEvent), as the Linear webhook's are:
 * - a status change into a done state without a valid sign-off is refused and moved back to the
 *   previous status with a comment (closure_refused) when the project reopens bypasses and a way
 *   back exists; otherwise it stands and is recorded as a bypass (closure_bypassed); a closure
 *   that passes the gate is recorded as closure_allowed; a move from one done status to another
 *   is no closure. Settings that cannot be read refuse the closure, naming the fault;
 * - a deliverable deleted, or moved out of its project, is removed from that scope
 *   (deliverable_removed after the baseline), and one moved in is added to its new one;
 * - key, title and assignee are kept current (the self sign-off rule needs the assignee);
 * - every tracked issue, new ones included (avi:jira:created:issue), gets the JQL summary property.
 *
 * An update is decided once from fresh reads and committed once, before Jira is touched. The
 * closure record's id is derived from the event, and the commit requires the history head read
 * before the decision, so the record is also the claim: a duplicate delivery finds it, a failed
 * run left none. Jira actions that fail transiently are retried through Forge (EventRetryRequest),
 * resumed from the step that failed, and never doubled: the reopen re-reads the status first and
 * the comment is guarded by a claim.
 */
export async function handleIssueEvent(event: unknown, deps: ForgeDeps): Promise<EventRetryRequest | undefined> {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) {
    deps.log('ignored an issue event Scopekeeper cannot read', parsed.error);
    return undefined;
  }
  const e = parsed.data;
  const retry = readRetry(e);
  try {
    if (e.eventType === 'avi:jira:deleted:issue') return await handleDeleted(e, deps);
    return await handleUpdated(e, deps, retry);
  } catch (error) {
    // Nothing was half-done that a retry would double: every step is guarded, so ask again.
    if (retry.count >= MAX_EVENT_RETRIES) {
      deps.log(`gave up on the issue event for ${e.issue.key} after ${retry.count} retries`, error);
      throw error;
    }
    deps.log(`the issue event for ${e.issue.key} failed; asking Forge to retry it`, error);
    const limited = error instanceof JiraUnavailableError && error.status === 429;
    return requestEventRetry(limited ? 'FUNCTION_UPSTREAM_RATE_LIMITED' : 'FUNCTION_RETRY_REQUEST', retry.data ?? undefined);
  }
}

interface RetryInfo {
  count: number;
  data: RetryData | null;
}

function readRetry(e: IssueEvent): RetryInfo {
  const count = e.retryContext?.retryCount ?? e.retryCount ?? 0;
  const raw = e.retryContext?.retryData ?? e.retryData;
  if (raw === undefined) return { count, data: null };
  const data = retryDataSchema.safeParse(raw);
  return { count, data: data.success ? data.data : null };
}

async function handleDeleted(e: IssueEvent, deps: ForgeDeps): Promise<EventRetryRequest | undefined> {
  const entry = await deps.store.readDeliverableEntry('jira', e.issue.id);
  if (!entry || !entry.stored.state.inScope) return undefined;
  const removed = await removeFromScope(deps, entry, await actorOf(e), 'deleted');
  // A conflict means someone wrote the deliverable meanwhile: the retry reads it again.
  return removed ? undefined : requestEventRetry('FUNCTION_RETRY_REQUEST');
}

/** What the update is about, resolved once; each decision attempt reads the rest again. */
interface UpdateContext {
  e: IssueEvent;
  project: { id: string; key: string };
  /** The status the event moved the issue to, and the change item saying so; null when the status did not change. */
  move: { to: JiraStatus; item: ChangeItem } | null;
  issueType: string | null;
  actor: () => Promise<Actor | null>;
  retry: RetryInfo;
}

async function handleUpdated(e: IssueEvent, deps: ForgeDeps, retry: RetryInfo): Promise<EventRetryRequest | undefined> {
  const fields = e.issue.fields;
  let project = fields.project ?? null;
  let status: JiraStatus | null = fields.status ? toStatus(fields.status) : null;
  let issueType = fields.issuetype?.name ?? null;
  // Older payloads may leave fields out: the issue as it is now fills them in.
  if (!project || (status && status.categoryKey === null) || issueType === null) {
    const issue = await fetchIssue('app', e.issue.id);
    if (!issue) return undefined;
    project = { id: issue.project.id, key: issue.project.key };
    status = issue.status;
    issueType = issue.issueType;
  }
  const statusItem = readChangeItems(e, deps).find((i) => i.fieldId === 'status' || i.field === 'status');
  const ctx: UpdateContext = { e, project, move: statusItem && status ? { to: status, item: statusItem } : null, issueType, actor: lazyActor(e), retry };

  // Moved out of a project (ids stay, keys change): removed there first; the decision below adds it here.
  const entry = await deps.store.readDeliverableEntry('jira', e.issue.id);
  if (entry && entry.stored.state.inScope && entry.stored.state.scopeId !== project.id) {
    if (!(await removeFromScope(deps, entry, await ctx.actor(), 'moved'))) return requestEventRetry('FUNCTION_RETRY_REQUEST');
  }
  return decideUpdate(deps, ctx);
}

/**
 * Reads, decides once with the core, commits once, then acts: the Jira side of
 * decideDeliverableEvent. A commit that lost a race (the panel saved, another run recorded) is
 * decided again from fresh reads, and then finds the other run's record.
 */
async function decideUpdate(deps: ForgeDeps, ctx: UpdateContext): Promise<EventRetryRequest | undefined> {
  const { e, project } = ctx;
  for (let attempt = 1; attempt <= MAX_DECIDE_ATTEMPTS; attempt += 1) {
    const [entry, summary] = await Promise.all([deps.store.readDeliverableEntry('jira', e.issue.id), deps.store.readScopeSummary(project.id)]);
    const reading = parseProjectSettings(summary.ext);
    if (!reading.ok) deps.log(`the settings of project ${project.key} cannot be read (${reading.errors.join('; ')}); closures of its issues are refused`);
    const policy = readJiraPolicy(reading);
    const tracked = isTrackedType(reading, ctx.issueType);
    const stored = entry?.stored.state ?? null;
    const here = stored !== null && stored.inScope && stored.scopeId === project.id;
    // An untracked issue is only kept current where Scopekeeper already keeps it.
    if (!tracked && !here) return undefined;

    const closing = tracked && ctx.move !== null && isDoneUnder(policy, ctx.move.to);
    const recordId = closing && ctx.move ? `jira-closure:${e.issue.id}:${eventStamp(e, ctx.move.item, deps)}` : null;
    if (recordId) {
      const existing = await findClosureRecord(deps, project.id, e.issue.id, recordId);
      if (existing) {
        const resumed = await resumeClosure(deps, ctx, existing);
        await refreshProperty(deps, stored, ctx, policy, summary);
        return resumed;
      }
    }
    // Events can arrive minutes late: a closure is decided from the issue as it is now.
    const now = closing ? await fetchIssue('app', e.issue.id, { transitions: true }) : null;
    if (closing && !now) {
      deps.log(`${e.issue.key} no longer exists; its closure is not recorded`);
      return undefined;
    }
    // Entering this scope (moved here, or back): a scope change against its baseline.
    const entering = stored !== null && !here;
    const baseline = entering && summary.activeBaseline ? await deps.store.readBaseline(project.id, summary.activeBaseline) : null;
    const decision = decideDeliverableEvent({
      stored,
      // An issue type that is no deliverable is never gated: its status changes are no closures.
      event: { kind: 'observed', facts: factsOf(e, project.id, now), workflow: tracked ? workflowOf(e, deps, ctx, now) : { kind: 'none', current: null } },
      baseline,
      policy,
      mode: readJiraMode(reading),
      actor: closing || entering ? await ctx.actor() : null,
      fallbackActor: JIRA_ACTOR,
      source: 'jira-trigger',
      now: deps.now(),
      newId: deps.newId,
      tagger,
      ...(recordId ? { closureId: recordId } : {}),
    });

    const state = decision.state;
    const hasClosure = decision.drafts.some((d) => d.kind.startsWith('closure_'));
    if (state && (decision.changed || decision.drafts.length > 0)) {
      const key = `jira:${e.issue.id}`;
      const cache = baseline ? cacheFor(baseline, e.issue.id) : (entry?.baselineCache ?? null);
      const result = await deps.store.commitWith(
        {
          scopeId: project.id,
          ...(decision.changed ? { deliverables: [{ state, expectedVersion: entry?.stored.version ?? null }] } : {}),
          history: decision.drafts,
          ...(hasClosure ? { expectedHistoryHead: summary.head?.hash ?? null } : {}),
        },
        { baselineCaches: cache ? { [key]: cache } : {} },
      );
      if (!result.ok) {
        if (result.code === 'HISTORY_CONFLICT' || result.code === 'VERSION_CONFLICT') continue;
        deps.log(`could not record the update of ${e.issue.key}: ${result.code}`);
        return requestEventRetry('FUNCTION_RETRY_REQUEST');
      }
    }
    // The issue was read just now: that read is the status check before the reopen.
    const acted = recordId && now ? await actOnIntents(deps, e, recordId, decision.intents, now, policy) : undefined;
    await refreshProperty(deps, state, ctx, policy, summary);
    return acted;
  }
  deps.log(`project ${project.id} kept changing while deciding the update of ${e.issue.key}; asking Forge to retry`);
  return requestEventRetry('FUNCTION_RETRY_REQUEST');
}

/** The issue's facts: from the read made just now when there is one, else from the event. */
function factsOf(e: IssueEvent, scopeId: string, now: JiraIssue | null) {
  if (now) return readJiraFacts({ id: e.issue.id, key: now.key, projectId: scopeId, summary: now.summary, assigneeId: now.assigneeId });
  const assignee = e.issue.fields.assignee;
  return readJiraFacts({ id: e.issue.id, key: e.issue.key, projectId: scopeId, summary: e.issue.fields.summary, assigneeId: assignee === undefined ? undefined : (assignee?.accountId ?? null) });
}

/**
 * The status change as the core sees it. The status before is known when associatedStatuses
 * names it (a done-to-done change is then no closure); the way back is a transition, in the
 * issue as read just now, to that status.
 */
function workflowOf(e: IssueEvent, deps: ForgeDeps, ctx: UpdateContext, now: JiraIssue | null): WorkflowObservation {
  if (!ctx.move) return { kind: 'none', current: null };
  const fromId = ctx.move.item.from ?? null;
  const from = fromId === null ? null : (readAssociatedStatuses(e, deps).find((s) => s.id === fromId) ?? null);
  const toName = e.issue.fields.status?.name ?? now?.status?.name ?? 'done';
  const back = fromId === null ? undefined : now?.transitions?.find((t) => t.to.id === fromId);
  return {
    kind: 'moved',
    from,
    to: { ...ctx.move.to, name: toName },
    revertTo: back ? { id: back.to.id, name: back.to.name } : null,
    ...(now ? { current: now.status } : {}),
  };
}

/** The JQL summary follows every change; a tracked issue without criteria gets one too, so "signedOff = false" finds it. */
async function refreshProperty(deps: ForgeDeps, state: DeliverableState | null, ctx: UpdateContext, policy: PolicyReading, summary: ScopeSummary): Promise<void> {
  const current = state ?? buildDeliverableState(null, factsOf(ctx.e, ctx.project.id, null), deps.now());
  if (current.scopeId !== ctx.project.id || !current.inScope) return;
  const head = (await deps.store.readScopeSummary(ctx.project.id)).head ?? summary.head;
  await updateIssueProperty(deps, { state: current, policy, scopeVersion: head?.scopeVersion ?? null });
}

function cacheFor(baseline: Baseline, deliverableId: string): BaselineCache {
  return { baselineId: baseline.id, criteria: baseline.deliverables.find((d) => d.id === deliverableId)?.criteria ?? null };
}

// ---- closures ------------------------------------------------------------------------------------

/**
 * Carries out the core's intents for a closure: moves the issue back when asked to, and comments
 * why (with the plan Forge hands back on a retry). Only closure sections are Jira's to say: the
 * issue panel asks for criteria, and Jira criteria never change in an event.
 */
async function actOnIntents(
  deps: ForgeDeps,
  e: IssueEvent,
  recordId: string,
  intents: readonly DeliverableIntent[],
  now: JiraIssue,
  policy: PolicyReading,
): Promise<EventRetryRequest | undefined> {
  const revert = intents.find((i): i is Extract<DeliverableIntent, { kind: 'revert' }> => i.kind === 'revert') ?? null;
  const section = intents.flatMap((i) => (i.kind === 'comment' ? i.sections : [])).find((s) => s.kind === 'closure_refused');
  if (!section || section.kind !== 'closure_refused') return undefined;
  const back = revert ? now.transitions?.find((t) => t.to.id === revert.to.id) : undefined;
  const plan = planComment(now.key, section.toState, revert ? { id: revert.to.id, name: revert.to.name } : null, back?.id ?? null, section.reasons.map((r) => r.message));
  return actOnBypass(deps, e, recordId, plan, 'transition', { known: now, policy });
}

/** The comment in both its forms (moved back, or could not), and the way back, as a retry carries them. */
function planComment(key: string, toState: string, back: { id: string; name: string | null } | null, transitionId: string | null, reasons: string[]): BypassPlan {
  return {
    toStatusId: back?.id ?? null,
    toStatusName: back?.name ?? null,
    transitionId,
    movedText: `Scopekeeper moved ${key} back to ${back?.name ?? 'its previous status'}: it reached ${toState} without a valid sign-off of its acceptance criteria.`,
    notMovedText: `${key} reached ${toState} without a valid sign-off of its acceptance criteria. Scopekeeper could not move it back, so this is recorded as a bypass.`,
    reasons,
  };
}

/** A record of a closure Scopekeeper set out to move back (older records: a bypass reopened). */
function isRevertRecord(record: HistoryRecord): record is HistoryRecordOf<'closure_refused' | 'closure_bypassed'> {
  return record.kind === 'closure_refused' || (record.kind === 'closure_bypassed' && record.data.action === 'reopened');
}

/**
 * The record exists: a duplicate delivery, or a retry. Only a retry acts: one we asked for
 * resumes where it stopped; one the platform made (a timeout, say) redoes the guarded steps.
 */
async function resumeClosure(deps: ForgeDeps, ctx: UpdateContext, record: HistoryRecord): Promise<EventRetryRequest | undefined> {
  const { e, retry } = ctx;
  if (retry.data && retry.data.recordId === record.id) {
    return actOnBypass(deps, e, record.id, retry.data.plan, retry.data.step, { moved: retry.data.moved, commentToken: retry.data.commentToken });
  }
  if (retry.count === 0 || !isRevertRecord(record)) {
    deps.log(`the closure of ${e.issue.key} was already recorded (${record.id}); nothing to do`);
    return undefined;
  }
  const fromId = ctx.move?.item.from ?? null;
  const plan = planComment(e.issue.key, record.data.toState, fromId ? { id: fromId, name: null } : null, null, record.data.reasons.map((r) => r.message));
  return actOnBypass(deps, e, record.id, plan, 'transition', {});
}

/**
 * Moves the issue back (only while it is still done) and comments why. A step that fails
 * transiently asks Forge to retry, carrying the plan and the step to resume from.
 */
async function actOnBypass(
  deps: ForgeDeps,
  e: IssueEvent,
  recordId: string,
  plan: BypassPlan,
  from: 'transition' | 'comment',
  state: { moved?: boolean; commentToken?: string; known?: JiraIssue; policy?: PolicyReading },
): Promise<EventRetryRequest | undefined> {
  let moved = state.moved ?? false;
  if (from === 'transition' && plan.toStatusId) {
    const issue = state.known ?? (await fetchIssue('app', e.issue.id, { transitions: true }));
    if (!issue) return undefined;
    const policy = state.policy ?? (await readPolicy(deps, issue.project.id));
    if (!issue.status || !isDoneUnder(policy, issue.status)) {
      // Someone moved it already: reopening now would undo their change.
      deps.log(`${issue.key} is no longer done; Scopekeeper leaves it where it is`);
      return undefined;
    }
    const back = issue.transitions?.find((t) => t.id === plan.transitionId) ?? issue.transitions?.find((t) => t.to.id === plan.toStatusId);
    if (back) {
      const reply = await readJiraReply(
        pickRequester('app').requestJira(route`/rest/api/3/issue/${e.issue.id}/transitions`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ transition: { id: back.id } }) }),
      );
      if (isTransient(reply.status)) return retryFrom('transition', { recordId, plan }, reply.status);
      moved = reply.ok;
      if (!reply.ok) deps.log(`Jira refused to move ${issue.key} back (${reply.status})`, reply.body);
    } else {
      deps.log(`${issue.key} has no transition back to status ${plan.toStatusId}`);
    }
  }
  const lead = moved ? plan.movedText : plan.notMovedText;
  // Claimed before posting: a comment is never posted twice; one that failed retries under a new claim.
  const claim = state.commentToken ? `comment:${recordId}:${state.commentToken}` : `comment:${recordId}`;
  if (!(await deps.store.claimEvent(claim))) {
    deps.log(`the bypass comment on ${e.issue.key} was already posted (${claim})`);
    return undefined;
  }
  const reply = await readJiraReply(
    pickRequester('app').requestJira(route`/rest/api/3/issue/${e.issue.id}/comment`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ body: buildJiraComment(lead, plan.reasons) }) }),
  );
  if (isTransient(reply.status)) return retryFrom('comment', { recordId, plan, moved, commentToken: deps.newId() }, reply.status);
  if (!reply.ok) deps.log(`Jira refused the bypass comment on ${e.issue.key} (${reply.status})`, reply.body);
  return undefined;
}

function retryFrom(step: RetryData['step'], data: Omit<RetryData, 'step'>, status: number): EventRetryRequest {
  return requestEventRetry(status === 429 ? 'FUNCTION_UPSTREAM_RATE_LIMITED' : 'FUNCTION_RETRY_REQUEST', { ...data, step } satisfies RetryData);
}

/** 429 and 5xx pass; a 4xx is a refusal that asking again will not change. */
function isTransient(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Only for the done check before a reopen on a retry; the closure itself was decided by the core. */
async function readPolicy(deps: ForgeDeps, scopeId: string): Promise<PolicyReading> {
  const summary = await deps.store.readScopeSummary(scopeId);
  return readJiraPolicy(parseProjectSettings(summary.ext));
}

/** This event's closure record, if a run already committed it. */
async function findClosureRecord(deps: ForgeDeps, scopeId: string, deliverableId: string, recordId: string): Promise<HistoryRecord | null> {
  let cursor: string | null = null;
  for (let page = 0; page < 10; page += 1) {
    const found = await deps.store.queryHistory({ scopeId, deliverableId, kinds: ['closure_refused', 'closure_bypassed', 'closure_allowed'], limit: 100, cursor });
    const match = found.records.find((r) => r.id === recordId);
    if (match) return match;
    if (!found.nextCursor) return null;
    cursor = found.nextCursor;
  }
  return null;
}

/**
 * What tells two closures of the same issue apart: changelog.id when it came, else the event's
 * timestamp, else the issue's updated time; the status pair alone only as a last resort, since
 * it repeats when the same transition is bypassed twice.
 */
function eventStamp(e: IssueEvent, statusItem: ChangeItem, deps: ForgeDeps): string {
  if (e.changelog?.id) return `c${e.changelog.id}`;
  const fallback = e.timestamp !== undefined ? `t${e.timestamp}` : e.issue.fields.updated ? `u${e.issue.fields.updated}` : null;
  deps.log(`issue event for ${e.issue.key} has no changelog.id; deduplicating by ${e.timestamp !== undefined ? 'timestamp' : e.issue.fields.updated ? 'issue.fields.updated' : 'the status pair only'}`);
  return fallback ?? `s${statusItem.from ?? ''}-${statusItem.to ?? ''}`;
}

function readChangeItems(e: IssueEvent, deps: ForgeDeps): ChangeItem[] {
  const items: ChangeItem[] = [];
  for (const raw of e.changelog?.items ?? []) {
    const item = changeItemShape.safeParse(raw);
    if (item.success) items.push(item.data);
    else deps.log(`skipped a changelog item of ${e.issue.key} Scopekeeper cannot read`, item.error);
  }
  return items;
}

/**
 * associatedStatuses as documented is an array of statuses; an object wrapping one (as
 * associatedUsers is typed) is read too. Any other shape is logged and ignored.
 */
function readAssociatedStatuses(e: IssueEvent, deps: ForgeDeps): JiraStatus[] {
  const raw = e.associatedStatuses;
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : typeof raw === 'object' && raw !== null && Array.isArray((raw as { associatedStatuses?: unknown }).associatedStatuses) ? (raw as { associatedStatuses: unknown[] }).associatedStatuses : null;
  if (!list) {
    deps.log(`associatedStatuses of ${e.issue.key} has a shape Scopekeeper does not know (${typeof raw}); ignored`);
    return [];
  }
  const statuses: JiraStatus[] = [];
  for (const item of list) {
    const status = statusShape.safeParse(item);
    if (status.success) statuses.push(toStatus(status.data));
    else deps.log(`skipped an associated status of ${e.issue.key} Scopekeeper cannot read`, status.error);
  }
  return statuses;
}

// ---- scope membership -------------------------------------------------------------------------

/** Records the deliverable leaving its scope, decided by the core; returns its entry afterwards (null if it changed meanwhile). */
async function removeFromScope(deps: ForgeDeps, entry: DeliverableEntry, actor: Actor | null, why: 'deleted' | 'moved'): Promise<DeliverableEntry | null> {
  const previous = entry.stored.state;
  const summary = await deps.store.readScopeSummary(previous.scopeId);
  const baseline = summary.activeBaseline ? await deps.store.readBaseline(previous.scopeId, summary.activeBaseline) : null;
  const decision = decideDeliverableEvent({
    stored: previous,
    event: { kind: 'removed' },
    baseline,
    policy: readJiraPolicy(parseProjectSettings(summary.ext)),
    mode: 'enforce',
    actor,
    fallbackActor: JIRA_ACTOR,
    source: 'jira-trigger',
    now: deps.now(),
    newId: deps.newId,
    tagger,
  });
  if (!decision.state || !decision.changed) return entry;
  const result = await deps.store.commitWith(
    { scopeId: previous.scopeId, deliverables: [{ state: decision.state, expectedVersion: entry.stored.version }], history: decision.drafts },
    { baselineCaches: entry.baselineCache ? { [`jira:${previous.id}`]: entry.baselineCache } : {} },
  );
  if (!result.ok) {
    deps.log(`could not record that ${previous.key} was ${why}: ${result.code}`);
    return null;
  }
  return { stored: { state: decision.state, version: result.versions[`jira:${previous.id}`] ?? entry.stored.version + 1 }, baselineCache: entry.baselineCache };
}

async function actorOf(e: IssueEvent): Promise<Actor | null> {
  return e.atlassianId ? fetchUser(e.atlassianId) : null;
}

/** Most updates record nothing: the name of whoever caused one is only looked up when needed. */
function lazyActor(e: IssueEvent): () => Promise<Actor | null> {
  let pending: Promise<Actor | null> | null = null;
  return () => (pending ??= actorOf(e));
}

function toStatus(status: z.infer<typeof statusShape>): JiraStatus {
  return { id: status.id, name: status.name, categoryKey: status.statusCategory?.key ?? null };
}
