import { buildDeliverableState, type DeliverableFacts } from './build-deliverable-state';
import { computeDigest } from './compute-digest';
import { evaluateClosure, type ClosureVerdict } from './evaluate-closure';
import { findQualityHints, type Tagger } from './find-quality-hints';
import { isSignOffRecorded } from './is-sign-off-recorded';
import { isDoneUnder } from './is-done-state';
import { isSameDeliverableState } from './is-same-deliverable-state';
import type { ParseHint, ParseHintCode } from './parse-criteria';
import type { PolicyReading } from './read-closure-policy';
import { recordCriteriaChange, recordDeliverableRemoval, type RecordedChange } from './record-criteria-change';
import type {
  Actor,
  Baseline,
  ChangeSource,
  ClosureReason,
  Criterion,
  DeliverableState,
  HistoryDraft,
  HistoryRecord,
  HistoryRecordOf,
  ServiceMode,
  SignOff,
} from './schemas';

// One decision per platform event (docs/design.md, "Closures after the fact"): the Linear
// webhook, `reconcile`, the Jira trigger and the Jira validator all come here, so a deliverable
// reaching done without a valid sign-off is judged, recorded and acted on one way everywhere.

/** A workflow state as a platform names it: Linear's state type, or Jira's status category. */
export interface WorkflowState {
  id: string | null;
  name: string;
  type?: string | null;
  categoryKey?: string | null;
}

/** Where a closure can be moved back to; the name is null when the platform did not say it. */
export interface RevertTarget {
  id: string;
  name: string | null;
}

export type ClosureRecord = HistoryRecordOf<'closure_allowed' | 'closure_refused' | 'closure_bypassed'>;

/** What the event says about the deliverable's workflow state. */
export type WorkflowObservation =
  /** The state did not change; `current` is where it stands, when known. */
  | { kind: 'none'; current: WorkflowState | null }
  /**
   * The platform moved it, after the fact (Linear webhook, Jira trigger). `from` null: the state
   * before is unknown. `current`: the state as read just now, when it was read again (events come late).
   */
  | { kind: 'moved'; from: WorkflowState | null; to: WorkflowState; revertTo: RevertTarget | null; current?: WorkflowState | null }
  /**
   * A move waiting for a veto (Jira validator). An admin put the gate on it, so a target that is
   * unknown, or that unreadable settings cannot classify, counts as done. Nothing is recorded: the
   * move has not happened, and the platform reports it when it does.
   */
  | { kind: 'asked'; from: WorkflowState | null; to: WorkflowState | null }
  /**
   * Found standing in a state with no event to say how it got there (`reconcile`). `changedAt`
   * is when the platform last changed the issue; `lastClosure` the deliverable's latest closure record.
   */
  | { kind: 'found'; state: WorkflowState; changedAt: string; revertTo: RevertTarget | null; lastClosure: ClosureRecord | null };

export interface ObservedEvent {
  kind: 'observed';
  facts: DeliverableFacts;
  workflow: WorkflowObservation;
  /**
   * What reading `facts.criteria` out of the issue noticed. Given when the adapter advises on the
   * writing (the Linear webhook): quality hints then follow whenever the criteria are new.
   */
  parseHints?: readonly ParseHint[];
  /**
   * Whether the issue carries the "needs acceptance criteria" label, null when the event does not
   * list labels. Left out where a platform asks for criteria elsewhere (Jira: the issue panel):
   * then no template comment or label is asked for.
   */
  labelled?: boolean | null;
}

export interface DeliverableEventInput {
  /** The deliverable as last stored; null when Scopekeeper has not stored it. */
  stored: DeliverableState | null;
  event: { kind: 'removed' } | ObservedEvent;
  /** The active baseline of the event's scope; one of another scope is ignored. */
  baseline: Baseline | null;
  policy: PolicyReading;
  mode: ServiceMode;
  /** Who caused the event; null when the platform did not say. */
  actor: Actor | null;
  /** Named as the author of scope changes when `actor` is null: a scope change needs one. */
  fallbackActor: Actor;
  source: ChangeSource;
  now: string;
  newId: () => string;
  /** Parts of speech for the quality hints; called only when the criteria are new (src/hints/load-tagger.ts). */
  tagger: Tagger;
  /** The closure record's id, derived from the event so that a redelivery finds it. Default: newId(). */
  closureId?: string;
  /**
   * The deliverable's `signoff_recorded` and `signoff_revoked` records, read by the adapter.
   * When given, a stored sign-off they do not back (isSignOffRecorded) counts as none for the
   * gate (the row itself is left as it is, for `scopekeeper verify` to report). Absent: the stored sign-off is taken as it is.
   */
  signOffHistory?: readonly HistoryRecord[];
}

export interface HintLine {
  /** 0-based criterion position, or null for a hint about the section as a whole. */
  criterionIndex: number | null;
  criterionText: string | null;
  message: string;
}

/** What to say on the issue, in the platform's words (each adapter renders these). */
export type EventCommentSection =
  | { kind: 'closure_refused'; key: string; toState: string; reverted: boolean; revertTo: string | null; reasons: ClosureReason[] }
  | { kind: 'signoff_stale'; key: string; signOff: SignOff; changeCount: number; undocumented: boolean }
  | { kind: 'criteria_template'; key: string }
  | { kind: 'quality_hints'; key: string; hints: HintLine[] };

/** What to do on the platform once the decision is committed. */
export type DeliverableIntent =
  | { kind: 'revert'; to: RevertTarget; fromState: string }
  | { kind: 'comment'; sections: EventCommentSection[] }
  | { kind: 'label'; change: 'add' | 'remove' };

export type DeliverableOutcome =
  | 'ignored'
  | 'unchanged'
  | 'recorded'
  | 'scope_changed'
  | 'removed'
  | 'closure_allowed'
  | 'closure_refused'
  | 'closure_bypassed';

export interface DeliverableDecision {
  outcome: DeliverableOutcome;
  /** The deliverable after the event; null only for the removal of one never stored. */
  state: DeliverableState | null;
  /** False when writing `state` would change nothing a reader can see (isSameDeliverableState). */
  changed: boolean;
  drafts: HistoryDraft[];
  /** The gate's verdict when the event closes the deliverable (or asks to); null otherwise. */
  verdict: ClosureVerdict | null;
  /** To carry out after the commit. Empty in shadow mode. */
  intents: DeliverableIntent[];
  /** Shadow mode: what enforce mode would have done. */
  withheld: DeliverableIntent[];
}

// States whose issues will not be delivered (Linear's types): asking them for criteria is noise.
const NOT_DELIVERED_TYPES = new Set(['canceled', 'duplicate']);
// Parse hints already covered by the template comment, or not about the writing. A description
// that could not be read (PARSE_FAILED, TOO_LONG) is said out loud: its stored criteria are kept.
const SILENT_PARSE_HINTS = new Set<ParseHintCode>(['NOT_TEXT', 'NO_SECTION', 'EMPTY_SECTION']);

/**
 * Decides what one platform event means for a deliverable: its new state, the history records,
 * the gate's verdict and what to do on the platform. Pure: the adapter reads everything first,
 * commits the state and drafts once, then carries out the intents.
 *
 * Closures (docs/design.md): a move from one done state to another is not a closure; a closure
 * without a valid sign-off that Scopekeeper moves back (enforce mode, a way back known) is
 * `closure_refused`; one that stands (shadow mode, no way back, already moved on) is
 * `closure_bypassed` with action `recorded`, the bypass the signals count.
 */
export function decideDeliverableEvent(input: DeliverableEventInput): DeliverableDecision {
  const { event } = input;
  const stored = withBackedSignOff(input.stored, input.signOffHistory);
  if (event.kind === 'removed') return decideRemoval(input, stored);

  const { facts, workflow } = event;
  const baseline = input.baseline?.scopeId === facts.scopeId ? input.baseline : null;
  const built = buildDeliverableState(stored, facts, input.now);
  // A deliverable becomes Scopekeeper's once its criteria are known: read from the issue, or
  // saved in Scopekeeper (Jira's panel). Until then the gate judges it, but nothing is stored.
  const known = stored !== null || facts.criteria !== undefined;
  const recorded: RecordedChange = known
    ? recordCriteriaChange({
        previous: stored,
        next: built,
        baseline,
        actor: input.actor ?? input.fallbackActor,
        now: input.now,
        source: input.source,
        reason: null,
        newId: input.newId,
      })
    : { state: built, drafts: [], changes: [] };
  const changed = known && (stored === null || !isSameDeliverableState(stored, recorded.state));
  const state = changed ? recorded.state : built;
  const drafts: HistoryDraft[] = [...recorded.drafts];
  const sections: EventCommentSection[] = [];
  const intents: DeliverableIntent[] = [];

  const closure = decideClosure(input, state, workflow);
  if (closure?.draft) drafts.push(closure.draft);
  if (closure?.revert) intents.push(closure.revert);
  if (closure?.section) sections.push(closure.section);

  const stale = recorded.drafts.some((d) => d.kind === 'signoff_stale');
  if (stale && stored?.signOff) {
    sections.push({
      kind: 'signoff_stale',
      key: state.key,
      signOff: stored.signOff,
      changeCount: recorded.changes.length,
      undocumented: recorded.changes.some((c) => c.reason === null),
    });
  }

  const labels: DeliverableIntent[] = [];
  if (event.labelled !== undefined) {
    const asked = askForCriteria(stored, state, event.labelled, stateNow(workflow));
    if (asked.template) sections.push({ kind: 'criteria_template', key: state.key });
    if (asked.label) labels.push({ kind: 'label', change: asked.label });
  }
  // Advice only when the criteria are new to Scopekeeper, so an unrelated update never repeats it.
  if (event.parseHints !== undefined && state.criteria.length > 0) {
    const isNew = stored === null || computeDigest(stored.criteria) !== computeDigest(state.criteria);
    const hints = isNew ? collectHints(state.criteria, event.parseHints ?? [], input.tagger) : [];
    if (hints.length > 0) sections.push({ kind: 'quality_hints', key: state.key, hints });
  }
  if (sections.length > 0) intents.push({ kind: 'comment', sections });
  intents.push(...labels);

  const outcome: DeliverableOutcome =
    closure?.outcome ?? (recorded.changes.length > 0 ? 'scope_changed' : changed || drafts.length > 0 ? 'recorded' : 'unchanged');
  const shadow = input.mode === 'shadow';
  return { outcome, state, changed, drafts, verdict: closure?.verdict ?? null, intents: shadow ? [] : intents, withheld: shadow ? intents : [] };
}

function decideRemoval(input: DeliverableEventInput, stored: DeliverableState | null): DeliverableDecision {
  if (!stored || !stored.inScope) return { outcome: 'ignored', state: stored, changed: false, drafts: [], verdict: null, intents: [], withheld: [] };
  const removal = recordDeliverableRemoval({
    previous: stored,
    baseline: input.baseline?.scopeId === stored.scopeId ? input.baseline : null,
    actor: input.actor ?? input.fallbackActor,
    now: input.now,
    source: input.source,
    // A platform cannot ask why: the change stays undocumented until someone attaches a reason.
    reason: null,
    newId: input.newId,
  });
  return { outcome: 'removed', state: removal.state, changed: true, drafts: removal.drafts, verdict: null, intents: [], withheld: [] };
}

interface ClosureDecision {
  outcome: DeliverableOutcome;
  verdict: ClosureVerdict;
  draft: HistoryDraft | null;
  revert: DeliverableIntent | null;
  section: EventCommentSection | null;
}

/** Null when the event is no closure: not into a done state, or from one done state to another. */
function decideClosure(input: DeliverableEventInput, state: DeliverableState, workflow: WorkflowObservation): ClosureDecision | null {
  const reading = input.policy;
  const isDone = (s: WorkflowState | null | undefined): boolean => s !== null && s !== undefined && isDoneUnder(reading, s);
  switch (workflow.kind) {
    case 'none':
      return null;
    case 'asked': {
      const closes = workflow.to === null || !reading.ok || isDone(workflow.to);
      if (!closes || (isDone(workflow.from) && isDone(workflow.to))) return null;
      const verdict = evaluateClosure({ state, policy: reading });
      return { outcome: verdict.allowed ? 'closure_allowed' : 'closure_refused', verdict, draft: null, revert: null, section: null };
    }
    case 'moved':
      if (!isDone(workflow.to) || isDone(workflow.from)) return null;
      return gate(input, state, workflow.to.name, workflow.revertTo, workflow.current === undefined ? true : isDone(workflow.current));
    case 'found': {
      if (!isDone(workflow.state)) return null;
      const last = workflow.lastClosure;
      // A closure that stood was recorded: the deliverable is taken to have stayed done since, so
      // standing in this (or another) done state is not a new closure.
      if (last && stood(last)) return null;
      if (last && last.data.toState === workflow.state.name && Date.parse(last.at) >= Date.parse(workflow.changedAt)) {
        // Refused, and the issue untouched since: its revert is on its way. Only this decision's
        // own record is acted on again (same ids), for a run that died after its commit.
        if (last.id !== input.closureId) return null;
        const again = gate(input, state, workflow.state.name, workflow.revertTo, true);
        return again.draft?.kind === 'closure_refused' ? { ...again, draft: null } : null;
      }
      return gate(input, state, workflow.state.name, workflow.revertTo, true);
    }
  }
}

/** The gate on a closure that happened: allowed, refused and moved back, or bypassed and recorded. */
function gate(input: DeliverableEventInput, state: DeliverableState, toState: string, revertTo: RevertTarget | null, stillDone: boolean): ClosureDecision {
  const verdict = evaluateClosure({ state, policy: input.policy });
  const base = { id: input.closureId ?? input.newId(), scopeId: state.scopeId, at: input.now, actor: input.actor, deliverableId: state.id };
  if (verdict.allowed) return { outcome: 'closure_allowed', verdict, draft: { ...base, kind: 'closure_allowed', data: { toState } }, revert: null, section: null };
  const bypassed = (): HistoryDraft => ({ ...base, kind: 'closure_bypassed', data: { toState, reasons: verdict.reasons, action: 'recorded' } });
  // Moved on meanwhile: it stood in done for a while, and there is nothing left to undo or say.
  if (!stillDone) return { outcome: 'closure_bypassed', verdict, draft: bypassed(), revert: null, section: null };
  const section: EventCommentSection = { kind: 'closure_refused', key: state.key, toState, reverted: revertTo !== null, revertTo: revertTo?.name ?? null, reasons: verdict.reasons };
  const revert: DeliverableIntent | null = revertTo ? { kind: 'revert', to: revertTo, fromState: toState } : null;
  if (input.mode === 'enforce' && revert) {
    return { outcome: 'closure_refused', verdict, draft: { ...base, kind: 'closure_refused', data: { toState, reasons: verdict.reasons } }, revert, section };
  }
  return { outcome: 'closure_bypassed', verdict, draft: bypassed(), revert, section };
}

/** A closure record whose closure stayed: allowed, or bypassed and recorded. */
function stood(record: ClosureRecord): boolean {
  return record.kind === 'closure_allowed' || (record.kind === 'closure_bypassed' && record.data.action === 'recorded');
}

function stateNow(workflow: WorkflowObservation): WorkflowState | null {
  switch (workflow.kind) {
    case 'none':
      return workflow.current;
    case 'moved':
      return workflow.to;
    case 'asked':
      return workflow.to;
    case 'found':
      return workflow.state;
  }
}

/**
 * No criteria: a template to copy once, and the label, unless the issue will not be delivered.
 * Without the label list, the label is added only when the issue just lost its criteria (or is
 * new), and removed only when it just gained them, so an unrelated update never flips it.
 */
function askForCriteria(
  stored: DeliverableState | null,
  state: DeliverableState,
  labelled: boolean | null,
  now: WorkflowState | null,
): { template: boolean; label: 'add' | 'remove' | null } {
  if (state.criteria.length > 0) {
    const remove = labelled === true || (labelled === null && stored !== null && stored.criteria.length === 0);
    return { template: false, label: remove ? 'remove' : null };
  }
  if (NOT_DELIVERED_TYPES.has(now?.type ?? '')) return { template: false, label: null };
  const add = labelled === false || (labelled === null && (stored === null || stored.criteria.length > 0));
  return { template: true, label: add ? 'add' : null };
}

function collectHints(criteria: readonly Criterion[], parseHints: readonly ParseHint[], tagger: Tagger): HintLine[] {
  const lines: HintLine[] = parseHints
    .filter((hint) => !SILENT_PARSE_HINTS.has(hint.code))
    .map((hint) => ({ criterionIndex: null, criterionText: null, message: hint.message }));
  for (const hint of findQualityHints(criteria, { tagger })) {
    lines.push({ criterionIndex: hint.criterionIndex, criterionText: criteria[hint.criterionIndex]?.text ?? null, message: hint.message });
  }
  return lines;
}

/** The stored state, without a sign-off the history does not back (when the history was read). */
function withBackedSignOff(stored: DeliverableState | null, history: readonly HistoryRecord[] | undefined): DeliverableState | null {
  if (!stored?.signOff || history === undefined) return stored;
  return isSignOffRecorded(stored.signOff, stored.id, history) ? stored : { ...stored, signOff: null };
}
