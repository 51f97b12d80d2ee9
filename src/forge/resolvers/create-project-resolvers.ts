import { route } from '@forge/api';
import type { Request } from '@forge/resolver';
import { z } from 'zod';
import { attachReason } from '../../core/attach-reason';
import { checkBaselineAuthority } from '../../core/check-baseline-authority';
import { hasApproverLists } from '../../core/check-sign-off-authority';
import { createBaseline } from '../../core/create-baseline';
import { decodeHistoryCursor, encodeHistoryCursor } from '../../core/encode-history-cursor';
import { parseWith } from '../../core/parse-with';
import {
  historyKindSchema,
  type Baseline,
  type ClosurePolicy,
  type Criterion,
  type DeliverableState,
  type HistoryKind,
  type HistoryRecord,
  type HistoryRecordOf,
} from '../../core/schemas';
import { snapshotScope } from '../../core/snapshot-scope';
import { HISTORY_PAGE_MAX, type HistoryQuery } from '../../core/store';
import { buildHistoryRow } from '../../reports/build-history-row';
import { buildEvidencePart } from './build-evidence-part';
import { checkPermission } from './check-permission';
import type { ForgeDeps } from '../entry/create-forge-deps';
import { fetchCurrentUser } from '../jira/fetch-current-user';
import { fetchIssue } from '../jira/fetch-issue';
import { findApproverRoles } from '../jira/find-approver-roles';
import { ENTITY_PAGE_SIZE, type BaselineMeta, type ScopeSummary } from '../storage/kvs-store';
import { pickRequester, JiraUnavailableError, readJiraReply } from '../jira/read-jira-reply';
import { readInvocation } from './read-invocation';
import { buildClosurePolicy, parseProjectSettings, readJiraPolicy, readProjectSettings, type SettingsReading } from '../storage/read-project-settings';
import { refusals, refuse } from './refuse';
import { renderCsvLine, renderHistoryCsv, renderHistoryJson, toExportFields } from '../../reports/render-history-csv';
import {
  attachReasonsSchema,
  createBaselineSchema,
  exportEvidenceSchema,
  exportHistorySchema,
  historyPageSchema,
  verifyWholeHistorySchema,
  type HistoryCheck,
  type HistoryFilters,
  type HistoryRow,
  type ProjectOverview,
  type Refusal,
  type ResolverResults,
  type SignalsView,
} from './resolver-contract';
import {
  deliverableTallySchema,
  emptyHistoryTally,
  foldDeliverables,
  foldHistory,
  historyTallySchema,
  policyKeyOf,
  startDeliverableCount,
  summariseDeliverables,
  verifyContinuation,
  type BrokenLink,
  type CountedDeliverable,
  type DeliverableCount,
  type DeliverableTally,
  type HistoryTally,
} from '../../reports/tally-signals';
import { updateIssueProperty } from '../jira/update-issue-property';

type ProjectResolverName =
  | 'getProjectOverview'
  | 'getHistoryPage'
  | 'exportHistoryCsv'
  | 'exportHistoryJson'
  | 'createBaseline'
  | 'refreshSignals'
  | 'verifyWholeHistory'
  | 'attachReasons'
  | 'exportEvidenceBundle';
export type ProjectResolvers = { [N in ProjectResolverName]: (request: Request) => Promise<ResolverResults[N]> };

// Every call here does a bounded amount of work, whatever the project's size: a resolver runs at
// most 25 s ("Runtime seconds … 25", developer.atlassian.com/platform/forge/limits-invocation) and
// an installation reads at most 4,000 × 10 KB of storage a minute (limits-kvs-ce). So the page never
// reads the whole history or every deliverable in one call: the signals are kept as running
// tallies (tally-signals.ts) that each call carries forward by a slice, and exports come in parts.
// Figures: BENCHMARKS.md, "Forge project page and export".

export const HISTORY_PAGE_SIZE = 25;
/** The timeline page stops short of this many bytes of rows. */
const PAGE_BYTES = 1_000_000;
/** Deliverable figures older than this are counted again (they change without history records). */
export const DELIVERABLE_COUNT_MAX_AGE_MS = 5 * 60_000;

/** How much one call may do. */
export interface ProjectPageLimits {
  /** History records folded into the signals, or checked by a full check, per call. */
  historySlice: number;
  /** Deliverable pages (ENTITY_PAGE_SIZE each) counted per call. */
  deliverablePages: number;
  /** Rows in one export part, and the most text it may hold (a resolver's answer must stay small). */
  exportRows: number;
  exportBytes: number;
}

export const PROJECT_PAGE_LIMITS: ProjectPageLimits = { historySlice: 2_000, deliverablePages: 10, exportRows: 1_000, exportBytes: 1_000_000 };
/** History queries one call may make while collecting rows or looking for changes. */
const MAX_QUERIES_PER_CALL = 30;
/**
 * Queries that came back short because the store stopped scanning (a sparse filter, e.g. a date
 * range far back) after which a call hands back its cursor: each such query read 2,000 entries.
 */
const MAX_SHORT_QUERIES_PER_CALL = 2;
/** Deliverables whose baseline cache and search property a new baseline refreshes in the same call. */
export const REFRESH_AFTER_BASELINE = 100;
const FAN_OUT = 5;
const DOCUMENTS = { history: 'signals-history', deliverables: 'signals-deliverables', check: 'history-check' } as const;

const historyCheckSchema = z.object({
  running: z
    .object({
      startedAt: z.string(),
      next: z.object({ seq: z.number().int().min(-1), hash: z.string().nullable() }),
      target: z.number().int().min(-1),
    })
    .nullable(),
  last: z
    .object({
      checkedAt: z.string(),
      through: z.number().int().min(-1),
      broken: z.object({ index: z.number().int().nonnegative(), recordId: z.string(), message: z.string() }).nullable(),
    })
    .nullable(),
});
type HistoryCheckDoc = z.infer<typeof historyCheckSchema>;

/**
 * The "Scope history" project page: overview and signals, the filtered timeline, exports in
 * parts, baselines, reasons for undocumented scope changes, and a full check of the hash chain.
 */
export function createProjectResolvers(deps: ForgeDeps, limits: ProjectPageLimits = PROJECT_PAGE_LIMITS): ProjectResolvers {
  return {
    async getProjectOverview(request) {
      const inv = readInvocation(request);
      if (!inv.project) return refusals.noProject();
      if (!(await mayBrowse(inv.project.id))) return noAccess();
      return { ok: true, overview: await loadOverview(deps, limits, inv.project, inv.accountId) };
    },

    async refreshSignals(request) {
      const inv = readInvocation(request);
      if (!inv.project) return refusals.noProject();
      if (!(await mayBrowse(inv.project.id))) return noAccess();
      const summary = await deps.store.readScopeSummary(inv.project.id);
      return { ok: true, ...(await advanceSignals(deps, limits, inv.project.id, summary)) };
    },

    async getHistoryPage(request) {
      const parsed = parseWith(historyPageSchema, request.payload ?? {});
      if (!parsed.ok) return refusals.invalidPayload('These filters could not be applied.', parsed.errors);
      const inv = readInvocation(request);
      if (!inv.project) return refusals.noProject();
      if (!(await mayBrowse(inv.project.id))) return noAccess();
      const query = toQuery(inv.project.id, parsed.value.filters);
      if ('ok' in query) return query;
      const collected = await collectRows(deps, inv.project.id, query, parsed.value.cursor, {
        rows: HISTORY_PAGE_SIZE,
        bytes: PAGE_BYTES,
        sizeOf: (row) => Buffer.byteLength(JSON.stringify(row), 'utf8'),
      });
      if ('ok' in collected) return collected;
      return { ok: true, rows: collected.rows, nextCursor: collected.nextCursor };
    },

    async exportHistoryCsv(request) {
      const part = await readExportPart(deps, limits, request, (row) => Buffer.byteLength(renderCsvLine(row), 'utf8') + 2);
      if ('ok' in part) return part;
      return { ok: true, csv: renderHistoryCsv(part.rows, { header: part.first }), rowCount: part.rows.length, nextCursor: part.nextCursor };
    },

    async exportHistoryJson(request) {
      const part = await readExportPart(deps, limits, request, (row) => Buffer.byteLength(JSON.stringify(toExportFields(row)), 'utf8') + 2);
      if ('ok' in part) return part;
      return { ok: true, json: renderHistoryJson(part.rows), rowCount: part.rows.length, nextCursor: part.nextCursor };
    },

    async exportEvidenceBundle(request) {
      const parsed = parseWith(exportEvidenceSchema, request.payload ?? {});
      if (!parsed.ok) return refusals.invalidPayload('The evidence bundle could not be made.', parsed.errors);
      const inv = readInvocation(request);
      if (!inv.project) return refusals.noProject();
      const project = inv.project;
      if (!(await mayBrowse(project.id))) return noAccess();
      return buildEvidencePart(deps, limits, {
        scopeId: project.id,
        baselineId: parsed.value.baselineId,
        cursor: parsed.value.cursor,
        readScope: async () => ({ id: project.id, key: project.key, name: await fetchProjectName(project) }),
        readKeys: () => readKnownKeys(deps, project.id),
      });
    },

    async createBaseline(request) {
      const parsed = parseWith(createBaselineSchema, request.payload ?? {});
      if (!parsed.ok) return refusals.invalidPayload('The baseline could not be created.', parsed.errors);
      const inv = readInvocation(request);
      if (!inv.accountId) return refusals.notSignedIn();
      if (!inv.project) return refusals.noProject();
      const scopeId = inv.project.id;
      const summary = await deps.store.readScopeSummary(scopeId);
      const reading = parseProjectSettings(summary.ext);
      const settings = readProjectSettings(summary.ext);
      if (!(await mayCreateBaseline(scopeId, inv.accountId, reading))) {
        return refuse('NOT_AN_APPROVER', 'Only approvers of this project can create a baseline (a project admin when no approvers are set). Nothing was changed.');
      }
      // A baseline is a snapshot of every deliverable, so this one action reads them all.
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
        deliverables: snapshotScope(inScope, scopeId),
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
      return { ok: true, overview: await loadOverview(deps, limits, inv.project, inv.accountId) };
    },

    async verifyWholeHistory(request) {
      const parsed = parseWith(verifyWholeHistorySchema, request.payload ?? {});
      if (!parsed.ok) return refusals.invalidPayload('The history could not be checked.', parsed.errors);
      const inv = readInvocation(request);
      if (!inv.project) return refusals.noProject();
      if (!(await mayBrowse(inv.project.id))) return noAccess();
      return { ok: true, ...(await advanceCheck(deps, limits, inv.project.id, parsed.value.restart)) };
    },

    async attachReasons(request) {
      const parsed = parseWith(attachReasonsSchema, request.payload ?? {});
      if (!parsed.ok) return refusals.invalidPayload('The reason could not be attached.', parsed.errors);
      const inv = readInvocation(request);
      if (!inv.accountId) return refusals.notSignedIn();
      if (!inv.project) return refusals.noProject();
      const scopeId = inv.project.id;
      if (!(await mayBrowse(scopeId))) return noAccess();
      const asked = parsed.value.changes;
      const open = await findOpenChanges(deps, scopeId, asked);
      if (open.length === 0) {
        return refuse('NOTHING_TO_DOCUMENT', 'These changes already have a reason, or are not scope changes of this project, so nothing was changed. Reload to see the history as it is now.');
      }
      const denied = await findChangesNotDocumentable(scopeId, open);
      if (denied.length > 0) {
        return refuse(
          'NO_EDIT_PERMISSION',
          `You need permission to edit ${listKeys(denied)} to give the reason for ${denied.length === 1 ? 'its' : 'their'} scope changes. Nothing was changed.`,
        );
      }
      const actor = await fetchCurrentUser(inv.accountId);
      const deliverableIds = [...new Set(open.flatMap((r) => (r.deliverableId ? [r.deliverableId] : [])))];
      const drafted = attachReason({
        changes: open,
        reason: parsed.value.reason,
        actor,
        now: deps.now(),
        newId: deps.newId,
        scopeId,
        deliverableId: deliverableIds.length === 1 ? (deliverableIds[0] ?? null) : null,
      });
      if (!drafted.ok) return refuse(drafted.code, `${drafted.message} Nothing was changed.`);
      const result = await deps.store.commit({ scopeId, history: [drafted.draft] });
      if (!result.ok) return result.code === 'HISTORY_CONFLICT' ? refusals.historyConflict() : refuse(result.code, `${result.message}. Nothing was changed.`);
      await refreshSearchProperties(deps, scopeId, deliverableIds, result.records[0]?.scopeVersion ?? null);
      return { ok: true, documented: open.length, skipped: asked.length - open.length };
    },
  };
}

// ---- overview and signals -----------------------------------------------------------------

async function loadOverview(deps: ForgeDeps, limits: ProjectPageLimits, project: { id: string; key: string }, accountId: string | null): Promise<ProjectOverview> {
  const scopeId = project.id;
  const summary = await deps.store.readScopeSummary(scopeId);
  const [view, name, canCreateBaseline, canDocumentChanges] = await Promise.all([
    advanceSignals(deps, limits, scopeId, summary),
    fetchProjectName(project),
    accountId ? mayCreateBaseline(scopeId, accountId, parseProjectSettings(summary.ext)) : Promise.resolve(false),
    accountId ? checkPermission('EDIT_ISSUES', { projectId: scopeId }) : Promise.resolve(false),
  ]);
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
    signals: view.signals,
    verification: view.verification,
    signalsStatus: view.signalsStatus,
    permissions: { canCreateBaseline, canDocumentChanges },
    deliverables: view.deliverables,
  };
}

/**
 * Carries the scope's tallies forward by one slice and answers the signals as far as counted:
 * the next `limits.historySlice` records (none once caught up), and `limits.deliverablePages` pages of
 * deliverables while a count runs. A count starts when the last is older than
 * DELIVERABLE_COUNT_MAX_AGE_MS or was made under another baseline or policy; until it completes,
 * the last count is shown. Two callers at once may do the same slice twice; each write is a whole
 * tally, so the worst case is repeated work, never a figure counted twice.
 */
async function advanceSignals(deps: ForgeDeps, limits: ProjectPageLimits, scopeId: string, summary: ScopeSummary): Promise<SignalsView> {
  const policy = buildClosurePolicy(readProjectSettings(summary.ext));
  const active = summary.activeBaseline;
  const headSeq = summary.head?.seq ?? -1;
  const { history: storedHistory, deliverables: storedDeliverables, check } = await readDocuments(deps, scopeId);

  let history = storedHistory ?? emptyHistoryTally();
  if (history.through < headSeq) {
    const records = await readHistorySlice(deps, scopeId, history.through + 1, limits.historySlice);
    history = records.length > 0 ? foldHistory(history, records) : markMissing(history);
    await deps.store.writeScopeDocument(scopeId, DOCUMENTS.history, history);
  }

  let tally: DeliverableTally = storedDeliverables ?? { done: null, running: null };
  const now = deps.now();
  const fits = (count: DeliverableCount | null): count is DeliverableCount =>
    count !== null && count.baselineId === (active?.id ?? null) && count.policyKey === policyKeyOf(policy);
  const recent = fits(tally.done) && Date.parse(now) - Date.parse(tally.done.startedAt) < DELIVERABLE_COUNT_MAX_AGE_MS;
  if (tally.running && !fits(tally.running)) tally = { ...tally, running: null };
  if (!recent && !tally.running) tally = { ...tally, running: startDeliverableCount(now, active?.id ?? null, policy) };
  if (tally.running) {
    tally = await countDeliverables(deps, limits, scopeId, active, policy, tally, tally.running);
    await deps.store.writeScopeDocument(scopeId, DOCUMENTS.deliverables, tally);
  }

  const shown = fits(tally.done) ? tally.done : (tally.running ?? tally.done);
  const d = shown ? summariseDeliverables(shown, active?.criterionCount ?? null) : null;
  return {
    signals: {
      driftShare: d?.driftShare ?? null,
      undocumentedChanges: history.open.length,
      withoutCriteria: d?.withoutCriteria ?? [],
      staleSignOffs: d?.staleSignOffs ?? [],
      bypasses: history.bypasses,
      signOffCoverage: d?.signOffCoverage ?? { covered: 0, total: 0, share: null },
    },
    signalsStatus: {
      complete: history.through >= headSeq && tally.running === null && shown === tally.done,
      historyCounted: history.through + 1,
      historyTotal: Math.max(headSeq, history.through) + 1,
      deliverablesCounted: (tally.running ?? tally.done)?.read ?? 0,
      deliverablesAsOf: shown !== null && shown === tally.done ? shown.startedAt : null,
    },
    verification: describeVerification(history, check),
    deliverables: (shown?.deliverables ?? []).map(([id, key]) => ({ id, key })),
  };
}

/** Reads up to `limits.deliverablePages` pages of the running count; a finished count becomes the one shown. */
async function countDeliverables(
  deps: ForgeDeps,
  limits: ProjectPageLimits,
  scopeId: string,
  active: BaselineMeta | null,
  policy: ClosurePolicy,
  tally: DeliverableTally,
  start: DeliverableCount,
): Promise<DeliverableTally> {
  let running = start;
  // Read only for deliverables without a cache of the active baseline (the cache is the usual case).
  let baseline: Baseline | null = null;
  const shell = active ? baselineShell(scopeId, active) : null;
  for (let page = 0; page < limits.deliverablePages; page += 1) {
    const read = await deps.store.readDeliverablePage(scopeId, running.after);
    const slice: CountedDeliverable[] = [];
    for (const { stored, baselineCache } of read.entries) {
      if (stored.state.scopeId !== scopeId) continue;
      let baselineCriteria: Criterion[] | null = null;
      if (active) {
        if (baselineCache?.baselineId === active.id) {
          baselineCriteria = baselineCache.criteria;
        } else {
          baseline ??= await deps.store.readBaseline(scopeId, active);
          baselineCriteria = baseline.deliverables.find((b) => b.id === stored.state.id)?.criteria ?? null;
        }
      }
      slice.push({ state: stored.state, baselineCriteria });
    }
    running = foldDeliverables(running, slice, shell, policy, read.last);
    if (read.done) return { done: running, running: null };
  }
  return { done: tally.done, running };
}

/**
 * Records from `fromSeq` on, from the authoritative log: whole storage reads until `max` is
 * reached, so the next slice starts where a read ended and nothing is read twice.
 */
async function readHistorySlice(deps: ForgeDeps, scopeId: string, fromSeq: number, max: number): Promise<HistoryRecord[]> {
  const records: HistoryRecord[] = [];
  for await (const page of deps.store.readHistoryPagesSince(scopeId, fromSeq)) {
    records.push(...page);
    if (records.length >= max) break;
  }
  return records;
}

/** The head names records the log does not hold: the chain is broken there. */
function markMissing(history: HistoryTally): HistoryTally {
  if (history.broken) return history;
  const index = history.through + 1;
  return { ...history, broken: { index, recordId: '', message: `record ${index} is missing from storage, though the history goes further` } };
}

function describeVerification(history: HistoryTally, check: HistoryCheckDoc | null): ProjectOverview['verification'] {
  const broken: BrokenLink | null = history.broken ?? check?.last?.broken ?? null;
  if (broken) return { ok: false, index: broken.index, recordId: broken.recordId, message: broken.message };
  return { ok: true, count: history.through + 1 };
}

/**
 * A full check of the hash chain, a slice per call: from the first record again when asked or
 * when none is under way, else from where the last call stopped. The check and its progress
 * are kept with the project, so whoever continues it continues the same check.
 */
async function advanceCheck(deps: ForgeDeps, limits: ProjectPageLimits, scopeId: string, restart: boolean): Promise<{ verification: ProjectOverview['verification']; check: HistoryCheck }> {
  const [summary, { check: stored, history: historyTally }] = await Promise.all([deps.store.readScopeSummary(scopeId), readDocuments(deps, scopeId)]);
  const now = deps.now();
  let check: HistoryCheckDoc = stored ?? { running: null, last: null };
  const running = restart || !check.running ? { startedAt: now, next: { seq: -1, hash: null }, target: summary.head?.seq ?? -1 } : check.running;
  const records = (await readHistorySlice(deps, scopeId, running.next.seq + 1, limits.historySlice)).filter((r) => r.seq <= running.target);
  const link = verifyContinuation(running.next, records);
  if (!link.ok) {
    check = { running: null, last: { checkedAt: now, through: running.next.seq, broken: link.broken } };
  } else if (link.last.seq >= running.target) {
    check = { running: null, last: { checkedAt: now, through: link.last.seq, broken: null } };
  } else if (records.length === 0) {
    const index = running.next.seq + 1;
    check = { running: null, last: { checkedAt: now, through: running.next.seq, broken: { index, recordId: '', message: `record ${index} is missing from storage, though the history goes further` } } };
  } else {
    check = { running: { ...running, next: link.last }, last: check.last };
  }
  await deps.store.writeScopeDocument(scopeId, DOCUMENTS.check, check);
  const checked = (check.running?.next.seq ?? check.last?.through ?? -1) + 1;
  return {
    verification: describeVerification(historyTally ?? emptyHistoryTally(), check),
    check: { checked, total: running.target + 1, done: check.running === null },
  };
}

/** The scope's tallies and its full check, in one read. */
async function readDocuments(
  deps: ForgeDeps,
  scopeId: string,
): Promise<{ history: HistoryTally | null; deliverables: DeliverableTally | null; check: HistoryCheckDoc | null }> {
  const stored = await deps.store.readScopeDocuments(scopeId, Object.values(DOCUMENTS));
  const read = <S extends z.ZodType>(name: string, schema: S): z.infer<S> | null => {
    if (!stored.has(name)) return null;
    const parsed = parseWith(schema, stored.get(name));
    if (parsed.ok) return parsed.value;
    // A tally is derived data: one that no longer reads is counted again from the start.
    deps.log(`stored ${name} of project ${scopeId} could not be read and is counted again: ${parsed.errors.join('; ')}`);
    return null;
  };
  return {
    history: read(DOCUMENTS.history, historyTallySchema),
    deliverables: read(DOCUMENTS.deliverables, deliverableTallySchema),
    check: read(DOCUMENTS.check, historyCheckSchema),
  };
}

function baselineShell(scopeId: string, meta: BaselineMeta): Omit<Baseline, 'deliverables'> {
  return { id: meta.id, scopeId, name: meta.name, major: meta.major, createdAt: meta.createdAt, approvedBy: meta.approvedBy };
}

// ---- history rows and exports ----------------------------------------------------------------

/**
 * Rows matching `query` from `cursor` on, newest first, up to `limits.rows` rows and
 * `limits.bytes` bytes (one row at least). The cursor that comes back continues right after
 * the last row returned.
 */
async function collectRows(
  deps: ForgeDeps,
  scopeId: string,
  query: Omit<HistoryQuery, 'cursor' | 'limit'>,
  from: string | null,
  limits: { rows: number; bytes: number; sizeOf: (row: HistoryRow) => number },
  keys: Map<string, string> = new Map(),
): Promise<{ rows: HistoryRow[]; nextCursor: string | null } | Refusal> {
  const rows: HistoryRow[] = [];
  let bytes = 0;
  let cursor = from;
  let short = 0;
  for (let calls = 0; calls < MAX_QUERIES_PER_CALL; calls += 1) {
    const asked = Math.min(HISTORY_PAGE_MAX, ENTITY_PAGE_SIZE - 1, limits.rows - rows.length);
    let page;
    try {
      // One less than a storage page: the store reads one entry past the limit to know whether
      // more follow, and that entry is then on the page it already read.
      page = await deps.store.queryHistory({ ...query, cursor, limit: asked });
    } catch (error) {
      if (error instanceof RangeError) return refusals.invalidPayload('This page of the history could not be found.', [`cursor: ${error.message}`]);
      throw error;
    }
    for (const row of await toRows(deps, scopeId, page.records, keys)) {
      const size = limits.sizeOf(row);
      const last = rows[rows.length - 1];
      if (last && (rows.length >= limits.rows || bytes + size > limits.bytes)) return { rows, nextCursor: encodeHistoryCursor(last.seq) };
      rows.push(row);
      bytes += size;
    }
    if (page.nextCursor === null || rows.length >= limits.rows) return { rows, nextCursor: page.nextCursor };
    if (page.records.length < asked && (short += 1) >= MAX_SHORT_QUERIES_PER_CALL) return { rows, nextCursor: page.nextCursor };
    cursor = page.nextCursor;
  }
  return { rows, nextCursor: cursor };
}

async function readExportPart(
  deps: ForgeDeps,
  limits: ProjectPageLimits,
  request: Request,
  sizeOf: (row: HistoryRow) => number,
): Promise<{ rows: HistoryRow[]; nextCursor: string | null; first: boolean } | Refusal> {
  const parsed = parseWith(exportHistorySchema, request.payload ?? {});
  if (!parsed.ok) return refusals.invalidPayload('The history could not be exported.', parsed.errors);
  const inv = readInvocation(request);
  if (!inv.project) return refusals.noProject();
  if (!(await mayBrowse(inv.project.id))) return noAccess();
  const query = toQuery(inv.project.id, parsed.value.filters);
  if ('ok' in query) return query;
  const collected = await collectRows(
    deps,
    inv.project.id,
    query,
    parsed.value.cursor,
    { rows: limits.exportRows, bytes: limits.exportBytes, sizeOf },
    await readKnownKeys(deps, inv.project.id),
  );
  if ('ok' in collected) return collected;
  return { ...collected, first: parsed.value.cursor === null };
}

/**
 * Deliverable keys as the last deliverable count listed them: one read instead of a batch read
 * per hundred rows of an export. Deliverables it does not list are read as usual.
 */
async function readKnownKeys(deps: ForgeDeps, scopeId: string): Promise<Map<string, string>> {
  const stored = (await deps.store.readScopeDocuments(scopeId, [DOCUMENTS.deliverables])).get(DOCUMENTS.deliverables);
  const parsed = stored === undefined ? null : deliverableTallySchema.safeParse(stored);
  const count = parsed?.success ? (parsed.data.done ?? parsed.data.running) : null;
  return new Map(count?.deliverables ?? []);
}

/** Timeline rows; deliverable keys for records that do not carry one are read in batches and kept in `keys`. */
async function toRows(deps: ForgeDeps, scopeId: string, records: readonly HistoryRecord[], keys: Map<string, string>): Promise<HistoryRow[]> {
  const wanted = records.flatMap((r) => (r.deliverableId && r.kind !== 'scope_changed' && !keys.has(r.deliverableId) ? [r.deliverableId] : []));
  if (wanted.length > 0) {
    for (const [id, entry] of await deps.store.readDeliverableEntries('jira', wanted)) keys.set(id, entry.stored.state.key);
  }
  const undocumented = await deps.store.findUndocumented(scopeId, records);
  return records.map((r) => buildHistoryRow(r, keys, undocumented));
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

// ---- reasons for undocumented changes ------------------------------------------------------

/**
 * The asked-for changes that are still undocumented scope changes of this scope, each matched
 * by seq and change id (the page showed both). Walks the "undocumented only" index from the
 * newest asked-for seq down to the oldest, so it reads about as much as the page that listed them.
 */
async function findOpenChanges(deps: ForgeDeps, scopeId: string, asked: readonly { seq: number; changeId: string }[]): Promise<HistoryRecordOf<'scope_changed'>[]> {
  const wanted = new Map(asked.map((c) => [c.seq, c.changeId]));
  const lowest = Math.min(...wanted.keys());
  const found: HistoryRecordOf<'scope_changed'>[] = [];
  let cursor: string | null = encodeHistoryCursor(Math.max(...wanted.keys()) + 1);
  for (let calls = 0; cursor !== null && calls < MAX_QUERIES_PER_CALL; calls += 1) {
    const page = await deps.store.queryHistory({ scopeId, undocumentedOnly: true, cursor, limit: HISTORY_PAGE_MAX });
    for (const record of page.records) {
      if (record.kind === 'scope_changed' && wanted.get(record.seq) === record.data.changeId) found.push(record);
    }
    cursor = found.length < wanted.size && page.nextCursor !== null && decodeHistoryCursor(page.nextCursor) > lowest ? page.nextCursor : null;
  }
  return found.sort((a, b) => a.seq - b.seq);
}

/**
 * Deliverable keys of the changes this user may not document. The rule is the issue panel's for
 * a reason given with an edit: Edit Issues on the issue, asked as the user (the reason then
 * travels with the criteria). For an issue deleted or moved out of this project since the change
 * was recorded there is no such issue here, so Edit Issues in this project decides.
 */
async function findChangesNotDocumentable(scopeId: string, changes: readonly HistoryRecordOf<'scope_changed'>[]): Promise<string[]> {
  const byDeliverable = new Map<string, string>();
  for (const change of changes) byDeliverable.set(change.deliverableId ?? '', change.data.deliverableKey);
  let inProject: Promise<boolean> | null = null;
  const mayEditInProject = () => (inProject ??= checkPermission('EDIT_ISSUES', { projectId: scopeId }));
  const denied: string[] = [];
  const entries = [...byDeliverable.entries()];
  for (let i = 0; i < entries.length; i += FAN_OUT) {
    const answers = await Promise.all(
      entries.slice(i, i + FAN_OUT).map(async ([deliverableId, key]) => {
        // As the app: whether the issue still exists here, which the user might not be able to see.
        const issue = deliverableId ? await fetchIssue('app', deliverableId) : null;
        const allowed = issue && issue.project.id === scopeId ? await checkPermission('EDIT_ISSUES', { issueId: issue.id }) : await mayEditInProject();
        return allowed ? null : (issue?.key ?? key);
      }),
    );
    denied.push(...answers.filter((key): key is string => key !== null));
  }
  return denied;
}

/** Best effort, after the reason is stored: the issues' search property counts undocumented changes. */
async function refreshSearchProperties(deps: ForgeDeps, scopeId: string, deliverableIds: readonly string[], scopeVersion: string | null): Promise<void> {
  try {
    const [summary, entries] = await Promise.all([deps.store.readScopeSummary(scopeId), deps.store.readDeliverableEntries('jira', deliverableIds)]);
    const policy = buildClosurePolicy(readProjectSettings(summary.ext));
    const states = [...entries.values()].map((e) => e.stored.state).filter((s) => s.scopeId === scopeId && s.inScope);
    for (let i = 0; i < states.length; i += FAN_OUT) {
      await Promise.all(states.slice(i, i + FAN_OUT).map((state) => updateIssueProperty(deps, { state, policy, scopeVersion })));
    }
  } catch (error) {
    deps.log('could not refresh the search property after attaching a reason', error);
  }
}

function listKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, 5).join(', ');
  return keys.length > 5 ? `${shown} and ${keys.length - 5} more` : shown;
}

// ---- permissions and Jira ------------------------------------------------------------------

/** The history belongs to the project: only people who may browse it see it (asked as the user). */
async function mayBrowse(projectId: string): Promise<boolean> {
  return checkPermission('BROWSE_PROJECTS', { projectId });
}

function noAccess(): Refusal {
  return refuse('NO_ACCESS', 'You need permission to browse this project to see its scope history.');
}

/** Approvers per the settings; with no approvers set, project admins. */
/**
 * The core's baseline authority (approvers; a project admin when none are listed). Only what
 * the answer can turn on is read: the admin permission without approver lists, the roles with them.
 */
async function mayCreateBaseline(projectId: string, accountId: string, reading: SettingsReading): Promise<boolean> {
  const policy = readJiraPolicy(reading);
  const lists = policy.ok && hasApproverLists(policy.value);
  const [roles, isAdministrator] = await Promise.all([
    policy.ok && lists ? findApproverRoles(projectId, accountId, policy.value.approverRoles) : Promise.resolve([]),
    policy.ok && !lists ? checkPermission('ADMINISTER_PROJECTS', { projectId }) : Promise.resolve(false),
  ]);
  return checkBaselineAuthority({ actor: { id: accountId, name: null, email: null }, roles, policy, isAdministrator }).ok;
}

async function fetchProjectName(project: { id: string; key: string }): Promise<string> {
  const reply = await readJiraReply(pickRequester('user').requestJira(route`/rest/api/3/project/${project.id}`));
  if (reply.status === 404) return project.key;
  if (!reply.ok) throw new JiraUnavailableError(`reading project ${project.key}`, reply.status);
  const name = (reply.body as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : project.key;
}

/**
 * After a new baseline: each deliverable's cached baseline criteria and its search property.
 * Best effort and capped: a large project would not finish inside one call, and the panel
 * refreshes a stale cache when the issue is next opened.
 */
async function refreshDeliverables(
  deps: ForgeDeps,
  baseline: Baseline,
  deliverables: readonly DeliverableState[],
  policy: ClosurePolicy,
  scopeVersion: string | null,
): Promise<void> {
  const now = deliverables.slice(0, REFRESH_AFTER_BASELINE);
  if (deliverables.length > now.length) {
    deps.log(`baseline ${baseline.name}: refreshed ${now.length} of ${deliverables.length} deliverables; the rest refresh when their issue panel is opened`);
  }
  for (let i = 0; i < now.length; i += FAN_OUT) {
    await Promise.all(
      now.slice(i, i + FAN_OUT).map(async (state) => {
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
