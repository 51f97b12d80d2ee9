import { displayActor, hasApproverLists } from '../../src/core/check-sign-off-authority';
import { evaluateClosure, formatDay } from '../../src/core/evaluate-closure';
import type { QualityHint } from '../../src/core/find-quality-hints';
import { isSignOffStale } from '../../src/core/is-sign-off-stale';
import { normaliseText } from '../../src/core/normalise-text';
import type { ParseHint, ParseHintCode } from '../../src/core/parse-criteria';
import type { PolicyReading } from '../../src/core/read-closure-policy';
import type { Baseline, ClosureReason, DeliverableState, DiffPart, ScopeChange } from '../../src/core/schemas';

// The one living status comment of a Linear issue (docs/adr/0010-status-comment.md): everything
// a product owner needs to know about the issue now, in plain words. It is rendered from the
// stored state alone, so the same state always renders the same text and an update is sent only
// when the text changes.

export interface StatusInput {
  state: DeliverableState;
  /** The active baseline of the issue's scope, or null before the first one. */
  baseline: Baseline | null;
  policy: PolicyReading;
  /** Changes after the baseline nobody has given a reason for yet, oldest first. */
  undocumented: readonly ScopeChange[];
  /** What reading the description noticed (an unreadable description); empty when not read. */
  parseHints: readonly ParseHint[];
  /** The quality hints of `state.criteria` under the team's vocabulary (cache-quality-hints). */
  hints: readonly QualityHint[];
}

const MAX_HINTS = 10;
const MAX_CHANGES = 10;
const QUOTE_CHARS = 80;
// Parse hints about the section's shape are covered by the template; the rest are said.
const SILENT_PARSE_HINTS = new Set<ParseHintCode>(['NOT_TEXT', 'NO_SECTION', 'EMPTY_SECTION']);

export const REASON_COMMAND_EXAMPLE = '/scope-reason The client asked for this in the 12 May call';

/** The status comment's markdown. */
export function renderStatusComment(input: StatusInput): string {
  const { state } = input;
  const blocks = [
    `**Scopekeeper: where ${state.key} stands**`,
    renderCriteria(input),
    renderBaseline(input),
    renderUndocumented(input),
    renderSignOff(input),
    renderClosure(input),
    renderHints(input),
    '_Scopekeeper keeps this comment up to date. Commands, each on its own line: `/signoff`, `/revoke-signoff`, `/scope-reason` followed by why the scope changed, `/baseline` followed by a name._',
  ];
  return blocks.filter((b): b is string => b !== null).join('\n\n');
}

function renderCriteria({ state, parseHints }: StatusInput): string {
  const unreadable = parseHints.filter((h) => !SILENT_PARSE_HINTS.has(h.code)).map((h) => `- ${h.message}`);
  const note = unreadable.length > 0 ? `\n\nThe description could not be read this time, so the criteria below are the last ones read:\n${unreadable.join('\n')}` : '';
  const count = state.criteria.length;
  if (count === 0) {
    return (
      `**Acceptance criteria:** none yet, so nobody can sign ${state.key} off or close it. Add a section like this to the description and make it yours:\n\n` +
      '```markdown\n## Acceptance criteria\n- [ ] Given a signed-in customer, when they open Invoices, then they see their open invoices, newest first\n- [ ] Paying an invoice shows a receipt within 5 seconds\n```\n\n' +
      'One list item per criterion, each one something a person can check.' +
      note
    );
  }
  const met = state.criteria.filter((c) => c.met).length;
  const metWords = met === 0 ? 'none marked met yet' : met === count ? 'all marked met' : `${met} marked met`;
  return `**Acceptance criteria:** ${count} in the description, ${metWords}.${note}`;
}

function renderBaseline({ state, baseline }: StatusInput): string | null {
  if (!baseline) return null;
  const approved = `approved by ${displayActor(baseline.approvedBy)} on ${formatDay(baseline.createdAt)}`;
  const inBaseline = baseline.deliverables.some((d) => d.id === state.id);
  return inBaseline
    ? `**Baseline:** part of “${escapeText(baseline.name)}” (${approved}). Every change to these criteria from now on is a change of scope.`
    : `**Baseline:** added to the scope after “${escapeText(baseline.name)}” (${approved}), so this whole issue is a scope addition.`;
}

function renderUndocumented({ undocumented }: StatusInput): string | null {
  if (undocumented.length === 0) return null;
  const lines = undocumented.slice(0, MAX_CHANGES).map((change) => `- ${describeChange(change)}`);
  const more = undocumented.length - lines.length;
  if (more > 0) lines.push(`- …and ${more} more.`);
  const noun = undocumented.length === 1 ? 'change is' : `${undocumented.length} changes are`;
  return [
    `**Waiting for a reason:** this ${noun} not explained yet.`,
    ...lines,
    '',
    'To say why, comment on this issue, for example:',
    '',
    '```',
    REASON_COMMAND_EXAMPLE,
    '```',
  ].join('\n');
}

function describeChange(change: ScopeChange): string {
  const at = change.toIndex ?? change.fromIndex;
  const which = at === null ? 'A criterion' : `Criterion ${at + 1}`;
  switch (change.kind) {
    case 'criterion_modified':
      // "Changed", not "reworded": without ids, pairing the old text with the new is the matcher's
      // judgement, wrong for some replacements (ADR 0023); the word diff shows what changed either way.
      return `${which} changed: ${change.diff ? renderDiff(change.diff) : `${quote(change.before)} became ${quote(change.after)}`}`;
    case 'criterion_added':
      return `${which} was added: ${quote(change.after)}`;
    case 'criterion_removed':
      return `A criterion was removed: ${quote(change.before)}`;
    case 'criterion_moved':
      return `${quote(change.after)} moved to position ${(change.toIndex ?? 0) + 1}`;
    case 'deliverable_added':
      return `${change.deliverableKey} was added to the scope after the baseline.`;
    case 'deliverable_removed':
      return `${change.deliverableKey} was removed from the scope.`;
  }
}

/** A word diff as a reader sees it: removed words struck through, added words in bold. */
function renderDiff(parts: readonly DiffPart[]): string {
  const text = parts
    .map((part) => {
      const value = escapeText(part.value.replace(/\s+/g, ' '));
      if (value.trim() === '') return value;
      const lead = value.match(/^\s*/)?.[0] ?? '';
      const tail = value.match(/\s*$/)?.[0] ?? '';
      const core = value.trim();
      if (part.removed) return `${lead}~~${core}~~${tail}`;
      if (part.added) return `${lead}**${core}**${tail}`;
      return value;
    })
    .join('');
  return `“${text.trim()}”`;
}

function renderSignOff({ state, policy }: StatusInput): string {
  const signOff = state.signOff;
  const who = describeApprovers(policy);
  if (!signOff) return `**Sign-off:** none yet. ${who} An approver signs off by commenting \`/signoff\`.`;
  const by = `${displayActor(signOff.signer)} on ${formatDay(signOff.at)}`;
  if (isSignOffStale(signOff, state.criteria)) {
    return `**Sign-off:** the one by ${by} no longer counts, because the criteria changed after it was given. ${who} An approver checks the criteria as they stand now and comments \`/signoff\` again.`;
  }
  const note = signOff.note ? ` Note: “${escapeText(signOff.note)}”.` : '';
  return `**Sign-off:** by ${by}, for the criteria exactly as they stand now.${note}`;
}

function renderClosure({ state, policy }: StatusInput): string {
  const verdict = evaluateClosure({ state, policy });
  if (verdict.allowed) return `**May it close?** Yes: moving ${state.key} to a done state is allowed.`;
  return [`**May it close?** Not yet. Before ${state.key} can move to a done state:`, ...verdict.reasons.map((r) => `- ${describeReason(r, state)}`)].join('\n');
}

/** The gate's reasons in Linear's words; the core's messages are shared with Jira. */
function describeReason(reason: ClosureReason, state: DeliverableState): string {
  const who = state.signOff ? displayActor(state.signOff.signer) : 'the signer';
  switch (reason.code) {
    case 'NO_CRITERIA':
      return 'Add at least one acceptance criterion to the description.';
    case 'NO_SIGNOFF':
      return 'An approver signs off the criteria.';
    case 'SIGNOFF_STALE':
      return 'An approver signs off the criteria again, as they stand now.';
    case 'SELF_SIGNOFF':
      return `Someone other than the assignee signs off: ${who} is assigned to ${state.key}.`;
    case 'SIGNER_NOT_AUTHORISED':
      return `A current approver signs off: ${who} is no longer one.`;
    case 'CRITERIA_NOT_MET':
    case 'SETTINGS_UNREADABLE':
      return reason.message;
  }
}

/** Who may sign off, named, so nobody has to guess whom to ask. */
export function describeApprovers(policy: PolicyReading): string {
  if (!policy.ok) return 'Nobody can sign off until the settings are fixed.';
  const { approverUserIds, approverRoles } = policy.value;
  if (!hasApproverLists(policy.value)) return 'Anyone in the workspace may sign off.';
  const parts = [...approverUserIds.map((entry) => escapeText(entry)), ...approverRoles.map((role) => `anyone with the role “${escapeText(role)}”`)];
  return `Who may sign off: ${listWords(parts)}.`;
}

function renderHints({ state, hints }: StatusInput): string | null {
  if (state.criteria.length === 0 || hints.length === 0) return null;
  // Messages quote the criteria's own words, so they are escaped like any user text.
  const lines = hints.slice(0, MAX_HINTS).map((hint) => `- Criterion ${hint.criterionIndex + 1} (${quote(state.criteria[hint.criterionIndex]?.text ?? '')}): ${escapeText(hint.message)}`);
  if (hints.length > lines.length) lines.push(`- …and ${hints.length - lines.length} more.`);
  return ['**Suggestions for the criteria** (advice only; nothing is blocked):', ...lines].join('\n');
}

function quote(text: string | null): string {
  const flat = normaliseText(text ?? '');
  const short = flat.length <= QUOTE_CHARS ? flat : `${flat.slice(0, QUOTE_CHARS - 1).trimEnd()}…`;
  return `“${escapeText(short)}”`;
}

/** User text inside Scopekeeper's markdown: characters that would change its formatting are escaped. */
export function escapeText(text: string): string {
  return text.replace(/([\\`*_~[\]<>|#])/g, '\\$1');
}

/** "a", "a and b", "a, b and c". */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] as string}`;
}
