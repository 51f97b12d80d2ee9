import { route } from '@forge/api';
import { z } from 'zod';
import { isSignOffStale } from '../../core/is-sign-off-stale';
import { buildDeliverableState } from '../../core/build-deliverable-state';
import { hasValidSignOff } from '../../core/has-valid-sign-off';
import type { PolicyReading } from '../../core/read-closure-policy';
import type { ClosurePolicy, DeliverableState } from '../../core/schemas';
import { pickRequester, JiraUnavailableError, JSON_HEADERS, readJiraReply } from './read-jira-reply';
import type { ForgeDeps } from '../entry/create-forge-deps';
import { readJiraFacts } from './read-jira-facts';
import { isTrackedType, parseProjectSettings, readJiraPolicy, type SettingsReading } from '../storage/read-project-settings';

export const ISSUE_PROPERTY_KEY = 'scopekeeper';

/**
 * The issue property `scopekeeper`, indexed for JQL by the jira:entityProperty module. Entity
 * property indexes have no boolean type, so flags are the strings "true" and "false":
 * `issue.property[scopekeeper].signedOff = false` matches them, and so does the search alias the
 * manifest gives each value (`scopekeeperSignedOff = false`).
 */
export interface IssueSearchSummary {
  criteriaCount: number;
  allMet: 'true' | 'false';
  signedOff: 'true' | 'false';
  signOffStale: 'true' | 'false';
  scopeVersion: string;
  undocumentedChanges: number;
}

const flag = (value: boolean): 'true' | 'false' => (value ? 'true' : 'false');

export function summariseForSearch(state: DeliverableState, policy: ClosurePolicy | PolicyReading, scopeVersion: string | null, undocumentedChanges: number): IssueSearchSummary {
  return {
    criteriaCount: state.criteria.length,
    allMet: flag(state.criteria.length > 0 && state.criteria.every((c) => c.met)),
    signedOff: flag(hasValidSignOff(state, policy)),
    signOffStale: flag(state.signOff !== null && isSignOffStale(state.signOff, state.criteria)),
    scopeVersion: scopeVersion ?? '',
    undocumentedChanges,
  };
}

/**
 * Writes the search summary after a change (PUT /rest/api/3/issue/{id}/properties/scopekeeper,
 * as the app). It is for search only, never for the gate: anyone who can edit the issue can
 * rewrite it. Best effort: a failure is logged and the user's change stands. Returns what was written.
 */
export async function updateIssueProperty(
  deps: ForgeDeps,
  input: { state: DeliverableState; policy: ClosurePolicy | PolicyReading; scopeVersion: string | null },
): Promise<IssueSearchSummary | null> {
  const { state } = input;
  try {
    const open = await deps.store.queryHistory({ scopeId: state.scopeId, deliverableId: state.id, undocumentedOnly: true, limit: 100 });
    const summary = summariseForSearch(state, input.policy, input.scopeVersion, open.records.length);
    const reply = await readJiraReply(
      pickRequester('app').requestJira(route`/rest/api/3/issue/${state.id}/properties/${ISSUE_PROPERTY_KEY}`, { method: 'PUT', headers: JSON_HEADERS, body: JSON.stringify(summary) }),
    );
    if (!reply.ok) {
      deps.log(`could not update the search property of ${state.key} (Jira answered ${reply.status})`);
      return null;
    }
    return summary;
  } catch (error) {
    deps.log(`could not update the search property of ${state.key}`, error);
    return null;
  }
}

// ---- backfill ------------------------------------------------------------------------------------

/**
 * Where the backfill keeps its place between runs: the extension data of a scope no Jira project
 * can have (project ids are numbers).
 */
export const BACKFILL_SCOPE_ID = 'scopekeeper:issue-property-backfill';
/** Issues per run: one search page (enhanced search answers at most this many with fields). */
export const BACKFILL_PAGE_SIZE = 50;
/** Parallel property writes, so a page fits well inside the 25-second invocation limit. */
const BACKFILL_CONCURRENCY = 5;
/** A finished pass starts over after a week, to heal issues whose events were missed. */
const BACKFILL_REPEAT_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * Enhanced search refuses unbounded JQL (an ORDER BY alone); any restriction bounds it.
 * developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search (search/jql).
 */
export const BACKFILL_JQL = 'created <= now() ORDER BY created ASC';

const cursorSchema = z.object({ nextPageToken: z.string().nullable(), startedAt: z.string(), completedAt: z.string().nullable() });
type BackfillCursor = z.infer<typeof cursorSchema>;

const searchPageSchema = z.object({
  issues: z.array(
    z.object({
      id: z.string(),
      key: z.string(),
      fields: z.object({ summary: z.string().nullish(), issuetype: z.object({ name: z.string() }).nullish(), project: z.object({ id: z.string() }).nullish(), assignee: z.object({ accountId: z.string() }).nullish() }).partial().default({}),
      properties: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  nextPageToken: z.string().nullish(),
});

export interface BackfillReport {
  written: number;
  skipped: number;
  failed: number;
  /** True when this run reached the last page (or a finished pass is not due again yet). */
  done: boolean;
}

/**
 * The scheduled backfill: issues that existed before the app (or whose events were missed) have no
 * `scopekeeper` property, so JQL on it misses them. Each run writes it for one search page of
 * tracked issues that lack it and saves its place, so the work per invocation stays bounded.
 */
export async function backfillIssueProperties(deps: ForgeDeps): Promise<BackfillReport> {
  const { ext } = await deps.store.readScopeSummary(BACKFILL_SCOPE_ID);
  const saved = cursorSchema.safeParse(ext.cursor);
  let cursor: BackfillCursor = saved.success ? saved.data : { nextPageToken: null, startedAt: deps.now(), completedAt: null };
  if (cursor.completedAt) {
    if (Date.parse(deps.now()) - Date.parse(cursor.completedAt) < BACKFILL_REPEAT_MS) return { written: 0, skipped: 0, failed: 0, done: true };
    cursor = { nextPageToken: null, startedAt: deps.now(), completedAt: null };
  }
  const reply = await readJiraReply(
    pickRequester('app').requestJira(route`/rest/api/3/search/jql`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({
        jql: BACKFILL_JQL,
        maxResults: BACKFILL_PAGE_SIZE,
        fields: ['summary', 'issuetype', 'project', 'assignee'],
        properties: [ISSUE_PROPERTY_KEY],
        ...(cursor.nextPageToken ? { nextPageToken: cursor.nextPageToken } : {}),
      }),
    }),
  );
  if (reply.status === 400 && cursor.nextPageToken) {
    // Page tokens expire (after 7 days): start the pass again rather than stall on it.
    deps.log('the backfill page token was refused; starting the pass again', reply.body);
    await saveCursor(deps, { nextPageToken: null, startedAt: deps.now(), completedAt: null });
    return { written: 0, skipped: 0, failed: 0, done: false };
  }
  if (!reply.ok) throw new JiraUnavailableError('searching issues for the property backfill', reply.status);
  const page = searchPageSchema.safeParse(reply.body);
  if (!page.success) throw new Error(`Jira answered a search page Scopekeeper cannot read: ${page.error.message}`);

  const policies = new Map<string, Promise<{ policy: PolicyReading; reading: SettingsReading; scopeVersion: string | null }>>();
  const projectOf = (projectId: string) => {
    let pending = policies.get(projectId);
    if (!pending) {
      pending = deps.store.readScopeSummary(projectId).then((summary) => {
        // Unreadable settings: every type is tracked and nothing counts as signed off (fail closed).
        const reading = parseProjectSettings(summary.ext);
        return { reading, policy: readJiraPolicy(reading), scopeVersion: summary.head?.scopeVersion ?? null };
      });
      policies.set(projectId, pending);
    }
    return pending;
  };

  const report: BackfillReport = { written: 0, skipped: 0, failed: 0, done: !page.data.nextPageToken };
  const todo = page.data.issues.filter((issue) => {
    const missing = issue.properties?.[ISSUE_PROPERTY_KEY] === undefined && issue.fields.project;
    if (!missing) report.skipped += 1;
    return missing;
  });
  for (let i = 0; i < todo.length; i += BACKFILL_CONCURRENCY) {
    await Promise.all(
      todo.slice(i, i + BACKFILL_CONCURRENCY).map(async (issue) => {
        const projectId = issue.fields.project!.id;
        const project = await projectOf(projectId);
        if (!isTrackedType(project.reading, issue.fields.issuetype?.name ?? null)) {
          report.skipped += 1;
          return;
        }
        const stored = await deps.store.getDeliverable('jira', issue.id);
        const state =
          stored?.state ??
          buildDeliverableState(null, readJiraFacts({ id: issue.id, key: issue.key, projectId, summary: issue.fields.summary, assigneeId: issue.fields.assignee?.accountId ?? null }), deps.now());
        const written = await updateIssueProperty(deps, { state, policy: project.policy, scopeVersion: project.scopeVersion });
        if (written) report.written += 1;
        else report.failed += 1;
      }),
    );
  }
  await saveCursor(deps, report.done ? { ...cursor, nextPageToken: null, completedAt: deps.now() } : { ...cursor, nextPageToken: page.data.nextPageToken ?? null });
  if (report.failed > 0) deps.log(`the property backfill could not write ${report.failed} of ${todo.length} issues; the next pass tries them again`);
  return report;
}

async function saveCursor(deps: ForgeDeps, cursor: BackfillCursor): Promise<void> {
  await deps.store.updateScopeExtension(BACKFILL_SCOPE_ID, (ext) => ({ ...ext, cursor }));
}
