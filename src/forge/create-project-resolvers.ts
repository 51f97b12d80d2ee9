import { route } from '@forge/api';
import type { Request } from '@forge/resolver';
import { checkSignOffAuthority, hasApproverLists } from '../core/check-sign-off-authority';
import { computeSignals } from '../core/compute-signals';
import { createBaseline } from '../core/create-baseline';
import { parseWith } from '../core/parse-with';
import { historyKindSchema, type Baseline, type DeliverableState, type HistoryKind, type HistoryRecord } from '../core/schemas';
import type { HistoryQuery } from '../core/store';
import { verifyHistory } from '../core/verify-history';
import { pickRequester, JiraUnavailableError, readJiraReply } from './read-jira-reply';
import { checkPermission } from './check-permission';
import type { ForgeDeps } from './create-forge-deps';
import { fetchCurrentUser } from './fetch-current-user';
import { findApproverRoles } from './find-approver-roles';
import { readInvocation } from './read-invocation';
import { readProjectSettings, buildClosurePolicy } from './read-project-settings';
import { refusals, refuse } from './refuse';
import { renderHistoryCsv } from './render-history-csv';
import {
  createBaselineSchema,
  exportHistorySchema,
  historyPageSchema,
  type HistoryFilters,
  type HistoryRow,
  type ProjectOverview,
  type Refusal,
  type ResolverResults,
} from './resolver-contract';
import { buildHistoryRow } from './build-history-row';
import { updateIssueProperty } from './update-issue-property';

type ProjectResolverName = 'getProjectOverview' | 'getHistoryPage' | 'exportHistoryCsv' | 'createBaseline';
export type ProjectResolvers = { [N in ProjectResolverName]: (request: Request) => Promise<ResolverResults[N]> };

export const HISTORY_PAGE_SIZE = 25;
/** The export stops here; a delivery manager narrows the filters for more. */
export const MAX_EXPORT_ROWS = 10_000;
const FAN_OUT = 5;

/** The "Scope history" project page: overview and signals, the filtered timeline, CSV export, baselines. */
export function createProjectResolvers(deps: ForgeDeps): ProjectResolvers {
  return {
    async getProjectOverview(request) {
      const inv = readInvocation(request);
      if (!inv.project) return refusals.noProject();
      if (!(await mayBrowse(inv.project.id))) return noAccess();
      return { ok: true, overview: await buildOverview(deps, inv.project, inv.accountId) };
    },

    async getHistoryPage(request) {
      const parsed = parseWith(historyPageSchema, request.payload ?? {});
      if (!parsed.ok) return refusals.invalidPayload('These filters could not be applied.', parsed.errors);
      const inv = readInvocation(request);
      if (!inv.project) return refusals.noProject();
      if (!(await mayBrowse(inv.project.id))) return noAccess();
      const query = toQuery(inv.project.id, parsed.value.filters);
      if ('ok' in query) return query;
      let page;
      try {
        page = await deps.store.queryHistory({ ...query, cursor: parsed.value.cursor, limit: HISTORY_PAGE_SIZE });
      } catch (error) {
        if (error instanceof RangeError) return refusals.invalidPayload('This page of the history could not be found.', [`cursor: ${error.message}`]);
        throw error;
      }
      return { ok: true, rows: await toRows(deps, inv.project.id, page.records), nextCursor: page.nextCursor };
    },

    async exportHistoryCsv(request) {
      const parsed = parseWith(exportHistorySchema, request.payload ?? {});
      if (!parsed.ok) return refusals.invalidPayload('The history could not be exported.', parsed.errors);
      const inv = readInvocation(request);
      if (!inv.project) return refusals.noProject();
      if (!(await mayBrowse(inv.project.id))) return noAccess();
      const query = toQuery(inv.project.id, parsed.value.filters);
      if ('ok' in query) return query;
      const records: HistoryRecord[] = [];
      let cursor: string | null = null;
      do {
        const page = await deps.store.queryHistory({ ...query, cursor, limit: 100 });
        records.push(...page.records);
        cursor = page.nextCursor;
      } while (cursor !== null && records.length < MAX_EXPORT_ROWS);
      const rows = await toRows(deps, inv.project.id, records.slice(0, MAX_EXPORT_ROWS));
      return { ok: true, csv: renderHistoryCsv(rows), rowCount: rows.length };
    },

    async createBaseline(request) {
      const parsed = parseWith(createBaselineSchema, request.payload ?? {});
      if (!parsed.ok) return refusals.invalidPayload('The baseline could not be created.', parsed.errors);
      const inv = readInvocation(request);
      if (!inv.accountId) return refusals.notSignedIn();
      if (!inv.project) return refusals.noProject();
      const scopeId = inv.project.id;
      const summary = await deps.store.readScopeSummary(scopeId);
      const settings = readProjectSettings(summary.ext);
      if (!(await mayCreateBaseline(scopeId, inv.accountId, settings))) {
        return refuse('NOT_AN_APPROVER', 'Only approvers of this project can create a baseline (a project admin when no approvers are set). Nothing was changed.');
      }
      const [actor, current, stored] = await Promise.all([
        fetchCurrentUser(inv.accountId),
        summary.activeBaseline ? deps.store.readBaseline(scopeId, summary.activeBaseline) : Promise.resolve(null),
        deps.store.listDeliverables(scopeId),
      ]);
      const now = deps.now();
      const inScope = stored.map((s) => s.state).filter((s) => s.inScope && s.scopeId === scopeId);
      const created = createBaseline({
        id: deps.newId(),
        scopeId,
        name: parsed.value.name,
        now,
        approvedBy: actor,
        deliverables: inScope.map((s) => ({ id: s.id, key: s.key, title: s.title, criteria: s.criteria })),
        current,
      });
      if (!created.ok) return refuse(created.code, `${created.message} Nothing was changed.`);
      const result = await deps.store.commit({ scopeId, baseline: created.value.baseline, history: [created.value.draft] });
      if (!result.ok) {
        if (result.code === 'BASELINE_EXISTS') {
          return refuse('BASELINE_EXISTS', 'Someone created a baseline for this project at the same moment, so nothing was changed. Reload to see it.');
        }
        return result.code === 'HISTORY_CONFLICT' ? refusals.historyConflict() : refuse(result.code, `${result.message}. Nothing was changed.`);
      }
      // Best effort: each deliverable's cached baseline criteria and its search property (its scope version changed).
      await refreshDeliverables(deps, created.value.baseline, inScope, buildClosurePolicy(settings), result.records[0]?.scopeVersion ?? null);
      return { ok: true, overview: await buildOverview(deps, inv.project, inv.accountId) };
    },
  };
}

async function buildOverview(deps: ForgeDeps, project: { id: string; key: string }, accountId: string | null): Promise<ProjectOverview> {
  const scopeId = project.id;
  const [summary, stored, name] = await Promise.all([deps.store.readScopeSummary(scopeId), deps.store.listDeliverables(scopeId), fetchProjectName(project)]);
  const history: HistoryRecord[] = [];
  for await (const record of deps.store.readHistory(scopeId)) history.push(record);
  const settings = readProjectSettings(summary.ext);
  const policy = buildClosurePolicy(settings);
  const baseline = summary.activeBaseline ? await deps.store.readBaseline(scopeId, summary.activeBaseline) : null;
  const deliverables = stored.map((s) => s.state).filter((s) => s.scopeId === scopeId);
  const signals = computeSignals({ baseline, deliverables, history, policy });
  const verdict = verifyHistory(history);
  return {
    project: { id: project.id, key: project.key, name },
    baselines: summary.baselines.map((b) => ({
      id: b.id,
      name: b.name,
      version: `${b.major}.0`,
      createdAt: b.createdAt,
      approvedByName: b.approvedBy.name ?? b.approvedBy.id,
      deliverableCount: b.deliverableCount,
    })),
    scopeVersion: summary.head?.scopeVersion ?? null,
    signals: {
      driftShare: signals.drift.share,
      undocumentedChanges: signals.undocumentedChanges.count,
      withoutCriteria: signals.withoutCriteria.keys,
      staleSignOffs: signals.staleSignOffs.keys,
      bypasses: signals.bypasses.count,
      signOffCoverage: { covered: signals.signOffCoverage.covered, total: signals.signOffCoverage.total, share: signals.signOffCoverage.share },
    },
    verification: verdict.ok ? { ok: true, count: verdict.count } : { ok: false, index: verdict.index, recordId: verdict.recordId, message: verdict.message },
    permissions: { canCreateBaseline: accountId ? await mayCreateBaseline(scopeId, accountId, settings) : false },
    deliverables: deliverables.filter((d) => d.inScope).map((d) => ({ id: d.id, key: d.key })),
  };
}

/** The history belongs to the project: only people who may browse it see it (asked as the user). */
async function mayBrowse(projectId: string): Promise<boolean> {
  return checkPermission('BROWSE_PROJECTS', { projectId });
}

function noAccess(): Refusal {
  return refuse('NO_ACCESS', 'You need permission to browse this project to see its scope history.');
}

/** Approvers per the settings; with no approvers set, project admins. */
async function mayCreateBaseline(projectId: string, accountId: string, settings: ReturnType<typeof readProjectSettings>): Promise<boolean> {
  const policy = buildClosurePolicy(settings);
  if (!hasApproverLists(policy)) return checkPermission('ADMINISTER_PROJECTS', { projectId });
  const roles = await findApproverRoles(projectId, accountId, policy.approverRoles);
  return checkSignOffAuthority({ signer: { id: accountId, name: null, email: null }, roles, policy, assigneeId: null }).ok;
}

async function fetchProjectName(project: { id: string; key: string }): Promise<string> {
  const reply = await readJiraReply(pickRequester('user').requestJira(route`/rest/api/3/project/${project.id}`));
  if (reply.status === 404) return project.key;
  if (!reply.ok) throw new JiraUnavailableError(`reading project ${project.key}`, reply.status);
  const name = (reply.body as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : project.key;
}

function toQuery(scopeId: string, filters: HistoryFilters): Omit<HistoryQuery, 'cursor' | 'limit'> | Refusal {
  const kinds: HistoryKind[] = [];
  for (const kind of filters.kinds ?? []) {
    const parsed = historyKindSchema.safeParse(kind);
    if (!parsed.success) return refusals.invalidPayload('These filters could not be applied.', [`filters.kinds: unknown kind "${kind}"`]);
    kinds.push(parsed.data);
  }
  if (filters.from && filters.to && Date.parse(filters.from) > Date.parse(filters.to)) {
    return refusals.invalidPayload('These filters could not be applied.', ['filters.from: the start of the date range is after its end']);
  }
  return {
    scopeId,
    ...(filters.deliverableId ? { deliverableId: filters.deliverableId } : {}),
    ...(kinds.length > 0 ? { kinds } : {}),
    ...(filters.authorId ? { authorId: filters.authorId } : {}),
    ...(filters.from ? { from: filters.from } : {}),
    ...(filters.to ? { to: filters.to } : {}),
    ...(filters.undocumentedOnly ? { undocumentedOnly: true } : {}),
  };
}

async function toRows(deps: ForgeDeps, scopeId: string, records: readonly HistoryRecord[]): Promise<HistoryRow[]> {
  const ids = [...new Set(records.flatMap((r) => (r.deliverableId && r.kind !== 'scope_changed' ? [r.deliverableId] : [])))];
  const keys = new Map<string, string>();
  for (let i = 0; i < ids.length; i += FAN_OUT * 4) {
    const found = await Promise.all(ids.slice(i, i + FAN_OUT * 4).map((id) => deps.store.getDeliverable('jira', id)));
    for (const d of found) if (d) keys.set(d.state.id, d.state.key);
  }
  const undocumented = await deps.store.findUndocumented(scopeId, records);
  return records.map((r) => buildHistoryRow(r, keys, undocumented));
}

async function refreshDeliverables(
  deps: ForgeDeps,
  baseline: Baseline,
  deliverables: readonly DeliverableState[],
  policy: ReturnType<typeof buildClosurePolicy>,
  scopeVersion: string | null,
): Promise<void> {
  for (let i = 0; i < deliverables.length; i += FAN_OUT) {
    await Promise.all(
      deliverables.slice(i, i + FAN_OUT).map(async (state) => {
        try {
          const criteria = baseline.deliverables.find((d) => d.id === state.id)?.criteria ?? null;
          await deps.store.writeBaselineCache('jira', state.id, { baselineId: baseline.id, criteria });
        } catch (error) {
          deps.log(`could not cache the baseline criteria of ${state.key}`, error);
        }
        await updateIssueProperty(deps, { state, policy, scopeVersion });
      }),
    );
  }
}
