import type { Request } from '@forge/resolver';
import { checkSignOffAuthority, isListedApprover } from '../../core/check-sign-off-authority';
import { findQualityHints, type ResolvedTeamVocabulary } from '../../core/find-quality-hints';
import { parseWith } from '../../core/parse-with';
import { recordCriteriaChange } from '../../core/record-criteria-change';
import { buildDeliverableState } from '../../core/build-deliverable-state';
import { isSameDeliverableState } from '../../core/is-same-deliverable-state';
import type { PolicyReading } from '../../core/read-closure-policy';
import { recordSignOff, type RecordSignOffResult } from '../../core/record-sign-off';
import { revokeSignOff } from '../../core/revoke-sign-off';
import type { Baseline, ClosurePolicy, Criterion, DeliverableState, HistoryDraft } from '../../core/schemas';
import { readAdfCriteria } from '../jira/read-adf-criteria';
import { buildPanelView, describeNotDeliverable } from '../views/build-panel-view';
import { checkPermission } from './check-permission';
import type { ForgeDeps } from '../entry/create-forge-deps';
import { fetchCurrentUser } from '../jira/fetch-current-user';
import { fetchIssue, type JiraIssue } from '../jira/fetch-issue';
import { readApproverRoles, type ApproverRolesReading } from '../jira/find-approver-roles';
import type { BaselineCache, DeliverableEntry, ScopeSummary } from '../storage/kvs-store';
import { readInvocation, type Invocation } from './read-invocation';
import { readJiraFacts } from '../jira/read-jira-facts';
import { buildClosurePolicy, describeUnreadableSettings, isDeliverableType, parseProjectSettings, readJiraPolicy } from '../storage/read-project-settings';
import { readTeamVocabulary } from '../storage/read-team-vocabulary';
import { refusals, refuse } from './refuse';
import { saveCriteriaSchema, signOffSchema, type PanelView, type ProjectSettings, type Refusal, type ResolverResults } from './resolver-contract';
import { updateIssueProperty } from '../jira/update-issue-property';
import { loadTagger } from '../../hints/load-tagger';

const tagger = loadTagger();

type PanelResolverName = 'getPanel' | 'saveCriteria' | 'importFromDescription' | 'signOff' | 'revokeSignOff';
export type PanelResolvers = { [N in PanelResolverName]: (request: Request) => Promise<ResolverResults[N]> };

/** Everything one panel action works from, loaded with two storage reads. */
interface PanelContext {
  accountId: string | null;
  issue: JiraIssue;
  scopeId: string;
  entry: DeliverableEntry | null;
  summary: ScopeSummary;
  settings: ProjectSettings;
  policy: ClosurePolicy;
  /** What the gate judges from: the policy, or the fault when the settings cannot be read. */
  gate: PolicyReading;
  /** Set when the stored settings cannot be read: `settings` are then the defaults, and sign-off is closed. */
  settingsProblem: string | null;
  /** The hint vocabulary, read apart from `settings`: what cannot be read of it is left out. */
  vocabulary: ResolvedTeamVocabulary;
}

/**
 * The issue panel's resolvers. A load is one invocation and two storage reads (the deliverable,
 * with its baseline cache, and the project's scope head, which holds the settings, baselines and
 * scope version). Every action re-checks permissions as the user, decides with the shared core,
 * and writes with one commit; a refused action writes nothing. Each returns the fresh panel.
 */
export function createPanelResolvers(deps: ForgeDeps): PanelResolvers {
  return {
    async getPanel(request) {
      const inv = readInvocation(request);
      const ctx = await loadContext(deps, inv);
      if ('ok' in ctx) return ctx;
      return { ok: true, panel: await viewOf(deps, ctx, currentState(ctx, deps.now()), ctx.entry?.stored.version ?? null) };
    },

    async saveCriteria(request) {
      const parsed = parseWith(saveCriteriaSchema, request.payload);
      if (!parsed.ok) return refusals.invalidPayload('The criteria could not be saved.', parsed.errors);
      const inv = readInvocation(request);
      if (!inv.accountId) return refusals.notSignedIn();
      if (!inv.issue) return refusals.noIssue();
      if (!(await checkPermission('EDIT_ISSUES', { issueId: inv.issue.id }))) {
        return refuse('NO_EDIT_PERMISSION', `You need permission to edit ${inv.issue.key} to change its acceptance criteria. Nothing was changed.`);
      }
      const ctx = await loadContext(deps, inv);
      if ('ok' in ctx) return ctx;
      if (!isTracked(ctx)) return notDeliverable(ctx);
      const payload = parsed.value;
      const previous = ctx.entry?.stored ?? null;
      if ((previous?.version ?? null) !== payload.expectedVersion) return refusals.versionConflict();

      const ids = payload.criteria.map((c) => c.id).filter((id): id is string => id !== null);
      if (new Set(ids).size !== ids.length) {
        return refusals.invalidPayload('The criteria could not be saved.', ['criteria: two criteria carry the same id']);
      }
      // Ids the client made up are replaced: only the server hands out criterion ids.
      const known = new Set(previous?.state.criteria.flatMap((c) => (c.id ? [c.id] : [])) ?? []);
      const criteria: Criterion[] = payload.criteria.map((c) => ({ id: c.id !== null && known.has(c.id) ? c.id : deps.newId(), text: c.text, met: c.met }));

      const now = deps.now();
      const [actor, baseline] = await Promise.all([fetchCurrentUser(inv.accountId), readActiveBaseline(deps, ctx)]);
      const base = currentState(ctx, now);
      const next: DeliverableState = { ...base, criteria, updatedAt: now };
      if (previous && isSameDeliverableState(previous.state, next)) {
        return { ok: true, panel: await viewOf(deps, ctx, previous.state, previous.version) };
      }
      const recorded = recordCriteriaChange({
        previous: previous?.state ?? null,
        next,
        baseline,
        actor,
        now,
        source: 'jira-panel',
        reason: payload.reason,
        newId: deps.newId,
      });
      return commitAndShow(deps, ctx, recorded.state, previous?.version ?? null, recorded.drafts, baseline);
    },

    async importFromDescription(request) {
      const inv = readInvocation(request);
      if (!inv.issue) return refusals.noIssue();
      const issue = await fetchIssue('user', inv.issue.id, { description: true });
      if (!issue) return refusals.issueNotFound(inv.issue.key);
      const parsed = readAdfCriteria(issue.description);
      if (!parsed.ok) {
        deps.log(`could not read the description of ${issue.key} for acceptance criteria`, parsed.error);
        return refuse('NOTHING_TO_IMPORT', `The description of ${issue.key} could not be read, so no acceptance criteria were imported.`);
      }
      if (parsed.empty) {
        return refuse('NOTHING_TO_IMPORT', `The description of ${issue.key} is empty, so there are no acceptance criteria to import.`);
      }
      if (!parsed.found || parsed.criteria.length === 0) {
        const why = parsed.hints.map((h) => h.message).join(' ');
        return refuse(
          'NOTHING_TO_IMPORT',
          `No acceptance criteria were found in the description of ${issue.key}. Put them in a list under a heading "Acceptance criteria".${why ? ` ${why}` : ''}`,
        );
      }
      const criteria = parsed.criteria.map((c) => ({ ...c, id: null }));
      const vocabulary = await readVocabularyOf(deps, issue.project.id);
      return { ok: true, preview: { criteria, hints: findQualityHints(criteria, { vocabulary, tagger }) } };
    },

    async signOff(request) {
      const parsed = parseWith(signOffSchema, request.payload ?? {});
      if (!parsed.ok) return refusals.invalidPayload('The sign-off could not be recorded.', parsed.errors);
      const inv = readInvocation(request);
      if (!inv.accountId) return refusals.notSignedIn();
      const ctx = await loadContext(deps, inv);
      if ('ok' in ctx) return ctx;
      if (!isTracked(ctx)) return notDeliverable(ctx);
      // Fail closed: a sign-off is never counted under settings or roles Scopekeeper cannot read.
      if (ctx.settingsProblem) return refuse('SETTINGS_UNREADABLE', `${ctx.settingsProblem} Nothing was changed.`);
      const now = deps.now();
      const [signer, roles] = await Promise.all([fetchCurrentUser(inv.accountId), rolesOf(ctx, inv.accountId)]);
      // Someone named in the settings needs no role, so unreadable roles do not stop them.
      if (!roles.ok && !isListedApprover(signer, ctx.policy)) return refuse(roles.code, `${roles.message} Nothing was changed.`);
      const state = currentState(ctx, now);
      const result = recordSignOff({ state, signer, roles: roles.ok ? roles.held : [], policy: ctx.policy, note: parsed.value.note, now, newId: deps.newId });
      // A refused sign-off leaves the deliverable as it was; the attempt is on record, as on Linear.
      if (!result.ok) return refuseSignOff(deps, ctx, result);
      return commitAndShow(deps, ctx, result.state, ctx.entry?.stored.version ?? null, [result.draft], null);
    },

    async revokeSignOff(request) {
      const inv = readInvocation(request);
      if (!inv.accountId) return refusals.notSignedIn();
      const ctx = await loadContext(deps, inv);
      if ('ok' in ctx) return ctx;
      const now = deps.now();
      const state = currentState(ctx, now);
      // The signer may always withdraw their own sign-off; anyone else needs authority Scopekeeper can read.
      const ownSignOff = state.signOff?.signer.id === inv.accountId;
      if (state.signOff && !ownSignOff && ctx.settingsProblem) return refuse('SETTINGS_UNREADABLE', `${ctx.settingsProblem} Nothing was changed.`);
      const [actor, roles] = await Promise.all([fetchCurrentUser(inv.accountId), ownSignOff ? noRolesNeeded() : rolesOf(ctx, inv.accountId)]);
      if (state.signOff && !roles.ok && !isListedApprover(actor, ctx.policy)) return refuse(roles.code, `${roles.message} Nothing was changed.`);
      const result = revokeSignOff({ state, actor, roles: roles.ok ? roles.held : [], policy: ctx.policy, note: null, now, newId: deps.newId });
      if (!result.ok) return refuse(result.code, `${result.message} Nothing was changed.`);
      return commitAndShow(deps, ctx, result.state, ctx.entry?.stored.version ?? null, [result.draft], null);
    },
  };
}

async function loadContext(deps: ForgeDeps, inv: Invocation): Promise<PanelContext | Refusal> {
  if (!inv.issue) return refusals.noIssue();
  const issueRef = inv.issue;
  const projectId = inv.project?.id ?? null;
  // Storage read 1 and 2, in parallel with the issue itself (as the user: they must see it).
  const [entry, summaryGuess, issue] = await Promise.all([
    deps.store.readDeliverableEntry('jira', issueRef.id),
    projectId ? deps.store.readScopeSummary(projectId) : Promise.resolve(null),
    fetchIssue('user', issueRef.id),
  ]);
  if (!issue) return refusals.issueNotFound(issueRef.key);
  // The issue may have moved since the view was opened: its project now is the scope.
  const summary = summaryGuess && projectId === issue.project.id ? summaryGuess : await deps.store.readScopeSummary(issue.project.id);
  const reading = parseProjectSettings(summary.ext);
  if (!reading.ok) deps.log(`the settings of project ${issue.project.id} cannot be read: ${reading.errors.join('; ')}`);
  const settings = reading.ok ? reading.settings : reading.defaults;
  return {
    vocabulary: logVocabularyErrors(deps, issue.project.id, readTeamVocabulary(summary.ext)),
    accountId: inv.accountId,
    issue,
    scopeId: issue.project.id,
    entry,
    summary,
    settings,
    policy: buildClosurePolicy(settings),
    gate: readJiraPolicy(reading),
    settingsProblem: reading.ok ? null : describeUnreadableSettings('nobody can sign off here and the workflow gate keeps this issue from closing'),
  };
}

/** Unreadable settings count as "a deliverable": the stricter reading. */
function isTracked(ctx: PanelContext): boolean {
  return ctx.settingsProblem !== null || isDeliverableType(ctx.settings, ctx.issue.issueType);
}

/** The deliverable as the gate sees it now: stored criteria and sign-off, Jira's key, title and assignee. */
function currentState(ctx: PanelContext, now: string): DeliverableState {
  const { issue } = ctx;
  return buildDeliverableState(
    ctx.entry?.stored.state ?? null,
    readJiraFacts({ id: issue.id, key: issue.key, projectId: ctx.scopeId, summary: issue.summary, assigneeId: issue.assigneeId }),
    now,
  );
}

/** Writes the refused attempt (history only) and answers the refusal. */
async function refuseSignOff(deps: ForgeDeps, ctx: PanelContext, refused: Extract<RecordSignOffResult, { ok: false }>): Promise<Refusal> {
  const result = await deps.store.commit({ scopeId: ctx.scopeId, history: [refused.draft] });
  if (!result.ok) deps.log(`could not record the refused sign-off on ${ctx.issue.key}: ${result.code}`);
  const noted = result.ok ? ' The attempt is noted in the history.' : '';
  return refuse(refused.code, `${refused.message} The sign-off was not recorded.${noted}`);
}

/** The approver roles the invoking user holds; `accountId` must be the invocation's user (the fallback reads as them). */
async function rolesOf(ctx: PanelContext, accountId: string): Promise<ApproverRolesReading> {
  return readApproverRoles(ctx.scopeId, accountId, ctx.policy.approverRoles);
}

async function noRolesNeeded(): Promise<ApproverRolesReading> {
  return { ok: true, held: [], readAs: null };
}

async function readActiveBaseline(deps: ForgeDeps, ctx: PanelContext): Promise<Baseline | null> {
  const meta = ctx.summary.activeBaseline;
  return meta ? deps.store.readBaseline(ctx.scopeId, meta) : null;
}

/**
 * This deliverable's criteria in the active baseline. Normally from the cache stored with the
 * deliverable (no extra read); after a re-baseline the cache may be stale, and then the baseline
 * is read once and the cache refreshed.
 */
async function baselineCriteriaOf(deps: ForgeDeps, ctx: PanelContext): Promise<Criterion[] | null> {
  const active = ctx.summary.activeBaseline;
  if (!active || !ctx.entry) return null;
  const cache = ctx.entry.baselineCache;
  if (cache?.baselineId === active.id) return cache.criteria;
  const baseline = await deps.store.readBaseline(ctx.scopeId, active);
  const fresh = cacheFor(baseline, ctx.issue.id);
  try {
    await deps.store.writeBaselineCache('jira', ctx.issue.id, fresh);
  } catch (error) {
    deps.log(`could not cache the baseline criteria of ${ctx.issue.key}`, error);
  }
  return fresh.criteria;
}

function cacheFor(baseline: Baseline, deliverableId: string): BaselineCache {
  return { baselineId: baseline.id, criteria: baseline.deliverables.find((d) => d.id === deliverableId)?.criteria ?? null };
}

async function viewOf(deps: ForgeDeps, ctx: PanelContext, state: DeliverableState, version: number | null): Promise<PanelView> {
  const [baselineCriteria, canEdit, signOffAccess] = await Promise.all([
    baselineCriteriaOf(deps, ctx),
    ctx.accountId ? checkPermission('EDIT_ISSUES', { issueId: ctx.issue.id }) : Promise.resolve(false),
    readSignOffAccess(ctx),
  ]);
  return buildPanelView({
    issue: { id: ctx.issue.id, key: ctx.issue.key, summary: ctx.issue.summary, assigneeId: ctx.issue.assigneeId, issueType: ctx.issue.issueType },
    isDeliverable: isTracked(ctx),
    deliverableTypes: ctx.settings.deliverableIssueTypes,
    signOffUnavailable: signOffAccess.unavailable,
    state,
    version,
    activeBaseline: ctx.summary.activeBaseline,
    scopeVersion: ctx.summary.head?.scopeVersion ?? null,
    baselineCriteria,
    policy: ctx.gate,
    permissions: { canEdit, canSignOff: signOffAccess.canSignOff },
    vocabulary: ctx.vocabulary,
  });
}

/**
 * Sign-off is offered only to approvers: the same authority check as recording one. When the
 * settings or the roles cannot be read it is offered to nobody who would need them, and the
 * panel says why instead of failing to load.
 */
async function readSignOffAccess(ctx: PanelContext): Promise<{ canSignOff: boolean; unavailable: string | null }> {
  if (ctx.settingsProblem) return { canSignOff: false, unavailable: ctx.settingsProblem };
  if (!ctx.accountId) return { canSignOff: false, unavailable: null };
  const signer = { id: ctx.accountId, name: null, email: null };
  const roles = await rolesOf(ctx, ctx.accountId);
  const authority = checkSignOffAuthority({ signer, roles: roles.ok ? roles.held : [], policy: ctx.policy, assigneeId: ctx.issue.assigneeId });
  if (!roles.ok && !authority.ok) return { canSignOff: false, unavailable: roles.message };
  return { canSignOff: authority.ok, unavailable: null };
}

/**
 * One commit for the deliverable and its history drafts; then, best effort, the search property.
 * The new panel is built from what was just written, without reading it back.
 */
async function commitAndShow(
  deps: ForgeDeps,
  ctx: PanelContext,
  state: DeliverableState,
  expectedVersion: number | null,
  drafts: HistoryDraft[],
  baseline: Baseline | null,
): Promise<ResolverResults['saveCriteria']> {
  const key = `jira:${state.id}`;
  const cache = baseline ? cacheFor(baseline, state.id) : (ctx.entry?.baselineCache ?? undefined);
  const result = await deps.store.commitWith(
    { scopeId: ctx.scopeId, deliverables: [{ state, expectedVersion }], history: drafts },
    { baselineCaches: cache ? { [key]: cache } : {} },
  );
  if (!result.ok) {
    if (result.code === 'VERSION_CONFLICT') return refusals.versionConflict();
    if (result.code === 'HISTORY_CONFLICT') return refusals.historyConflict();
    return refuse(result.code, `${result.message}. Nothing was changed.`);
  }
  const last = result.records[result.records.length - 1];
  const head = last ? { seq: last.seq, hash: last.hash, scopeVersion: last.scopeVersion } : ctx.summary.head;
  const version = result.versions[key] ?? null;
  const after: PanelContext = {
    ...ctx,
    entry: version === null ? ctx.entry : { stored: { state, version }, baselineCache: cache ?? null },
    summary: { ...ctx.summary, head },
  };
  await updateIssueProperty(deps, { state, policy: ctx.gate, scopeVersion: head?.scopeVersion ?? null });
  let panel: PanelView;
  try {
    panel = await viewOf(deps, after, state, version);
  } catch (error) {
    // The change is saved; only the permission lookups for the fresh view failed.
    deps.log('could not rebuild the panel after saving', error);
    panel = buildPanelView({
      issue: { id: ctx.issue.id, key: ctx.issue.key, summary: ctx.issue.summary, assigneeId: ctx.issue.assigneeId },
      isDeliverable: true,
      state,
      version,
      activeBaseline: ctx.summary.activeBaseline,
      scopeVersion: head?.scopeVersion ?? null,
      baselineCriteria: cache?.criteria ?? null,
      policy: ctx.gate,
      permissions: { canEdit: false, canSignOff: false },
      vocabulary: ctx.vocabulary,
    });
  }
  return { ok: true, panel };
}

/** The vocabulary for the import preview's hints. Hints only advise: when it cannot be read, the built-in hints apply. */
async function readVocabularyOf(deps: ForgeDeps, projectId: string): Promise<ResolvedTeamVocabulary> {
  try {
    return logVocabularyErrors(deps, projectId, readTeamVocabulary((await deps.store.readScopeSummary(projectId)).ext));
  } catch (error) {
    deps.log(`could not read the hint vocabulary of project ${projectId}, so the import preview shows the built-in hints`, error);
    return { vagueWords: [], silencedWords: [], disabledRules: [] };
  }
}

function logVocabularyErrors(deps: ForgeDeps, projectId: string, reading: ReturnType<typeof readTeamVocabulary>): ResolvedTeamVocabulary {
  if (reading.errors.length > 0) deps.log(`the hint vocabulary of project ${projectId} cannot be read in full, so hints leave those entries out: ${reading.errors.join('; ')}`);
  return reading.vocabulary;
}

function notDeliverable(ctx: PanelContext): Refusal {
  return refuse('NOT_A_DELIVERABLE', `${describeNotDeliverable(ctx.issue, ctx.settings.deliverableIssueTypes)} Nothing was changed.`);
}

