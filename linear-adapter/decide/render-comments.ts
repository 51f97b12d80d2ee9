import { displayActor } from '../../src/core/check-sign-off-authority';
import { normaliseText } from '../../src/core/normalise-text';
import { formatDay } from '../../src/core/evaluate-closure';
import type { EventCommentSection } from '../../src/core/decide-deliverable-event';
import type { Actor } from '../../src/core/schemas';
import type { CommandName } from './parse-commands';

export type { HintLine } from '../../src/core/decide-deliverable-event';

// Every text Scopekeeper writes into Linear, in a product owner's words. One delivery yields at
// most one comment: the decide functions collect sections and this file renders them together.

/** The core's sections for an issue event (the template names Linear's label), and the replies to commands. */
export type CommentSection =
  | Exclude<EventCommentSection, { kind: 'criteria_template' | 'closure_refused' }>
  /** `revertRefused`: the text for when Linear refused the revert (sent instead, by the outbox). */
  | (Extract<EventCommentSection, { kind: 'closure_refused' }> & { revertRefused?: boolean })
  | { kind: 'criteria_template'; key: string; labelName: string }
  | { kind: 'command_replies'; replies: CommandReply[] };

export type CommandReply = { command: CommandName } & (
  | { kind: 'signoff_recorded'; signer: Actor; digest: string; criterionCount: number; note: string | null }
  /** `emailUnknown`: approvers are listed by email and Linear did not tell Scopekeeper this author's. */
  | { kind: 'signoff_refused'; signer: Actor; message: string; emailUnknown: boolean }
  | { kind: 'signoff_revoked'; actor: Actor; signer: Actor }
  | { kind: 'revoke_refused'; message: string }
  | { kind: 'reason_attached'; versions: string[]; changeCount: number }
  | { kind: 'nothing_to_document'; key: string }
  | { kind: 'baseline_created'; name: string; version: string; deliverableCount: number; criterionCount: number }
  /** `message`: the core's explanation, or for ONE_PER_COMMENT the name of the baseline already recorded. */
  | { kind: 'baseline_refused'; code: 'NOT_AN_APPROVER' | 'ONE_PER_COMMENT' | 'EMPTY_NAME' | 'DUPLICATE_NAME'; message: string }
  | { kind: 'missing_text' }
  /** Not stored and not readable from Linear (no API key, or Linear did not return it). */
  | { kind: 'issue_unknown' }
);

/** Sections in reading order: what happened to the issue first, advice last. */
const ORDER: Record<CommentSection['kind'], number> = {
  command_replies: 0,
  closure_refused: 1,
  signoff_stale: 2,
  criteria_template: 3,
  quality_hints: 4,
};

const MAX_HINTS = 10;
const QUOTE_CHARS = 60;

/** One comment from its sections, or null when there is nothing to say. */
export function renderComments(sections: readonly CommentSection[]): string | null {
  if (sections.length === 0) return null;
  const ordered = [...sections].sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
  return ordered.map(renderSection).join('\n\n');
}

function renderSection(section: CommentSection): string {
  switch (section.kind) {
    case 'closure_refused':
      return renderClosureRefused(section);
    case 'signoff_stale':
      return renderStaleSignOff(section);
    case 'criteria_template':
      return renderTemplate(section);
    case 'quality_hints':
      return renderHints(section);
    case 'command_replies':
      return renderReplies(section.replies);
  }
}

function renderClosureRefused(section: Extract<CommentSection, { kind: 'closure_refused' }>): string {
  const headline = section.revertRefused
    ? `**${section.key} cannot be in ${section.toState} yet. Scopekeeper tried to move it back, but Linear refused the change, so it is still in ${section.toState}.** Before it can close:`
    : section.reverted
      ? `**${section.key} cannot move to ${section.toState} yet, so Scopekeeper moved it back.** Before it can close:`
      : `**${section.key} cannot close yet.** Before it can close:`;
  return [headline, ...section.reasons.map((r) => `- [ ] ${r.message}`)].join('\n');
}

function renderStaleSignOff(section: Extract<CommentSection, { kind: 'signoff_stale' }>): string {
  const { signOff } = section;
  const changes =
    section.changeCount > 0 ? ` (${section.changeCount} ${section.changeCount === 1 ? 'change' : 'changes'} recorded)` : '';
  const lines = [
    `**The sign-off by ${displayActor(signOff.signer)} on ${formatDay(signOff.at)} no longer counts:** the acceptance criteria of ${section.key} changed after it was given${changes}. ` +
      'An approver can check the criteria as they stand now and comment `/signoff` again.',
  ];
  if (section.undocumented) {
    lines.push('The change is recorded without a reason. To document why the scope changed, comment `/scope-reason` followed by the reason.');
  }
  return lines.join('\n\n');
}

function renderTemplate(section: Extract<CommentSection, { kind: 'criteria_template' }>): string {
  return [
    `**${section.key} has no acceptance criteria yet,** so nobody can sign it off or close it. Add a section like this to the description and make it yours:`,
    '',
    '```markdown',
    '## Acceptance criteria',
    '- [ ] Given a signed-in customer, when they open Invoices, then they see their open invoices, newest first',
    '- [ ] Paying an invoice shows a receipt within 5 seconds',
    '```',
    '',
    `One list item per criterion, each one something a person can check. The label “${section.labelName}” goes once there is at least one.`,
  ].join('\n');
}

function renderHints(section: Extract<CommentSection, { kind: 'quality_hints' }>): string {
  const shown = section.hints.slice(0, MAX_HINTS).map((hint) => {
    if (hint.criterionIndex === null) return `- ${hint.message}`;
    const quote = hint.criterionText === null ? '' : ` (“${shorten(hint.criterionText)}”)`;
    return `- Criterion ${hint.criterionIndex + 1}${quote}: ${hint.message}`;
  });
  const more = section.hints.length - shown.length;
  if (more > 0) shown.push(`- …and ${more} more.`);
  return [`**Suggestions for the acceptance criteria of ${section.key}** (advice only; nothing is blocked):`, ...shown].join('\n');
}

function renderReplies(replies: readonly CommandReply[]): string {
  if (replies.length === 1) return renderReply(replies[0] as CommandReply);
  return replies.map((reply) => `- \`/${reply.command}\`: ${renderReply(reply)}`).join('\n');
}

function renderReply(reply: CommandReply): string {
  switch (reply.kind) {
    case 'signoff_recorded': {
      const count = `${reply.criterionCount} acceptance ${reply.criterionCount === 1 ? 'criterion' : 'criteria'}`;
      const note = reply.note ? ` Note: “${reply.note}”.` : '';
      return (
        `Signed off by ${displayActor(reply.signer)}: ${count} as they stand now (digest \`${shortDigest(reply.digest)}\`).${note} ` +
        'Any later change to the criteria makes this sign-off stale.'
      );
    }
    case 'signoff_refused': {
      const email = reply.emailUnknown ? ' (Scopekeeper could not read your email address from Linear, so an approver listed by email was not recognised.)' : '';
      return `Sorry ${displayActor(reply.signer)}, this sign-off was not recorded. ${reply.message}${email} The attempt is noted in the history.`;
    }
    case 'signoff_revoked':
      return reply.actor.id === reply.signer.id
        ? `${displayActor(reply.actor)} withdrew their sign-off. The issue needs a new sign-off before it can close.`
        : `${displayActor(reply.actor)} revoked the sign-off by ${displayActor(reply.signer)}. The issue needs a new sign-off before it can close.`;
    case 'revoke_refused':
      return `Nothing was revoked. ${reply.message}`;
    case 'reason_attached': {
      const what = reply.changeCount === 1 ? 'the change' : `the ${reply.changeCount} changes`;
      return `Thanks, the reason is now attached to ${what} in scope ${reply.versions.length === 1 ? 'version' : 'versions'} ${listWords(reply.versions)}.`;
    }
    case 'nothing_to_document':
      return `${reply.key} has no undocumented scope change, so there is nothing to attach this reason to.`;
    case 'baseline_created':
      return (
        `Baseline “${reply.name}” recorded as scope version ${reply.version}: ${reply.deliverableCount} ${reply.deliverableCount === 1 ? 'issue' : 'issues'} ` +
        `with ${reply.criterionCount} acceptance ${reply.criterionCount === 1 ? 'criterion' : 'criteria'}. From now on every change to their criteria is a scope change.`
      );
    case 'baseline_refused':
      if (reply.code === 'ONE_PER_COMMENT') return `No second baseline was recorded: this comment already recorded “${reply.message}”. One baseline per comment.`;
      if (reply.code === 'NOT_AN_APPROVER') return `No baseline was recorded. Only an approver can record a baseline. ${reply.message}`;
      return `No baseline was recorded. ${reply.message}`;
    case 'missing_text':
      return reply.command === 'baseline'
        ? 'Add the baseline’s name after the command, for example `/baseline SRS v1.0`.'
        : 'Add why the scope changed after the command, for example `/scope-reason The client asked for PDF export in the 12 May call`.';
    case 'issue_unknown':
      return 'Scopekeeper has not seen this issue yet and cannot read it from Linear right now. Edit the issue once (any change), then repeat the command.';
  }
}

function shortDigest(digest: string): string {
  return digest.slice(0, 8);
}

function shorten(text: string): string {
  const flat = normaliseText(text);
  return flat.length <= QUOTE_CHARS ? flat : `${flat.slice(0, QUOTE_CHARS - 1).trimEnd()}…`;
}

/** "1.1", "1.1 and 1.2", "1.1, 1.2 and 1.3". */
function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] as string}`;
}
