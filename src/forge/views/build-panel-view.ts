import { displayActor } from '../../core/check-sign-off-authority';
import { evaluateClosure, formatDay } from '../../core/evaluate-closure';
import { findQualityHints, type ResolvedTeamVocabulary } from '../../core/find-quality-hints';
import { isSignOffStale } from '../../core/is-sign-off-stale';
import { matchCriteria } from '../../core/match-criteria';
import type { Criterion, DeliverableState } from '../../core/schemas';
import type { BaselineMeta } from '../storage/kvs-store';
import type { CriterionDiffRow, PanelView } from '../resolvers/resolver-contract';
import { loadTagger } from '../../hints/load-tagger';

const tagger = loadTagger();

export interface PanelInput {
  issue: { id: string; key: string; summary: string; assigneeId: string | null; issueType?: string | null };
  isDeliverable: boolean;
  /** The project's deliverable issue types (empty: every type), to say why an issue is not one. */
  deliverableTypes?: readonly string[];
  /** Why nobody can sign off here right now, in words; null or absent when sign-off works. */
  signOffUnavailable?: string | null;
  /** The deliverable as the gate sees it (an empty one when nothing is stored yet). */
  state: DeliverableState;
  version: number | null;
  activeBaseline: BaselineMeta | null;
  scopeVersion: string | null;
  /** This deliverable's criteria in the active baseline; null when it is not in it. */
  baselineCriteria: Criterion[] | null;
  policy: Parameters<typeof evaluateClosure>[0]['policy'];
  permissions: PanelView['permissions'];
  /** The project's hint vocabulary; absent means the built-in hints only. */
  vocabulary?: ResolvedTeamVocabulary;
}

const NO_VOCABULARY: ResolvedTeamVocabulary = { vagueWords: [], silencedWords: [], disabledRules: [] };

/** The issue panel's whole view, from data already loaded: building it reads nothing. */
export function buildPanelView(input: PanelInput): PanelView {
  const { state, activeBaseline } = input;
  const verdict = evaluateClosure({ state, policy: input.policy });
  const signOff = state.signOff;
  const stale = signOff !== null && isSignOffStale(signOff, state.criteria);
  const vocabulary = input.vocabulary ?? NO_VOCABULARY;
  return {
    issue: { id: input.issue.id, key: input.issue.key, summary: input.issue.summary, assigneeAccountId: input.issue.assigneeId },
    isDeliverable: input.isDeliverable,
    notDeliverableReason: input.isDeliverable ? null : describeNotDeliverable(input.issue, input.deliverableTypes ?? []),
    signOffUnavailable: input.signOffUnavailable ?? null,
    criteria: state.criteria,
    hints: findQualityHints(state.criteria, { vocabulary, tagger }),
    vocabulary,
    version: input.version,
    baseline: activeBaseline ? { name: activeBaseline.name, version: `${activeBaseline.major}.0` } : null,
    scopeVersion: input.scopeVersion,
    baselineDiff: activeBaseline && input.baselineCriteria ? diffAgainstBaseline(input.baselineCriteria, state.criteria) : null,
    // After the baseline every edit is a scope change, and a scope change asks for a reason.
    asksForReason: activeBaseline !== null,
    signOff: signOff
      ? {
          signerName: displayActor(signOff.signer),
          role: signOff.role,
          at: signOff.at,
          note: signOff.note,
          stale,
          staleReason: stale
            ? `The acceptance criteria changed after ${displayActor(signOff.signer)} signed off on ${formatDay(signOff.at)}, so this sign-off no longer counts. An approver needs to sign off the criteria as they are now.`
            : null,
        }
      : null,
    verdict: verdict.allowed
      ? { allowed: true, summary: 'Ready to close', reasons: [] }
      : {
          allowed: false,
          summary: `Not ready to close: ${verdict.reasons.length} ${verdict.reasons.length === 1 ? 'thing is' : 'things are'} missing.`,
          reasons: verdict.reasons,
        },
    permissions: input.permissions,
  };
}

/** E.g. "PROJ-13 is a Task. In this project only Story and Epic are deliverables, …". */
export function describeNotDeliverable(issue: { key: string; issueType?: string | null }, deliverableTypes: readonly string[]): string {
  const what = issue.issueType ? `${issue.key} is ${article(issue.issueType)} ${issue.issueType}` : `${issue.key} has no issue type Scopekeeper could read`;
  const types = deliverableTypes.map((t) => `“${t}”`);
  const tracked =
    types.length === 0
      ? 'this issue type is not a deliverable'
      : types.length === 1
        ? `only ${types[0]} issues are deliverables`
        : `only ${types.slice(0, -1).join(', ')} and ${types[types.length - 1]} issues are deliverables`;
  return (
    `${what}. In this project ${tracked}, so Scopekeeper keeps no acceptance criteria or sign-off for this issue and does not stop it from closing. ` +
    'A project admin can change the deliverable issue types in Project settings → Apps → Scopekeeper.'
  );
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function diffAgainstBaseline(baseline: readonly Criterion[], current: readonly Criterion[]): CriterionDiffRow[] {
  return matchCriteria(baseline, current).map((m) => ({
    kind: m.kind,
    before: m.before?.text ?? null,
    after: m.after?.text ?? null,
    diff: m.kind === 'modified' ? m.diff : null,
  }));
}
