import { route } from '@forge/api';
import { InvocationError, InvocationErrorCode, type RetryOptions } from '@forge/events';
import { z } from 'zod';
import { evaluateClosure } from '../core/evaluate-closure';
import { isDoneState } from '../core/is-done-state';
import { recordCriteriaChange, recordDeliverableRemoval } from '../core/record-criteria-change';
import type { Actor, Baseline, ClosurePolicy, ClosureReason, DeliverableState, HistoryDraft, HistoryRecord } from '../core/schemas';
import { pickRequester, JiraUnavailableError, JSON_HEADERS, readJiraReply } from './read-jira-reply';
import type { ForgeDeps } from './create-forge-deps';
import { fetchIssue, type JiraIssue, type JiraStatus } from './fetch-issue';
import { fetchUser } from './fetch-user';
import type { DeliverableEntry } from './kvs-store';
import { buildClosurePolicy, isDeliverableType, parseProjectSettings, readProjectSettings } from './read-project-settings';
import { updateIssueProperty } from './update-issue-property';

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
 * status" transitions, bulk edits), so every update is checked here too:
 * - a status change into a done state without a valid sign-off is a bypass: recorded as
 *   closure_bypassed and, by the project's bypass policy, reopened to the previous status with a
 *   comment, or recorded only; a closure that passes the gate is recorded as closure_allowed;
 * - a deliverable deleted, or moved out of its project, is removed from that scope
 *   (deliverable_removed after the baseline), and one moved in is added to its new one;
 * - key, title and assignee are kept current (the self sign-off rule needs the assignee);
 * - every tracked issue, new ones included (avi:jira:created:issue), gets the JQL summary property.
 *
 * A closure is decided once from fresh reads, and the record is committed before Jira is touched.
 * The record's id is derived from the event, and the commit requires the history head read
 * before the check, so the record is also the claim: a duplicate delivery finds it, a failed run
 * left none. Jira actions that fail transiently are retried through Forge (EventRetryRequest),
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
  const actor = lazyActor(e);
  let entry = await deps.store.readDeliverableEntry('jira', e.issue.id);
  const summary = await deps.store.readScopeSummary(project.id);
  const reading = parseProjectSettings(summary.ext);
  const settings = reading.ok ? reading.settings : reading.defaults;
  const policy = buildClosurePolicy(settings);
  const tracked = isDeliverableType(settings, issueType);

  // Moved out of a project (ids stay, keys change): removed there, added here.
  if (entry && entry.stored.state.inScope && entry.stored.state.scopeId !== project.id) {
    entry = await removeFromScope(deps, entry, await actor(), 'moved');
    if (entry && tracked) entry = await addToScope(deps, entry, e, project.id, await actor());
  } else if (entry && entry.stored.state.inScope) {
    entry = await refreshFacts(deps, entry, e, fields.assignee === undefined ? undefined : (fields.assignee?.accountId ?? null));
  }

  let outcome: EventRetryRequest | undefined;
  const statusItem = readChangeItems(e, deps).find((i) => i.fieldId === 'status' || i.field === 'status');
  if (statusItem && status && tracked && isDoneState(policy, status) && !wasDone(e, deps, statusItem.from ?? null, policy)) {
    // Defaults let anyone sign off: deciding a closure from them would fail open.
    if (!reading.ok) deps.log(`the settings of project ${project.key} cannot be read (${reading.errors.join('; ')}); the closure of ${e.issue.key} is not checked`);
    else outcome = await checkClosure(deps, { e, scopeId: project.id, entry, fromStatusId: statusItem.from ?? null, policy, bypassPolicy: settings.bypassPolicy, actor, retry, stamp: eventStamp(e, statusItem, deps) });
  }

  // The JQL summary follows every change; a tracked issue without criteria gets one too, so
  // "signedOff = false" finds it.
  if (tracked && (!entry || entry.stored.state.scopeId === project.id)) {
    const state = entry?.stored.state ?? emptyState(e, project.id, deps.now());
    const head = (await deps.store.readScopeSummary(project.id)).head;
    await updateIssueProperty(deps, { state, policy, scopeVersion: head?.scopeVersion ?? null });
  }
  return outcome;
}

function emptyState(e: IssueEvent, scopeId: string, now: string): DeliverableState {
  return {
    platform: 'jira',
    id: e.issue.id,
    key: e.issue.key,
    scopeId,
    title: e.issue.fields.summary ?? '',
    assigneeId: e.issue.fields.assignee?.accountId ?? null,
    criteria: [],
    signOff: null,
    inScope: true,
    updatedAt: now,
  };
}

// ---- closures ------------------------------------------------------------------------------------

interface ClosureInput {
  e: IssueEvent;
  scopeId: string;
  entry: DeliverableEntry | null;
  fromStatusId: string | null;
  policy: ClosurePolicy;
  bypassPolicy: 'reopen' | 'record';
  actor: () => Promise<Actor | null>;
  retry: RetryInfo;
  stamp: string;
}

/**
 * Records the closure once, then acts on Jira. Reads first (the history head, an existing record
 * of this event, the issue as it is now), decides, and commits with the head it read: a commit
 * that lost a race is decided again, and finds the other run's record.
 */
async function checkClosure(deps: ForgeDeps, input: ClosureInput): Promise<EventRetryRequest | undefined> {
  const { e, scopeId } = input;
  const recordId = `jira-closure:${e.issue.id}:${input.stamp}`;
  for (let attempt = 1; attempt <= MAX_DECIDE_ATTEMPTS; attempt += 1) {
    const { head } = await deps.store.readScopeSummary(scopeId);
    const existing = await findClosureRecord(deps, scopeId, e.issue.id, recordId);
    if (existing) return resumeClosure(deps, input, existing);
    // Events can arrive minutes late: decide from the issue as it is now, not as the event saw it.
    const now = await fetchIssue('app', e.issue.id, { transitions: true });
    if (!now) {
      deps.log(`${e.issue.key} no longer exists; its closure is not recorded`);
      return undefined;
    }
    const decision = decideClosure(deps, input, now, recordId, await input.actor());
    const result = await deps.store.commit({ scopeId, history: [decision.draft], expectedHistoryHead: head?.hash ?? null });
    // The issue was read just now: that read is the status check before the reopen.
    if (result.ok) return decision.plan ? actOnBypass(deps, e, recordId, decision.plan, 'transition', { known: now, policy: input.policy }) : undefined;
    if (result.code !== 'HISTORY_CONFLICT') {
      deps.log(`could not record the closure of ${e.issue.key}: ${result.code}`);
      return requestEventRetry('FUNCTION_RETRY_REQUEST');
    }
  }
  deps.log(`the history of project ${scopeId} kept moving while recording the closure of ${e.issue.key}; asking Forge to retry`);
  return requestEventRetry('FUNCTION_RETRY_REQUEST');
}

function decideClosure(deps: ForgeDeps, input: ClosureInput, now: JiraIssue, recordId: string, actor: Actor | null): { draft: HistoryDraft; plan: BypassPlan | null } {
  const { e, entry, policy, scopeId } = input;
  const stored = entry?.stored.state;
  const state: DeliverableState = {
    platform: 'jira',
    id: e.issue.id,
    key: now.key,
    scopeId,
    title: now.summary || stored?.title || '',
    // Jira's assignee now: the self sign-off rule needs today's.
    assigneeId: now.assigneeId,
    criteria: stored?.criteria ?? [],
    signOff: stored?.signOff ?? null,
    inScope: true,
    updatedAt: stored?.updatedAt ?? deps.now(),
  };
  const toState = input.e.issue.fields.status?.name ?? now.status?.name ?? 'done';
  const verdict = evaluateClosure({ state, policy });
  const base = { id: recordId, scopeId, at: deps.now(), actor, deliverableId: e.issue.id };
  if (verdict.allowed) return { draft: { ...base, kind: 'closure_allowed', data: { toState } }, plan: null };
  const record = (action: 'reopened' | 'recorded'): HistoryDraft => ({ ...base, kind: 'closure_bypassed', data: { toState, reasons: verdict.reasons, action } });
  if (input.bypassPolicy === 'record') return { draft: record('recorded'), plan: null };
  if (!now.status || !isDoneState(policy, now.status)) {
    deps.log(`${now.key} closed without a valid sign-off but is no longer done; recorded, not reopened`);
    return { draft: record('recorded'), plan: null };
  }
  const back = input.fromStatusId ? now.transitions?.find((t) => t.to.id === input.fromStatusId) : undefined;
  const plan: BypassPlan = {
    toStatusId: input.fromStatusId,
    toStatusName: back?.to.name ?? null,
    transitionId: back?.id ?? null,
    movedText: `Scopekeeper moved ${now.key} back to ${back?.to.name ?? 'its previous status'}: it reached ${now.status.name} without a valid sign-off of its acceptance criteria.`,
    notMovedText: `${now.key} reached ${now.status.name} without a valid sign-off of its acceptance criteria. Scopekeeper could not move it back, so this is recorded as a bypass.`,
    reasons: verdict.reasons.map((r: ClosureReason) => r.message),
  };
  return { draft: record(back ? 'reopened' : 'recorded'), plan };
}

/**
 * The record exists: a duplicate delivery, or a retry. Only a retry acts: one we asked for
 * resumes where it stopped; one the platform made (a timeout, say) redoes the guarded steps.
 */
async function resumeClosure(deps: ForgeDeps, input: ClosureInput, record: HistoryRecord): Promise<EventRetryRequest | undefined> {
  const { e, retry } = input;
  if (retry.data && retry.data.recordId === record.id) {
    return actOnBypass(deps, e, record.id, retry.data.plan, retry.data.step, { moved: retry.data.moved, commentToken: retry.data.commentToken });
  }
  if (retry.count === 0 || record.kind !== 'closure_bypassed' || record.data.action !== 'reopened') {
    deps.log(`the closure of ${e.issue.key} was already recorded (${record.id}); nothing to do`);
    return undefined;
  }
  const key = e.issue.key;
  const plan: BypassPlan = {
    toStatusId: input.fromStatusId,
    toStatusName: null,
    transitionId: null,
    movedText: `Scopekeeper moved ${key} back to its previous status: it reached ${record.data.toState} without a valid sign-off of its acceptance criteria.`,
    notMovedText: `${key} reached ${record.data.toState} without a valid sign-off of its acceptance criteria. Scopekeeper could not move it back, so this is recorded as a bypass.`,
    reasons: record.data.reasons.map((r) => r.message),
  };
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
  state: { moved?: boolean; commentToken?: string; known?: JiraIssue; policy?: ClosurePolicy },
): Promise<EventRetryRequest | undefined> {
  let moved = state.moved ?? false;
  if (from === 'transition' && plan.toStatusId) {
    const issue = state.known ?? (await fetchIssue('app', e.issue.id, { transitions: true }));
    if (!issue) return undefined;
    const policy = state.policy ?? (await readPolicy(deps, issue.project.id));
    if (!issue.status || !isDoneState(policy, issue.status)) {
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
    pickRequester('app').requestJira(route`/rest/api/3/issue/${e.issue.id}/comment`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ body: buildCommentDocument(lead, plan.reasons) }) }),
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

/** Only for the done check before a reopen; the closure itself was decided from parseProjectSettings. */
async function readPolicy(deps: ForgeDeps, scopeId: string): Promise<ClosurePolicy> {
  const summary = await deps.store.readScopeSummary(scopeId);
  return buildClosurePolicy(readProjectSettings(summary.ext));
}

/** This event's closure record, if a run already committed it. */
async function findClosureRecord(deps: ForgeDeps, scopeId: string, deliverableId: string, recordId: string): Promise<HistoryRecord | null> {
  let cursor: string | null = null;
  for (let page = 0; page < 10; page += 1) {
    const found = await deps.store.queryHistory({ scopeId, deliverableId, kinds: ['closure_bypassed', 'closure_allowed'], limit: 100, cursor });
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

/** A done-to-done change (Done -> Closed) is not a closure. Only knowable when the event names the old status. */
function wasDone(e: IssueEvent, deps: ForgeDeps, fromStatusId: string | null, policy: ClosurePolicy): boolean {
  const from = readAssociatedStatuses(e, deps).find((s) => s.id === fromStatusId);
  return from ? isDoneState(policy, from) : false;
}

export function buildCommentDocument(lead: string, reasons: readonly string[]) {
  return {
    type: 'doc',
    version: 1,
    content: [
      { type: 'paragraph', content: [{ type: 'text', text: lead }] },
      ...(reasons.length > 0
        ? [
            { type: 'paragraph', content: [{ type: 'text', text: 'What is missing before it can close:' }] },
            { type: 'bulletList', content: reasons.map((r) => ({ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: r }] }] })) },
          ]
        : []),
    ],
  };
}

// ---- scope membership and facts ------------------------------------------------------------------

/** Records the deliverable leaving its scope; returns its entry afterwards (null if it changed meanwhile). */
async function removeFromScope(deps: ForgeDeps, entry: DeliverableEntry, actor: Actor | null, why: 'deleted' | 'moved'): Promise<DeliverableEntry | null> {
  const previous = entry.stored.state;
  const baseline = await activeBaseline(deps, previous.scopeId);
  const removal = recordDeliverableRemoval({
    previous,
    baseline,
    actor: actor ?? { id: 'jira', name: 'Jira', email: null },
    now: deps.now(),
    source: 'jira-trigger',
    // Jira cannot ask why: the change stays undocumented until someone attaches a reason.
    reason: null,
    newId: deps.newId,
  });
  const result = await deps.store.commitWith(
    { scopeId: previous.scopeId, deliverables: [{ state: removal.state, expectedVersion: entry.stored.version }], history: removal.drafts },
    { baselineCaches: entry.baselineCache ? { [`jira:${previous.id}`]: entry.baselineCache } : {} },
  );
  if (!result.ok) {
    deps.log(`could not record that ${previous.key} was ${why}: ${result.code}`);
    return null;
  }
  return { stored: { state: removal.state, version: result.versions[`jira:${previous.id}`] ?? entry.stored.version + 1 }, baselineCache: entry.baselineCache };
}

/** A deliverable moved into this project: an addition here after the baseline. */
async function addToScope(deps: ForgeDeps, entry: DeliverableEntry, e: IssueEvent, scopeId: string, actor: Actor | null): Promise<DeliverableEntry | null> {
  const previous = entry.stored.state;
  const baseline = await activeBaseline(deps, scopeId);
  const now = deps.now();
  const next: DeliverableState = {
    ...previous,
    key: e.issue.key,
    scopeId,
    title: e.issue.fields.summary ?? previous.title,
    assigneeId: e.issue.fields.assignee === undefined ? previous.assigneeId : (e.issue.fields.assignee?.accountId ?? null),
    inScope: true,
    updatedAt: now,
  };
  const recorded = recordCriteriaChange({
    previous,
    next,
    baseline,
    actor: actor ?? { id: 'jira', name: 'Jira', email: null },
    now,
    source: 'jira-trigger',
    reason: null,
    newId: deps.newId,
  });
  const cache = baseline ? { baselineId: baseline.id, criteria: baseline.deliverables.find((d) => d.id === previous.id)?.criteria ?? null } : undefined;
  const result = await deps.store.commitWith(
    { scopeId, deliverables: [{ state: recorded.state, expectedVersion: entry.stored.version }], history: recorded.drafts },
    { baselineCaches: cache ? { [`jira:${previous.id}`]: cache } : {} },
  );
  if (!result.ok) {
    deps.log(`could not add ${e.issue.key} to project ${scopeId}: ${result.code}`);
    return null;
  }
  return { stored: { state: recorded.state, version: result.versions[`jira:${previous.id}`] ?? entry.stored.version + 1 }, baselineCache: cache ?? null };
}

/** Key, title and assignee as Jira has them now; no history (they are not scope). */
async function refreshFacts(deps: ForgeDeps, entry: DeliverableEntry, e: IssueEvent, assigneeId: string | null | undefined): Promise<DeliverableEntry> {
  const previous = entry.stored.state;
  const next: DeliverableState = {
    ...previous,
    key: e.issue.key,
    title: e.issue.fields.summary ?? previous.title,
    assigneeId: assigneeId === undefined ? previous.assigneeId : assigneeId,
  };
  if (next.key === previous.key && next.title === previous.title && next.assigneeId === previous.assigneeId) return entry;
  next.updatedAt = deps.now();
  const result = await deps.store.commitWith(
    { scopeId: previous.scopeId, deliverables: [{ state: next, expectedVersion: entry.stored.version }] },
    { baselineCaches: entry.baselineCache ? { [`jira:${previous.id}`]: entry.baselineCache } : {} },
  );
  if (!result.ok) {
    deps.log(`could not keep the facts of ${previous.key} current: ${result.code}`);
    return entry;
  }
  return { stored: { state: next, version: result.versions[`jira:${previous.id}`] ?? entry.stored.version + 1 }, baselineCache: entry.baselineCache };
}

async function activeBaseline(deps: ForgeDeps, scopeId: string): Promise<Baseline | null> {
  const { activeBaseline: meta } = await deps.store.readScopeSummary(scopeId);
  return meta ? deps.store.readBaseline(scopeId, meta) : null;
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
