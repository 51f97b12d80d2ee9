import { route } from '@forge/api';
import { z } from 'zod';
import { evaluateClosure } from '../core/evaluate-closure';
import { isDoneState } from '../core/is-done-state';
import { recordCriteriaChange, recordDeliverableRemoval } from '../core/record-criteria-change';
import type { Actor, Baseline, ClosurePolicy, ClosureReason, DeliverableState, HistoryDraft } from '../core/schemas';
import { pickRequester, JSON_HEADERS, readJiraReply } from './read-jira-reply';
import type { ForgeDeps } from './create-forge-deps';
import { fetchIssue, type JiraStatus } from './fetch-issue';
import { fetchUser } from './fetch-user';
import type { DeliverableEntry } from './kvs-store';
import { isDeliverableType, readProjectSettings, buildClosurePolicy } from './read-project-settings';
import { updateIssueProperty } from './update-issue-property';

// Payloads of avi:jira:updated:issue and avi:jira:deleted:issue
// (developer.atlassian.com/platform/forge/events-reference/jira): the issue with its current
// fields, atlassianId (who caused it), and for updates a changelog of { field, fieldId, from,
// fromString, to, toString } items. A move to another project shows in the issue's new
// fields.project and in a changelog item for the field "project"; a status change in an item for
// "status" (from/to are status ids) and in associatedStatuses.
const statusShape = z.object({ id: z.string(), name: z.string(), statusCategory: z.object({ key: z.string() }).partial().nullish() });
const eventSchema = z.object({
  eventType: z.string().optional(),
  atlassianId: z.string().optional(),
  issue: z.object({
    id: z.string(),
    key: z.string(),
    fields: z
      .object({
        summary: z.string().nullish(),
        issuetype: z.object({ name: z.string() }).nullish(),
        project: z.object({ id: z.string(), key: z.string() }).nullish(),
        status: statusShape.nullish(),
        assignee: z.object({ accountId: z.string() }).nullish(),
      })
      .partial()
      .default({}),
  }),
  changelog: z
    .object({
      id: z.string().optional(),
      items: z.array(z.object({ field: z.string(), fieldId: z.string().nullish(), from: z.string().nullish(), to: z.string().nullish() })).default([]),
    })
    .optional(),
  associatedStatuses: z.array(statusShape).optional(),
});
type IssueEvent = z.infer<typeof eventSchema>;

/**
 * The trigger. Validators only run in company-managed projects and can be sidestepped ("any
 * status" transitions, bulk edits), so every update is checked here too:
 * - a status change into a done state without a valid sign-off is a bypass: recorded as
 *   closure_bypassed and, by the project's bypass policy, reopened to the previous status with a
 *   comment, or recorded only; a closure that passes the gate is recorded as closure_allowed;
 * - a deliverable deleted, or moved out of its project, is removed from that scope
 *   (deliverable_removed after the baseline), and one moved in is added to its new one;
 * - key, title and assignee are kept current (the self sign-off rule needs the assignee).
 */
export async function handleIssueEvent(event: unknown, deps: ForgeDeps): Promise<void> {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) {
    deps.log('ignored an issue event Scopekeeper cannot read', parsed.error);
    return;
  }
  const e = parsed.data;
  if (e.eventType === 'avi:jira:deleted:issue') await handleDeleted(e, deps);
  else await handleUpdated(e, deps);
}

async function handleDeleted(e: IssueEvent, deps: ForgeDeps): Promise<void> {
  const entry = await deps.store.readDeliverableEntry('jira', e.issue.id);
  if (!entry || !entry.stored.state.inScope) return;
  await removeFromScope(deps, entry, await actorOf(e), 'deleted');
}

async function handleUpdated(e: IssueEvent, deps: ForgeDeps): Promise<void> {
  const fields = e.issue.fields;
  let project = fields.project ?? null;
  let status: JiraStatus | null = fields.status ? toStatus(fields.status) : null;
  let issueType = fields.issuetype?.name ?? null;
  // Older payloads may leave fields out: the issue as it is now fills them in.
  if (!project || (status && status.categoryKey === null) || issueType === null) {
    const issue = await fetchIssue('app', e.issue.id);
    if (!issue) return;
    project = { id: issue.project.id, key: issue.project.key };
    status = issue.status;
    issueType = issue.issueType;
  }
  const actor = lazyActor(e);
  let entry = await deps.store.readDeliverableEntry('jira', e.issue.id);
  const summary = await deps.store.readScopeSummary(project.id);
  const settings = readProjectSettings(summary.ext);
  const policy = buildClosurePolicy(settings);
  const tracked = isDeliverableType(settings, issueType);

  // Moved out of a project (ids stay, keys change): removed there, added here.
  if (entry && entry.stored.state.inScope && entry.stored.state.scopeId !== project.id) {
    entry = await removeFromScope(deps, entry, await actor(), 'moved');
    if (entry && tracked) entry = await addToScope(deps, entry, e, project.id, await actor());
  } else if (entry && entry.stored.state.inScope) {
    entry = await refreshFacts(deps, entry, e, fields.assignee === undefined ? undefined : (fields.assignee?.accountId ?? null));
  }

  const statusItem = e.changelog?.items.find((i) => i.fieldId === 'status' || i.field === 'status');
  if (statusItem && status && tracked && isDoneState(policy, status) && !wasDone(e, statusItem.from ?? null, policy)) {
    const claimed = await deps.store.claimEvent(`${e.issue.id}:${e.changelog?.id ?? `${statusItem.from}-${statusItem.to}`}`);
    if (claimed) await checkClosure(deps, e, project.id, entry, status, statusItem.from ?? null, policy, settings.bypassPolicy, await actor());
  }

  // The JQL summary follows every change; a tracked issue without criteria gets one too, so
  // "signedOff = false" finds it.
  if (tracked && (!entry || entry.stored.state.scopeId === project.id)) {
    const state = entry?.stored.state ?? emptyState(e, project.id, deps.now());
    const head = (await deps.store.readScopeSummary(project.id)).head;
    await updateIssueProperty(deps, { state, policy, scopeVersion: head?.scopeVersion ?? null });
  }
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

async function checkClosure(
  deps: ForgeDeps,
  e: IssueEvent,
  scopeId: string,
  entry: DeliverableEntry | null,
  status: JiraStatus,
  fromStatusId: string | null,
  policy: ClosurePolicy,
  bypassPolicy: 'reopen' | 'record',
  actor: Actor | null,
): Promise<void> {
  const stored = entry?.stored.state;
  const state: DeliverableState = {
    platform: 'jira',
    id: e.issue.id,
    key: e.issue.key,
    scopeId,
    title: e.issue.fields.summary ?? stored?.title ?? '',
    assigneeId: e.issue.fields.assignee === undefined ? (stored?.assigneeId ?? null) : (e.issue.fields.assignee?.accountId ?? null),
    criteria: stored?.criteria ?? [],
    signOff: stored?.signOff ?? null,
    inScope: true,
    updatedAt: stored?.updatedAt ?? deps.now(),
  };
  const verdict = evaluateClosure({ state, policy });
  const base = { id: deps.newId(), scopeId, at: deps.now(), actor, deliverableId: e.issue.id };
  let draft: HistoryDraft;
  if (verdict.allowed) {
    draft = { ...base, kind: 'closure_allowed', data: { toState: status.name } };
  } else {
    const action = bypassPolicy === 'reopen' ? await reopen(deps, e.issue.id, e.issue.key, status, fromStatusId, verdict.reasons) : 'recorded';
    draft = { ...base, kind: 'closure_bypassed', data: { toState: status.name, reasons: verdict.reasons, action } };
  }
  const result = await deps.store.commit({ scopeId, history: [draft] });
  if (!result.ok) deps.log(`could not record the closure of ${e.issue.key}: ${result.code}`);
}

/** Moves the issue back to the status it came from, with a comment saying why. */
async function reopen(
  deps: ForgeDeps,
  issueId: string,
  key: string,
  status: JiraStatus,
  fromStatusId: string | null,
  reasons: readonly ClosureReason[],
): Promise<'reopened' | 'recorded'> {
  try {
    const listed = await readJiraReply(pickRequester('app').requestJira(route`/rest/api/3/issue/${issueId}/transitions`));
    const transitions = ((listed.body as { transitions?: { id: string; to?: { id?: string; name?: string } }[] } | null)?.transitions ?? []);
    const back = fromStatusId ? transitions.find((t) => t.to?.id === fromStatusId) : undefined;
    const moved = back
      ? (
          await readJiraReply(
            pickRequester('app').requestJira(route`/rest/api/3/issue/${issueId}/transitions`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ transition: { id: back.id } }) }),
          )
        ).ok
      : false;
    const lead = moved
      ? `Scopekeeper moved ${key} back to ${back?.to?.name ?? 'its previous status'}: it reached ${status.name} without a valid sign-off of its acceptance criteria.`
      : `${key} reached ${status.name} without a valid sign-off of its acceptance criteria. Scopekeeper could not move it back, so this is recorded as a bypass.`;
    await readJiraReply(
      pickRequester('app').requestJira(route`/rest/api/3/issue/${issueId}/comment`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ body: commentDocument(lead, reasons) }) }),
    );
    return moved ? 'reopened' : 'recorded';
  } catch (error) {
    deps.log(`could not reopen ${key}`, error);
    return 'recorded';
  }
}

function commentDocument(lead: string, reasons: readonly ClosureReason[]) {
  return {
    type: 'doc',
    version: 1,
    content: [
      { type: 'paragraph', content: [{ type: 'text', text: lead }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'What is missing before it can close:' }] },
      {
        type: 'bulletList',
        content: reasons.map((r) => ({ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: r.message }] }] })),
      },
    ],
  };
}

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
  if (!result.ok) return entry;
  return { stored: { state: next, version: result.versions[`jira:${previous.id}`] ?? entry.stored.version + 1 }, baselineCache: entry.baselineCache };
}

async function activeBaseline(deps: ForgeDeps, scopeId: string): Promise<Baseline | null> {
  const { activeBaseline: meta } = await deps.store.readScopeSummary(scopeId);
  return meta ? deps.store.readBaseline(scopeId, meta) : null;
}

/** A done-to-done change (Done -> Closed) is not a closure. Only knowable when the event names the old status. */
function wasDone(e: IssueEvent, fromStatusId: string | null, policy: ClosurePolicy): boolean {
  const from = e.associatedStatuses?.find((s) => s.id === fromStatusId);
  return from ? isDoneState(policy, toStatus(from)) : false;
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
