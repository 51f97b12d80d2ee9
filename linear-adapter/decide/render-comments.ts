import { displayActor } from '../../src/core/check-sign-off-authority';
import type { EventCommentSection } from '../../src/core/decide-deliverable-event';
import type { Actor } from '../../src/core/schemas';
import type { CommandName } from './parse-commands';
import { escapeText } from './render-status-comment';


// Every reply Scopekeeper writes into Linear, in a product owner's words. Replies answer
// commands and closures that did not stand; everything else is in the issue's status comment
// (render-status-comment.ts), which the replies point at.

/** The core's closure section, and the replies to one comment's commands. */
export type CommentSection =
  /** `revertRefused`: the text for when Linear refused the revert (sent instead, by the outbox). */
  | (Extract<EventCommentSection, { kind: 'closure_refused' }> & { revertRefused?: boolean })
  | { kind: 'command_replies'; replies: CommandReply[] };

/** `command`: the name as written, for an unknown one. */
export type CommandReply = { command: string } & (
  | { kind: 'signoff_recorded'; signer: Actor; digest: string; criterionCount: number; note: string | null }
  /** `emailUnknown`: approvers are listed by email and Linear did not tell Scopekeeper this author's. */
  | { kind: 'signoff_refused'; signer: Actor; message: string; emailUnknown: boolean }
  | { kind: 'signoff_revoked'; actor: Actor; signer: Actor; reopen: ReopenOutcome }
  | { kind: 'revoke_refused'; message: string }
  /** `key`: the issue named in `/scope-reason ENG-12: …`, when it is another issue. */
  | { kind: 'reason_attached'; changeCount: number; key: string | null }
  | { kind: 'reason_target_unknown'; key: string }
  | { kind: 'unknown_command'; written: string; suggestion: CommandName | null }
  | { kind: 'not_at_line_start'; command: CommandName }
  | { kind: 'nothing_to_document'; key: string }
  | { kind: 'baseline_created'; name: string; version: string; deliverableCount: number; criterionCount: number }
  /** `message`: the core's explanation, or for ONE_PER_COMMENT the name of the baseline already recorded. */
  | { kind: 'baseline_refused'; code: 'NOT_AN_APPROVER' | 'ONE_PER_COMMENT' | 'EMPTY_NAME' | 'DUPLICATE_NAME'; message: string }
  | { kind: 'missing_text' }
  /** Not stored and not readable from Linear (no API key, or Linear did not return it). */
  | { kind: 'issue_unknown' }
);

/** What `/revoke-signoff` did to an issue in a done state (decided by the core's closure gate). */
export type ReopenOutcome = { kind: 'not_done' } | { kind: 'reopened'; toState: string } | { kind: 'recorded'; state: string };

/** Sections in reading order: what happened to the issue first. */
const ORDER: Record<CommentSection['kind'], number> = {
  command_replies: 0,
  closure_refused: 1,
};

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
    case 'command_replies':
      return renderReplies(section.replies);
  }
}

/** Short: what is missing is listed in the status comment, which is up to date. */
function renderClosureRefused(section: Extract<CommentSection, { kind: 'closure_refused' }>): string {
  const count = section.reasons.length === 1 ? 'One condition is' : `${section.reasons.length} conditions are`;
  const headline = section.revertRefused
    ? `**${section.key} cannot be in ${section.toState} yet. Scopekeeper tried to move it back, but Linear refused the change, so it is still in ${section.toState}.**`
    : section.reverted
      ? `**${section.key} cannot move to ${section.toState} yet, so Scopekeeper moved it back${section.revertTo ? ` to ${section.revertTo}` : ''}.**`
      : `**${section.key} was closed before it was ready.** It stays in ${section.toState}, and the closure is recorded.`;
  return `${headline} ${count} not met yet; Scopekeeper’s status comment on this issue lists what is missing.`;
}

function renderReplies(replies: readonly CommandReply[]): string {
  if (replies.length === 1) return renderReply(replies[0] as CommandReply);
  return replies.map((reply) => `- \`/${reply.command}\`: ${renderReply(reply)}`).join('\n');
}

function renderReply(reply: CommandReply): string {
  switch (reply.kind) {
    case 'signoff_recorded': {
      const count = `${reply.criterionCount} acceptance ${reply.criterionCount === 1 ? 'criterion' : 'criteria'}`;
      const note = reply.note ? ` Note: “${escapeText(reply.note)}”.` : '';
      return `Signed off by ${displayActor(reply.signer)}: ${count} as they stand now.${note} If the criteria change, a new sign-off is needed before the issue can close.`;
    }
    case 'signoff_refused': {
      const email = reply.emailUnknown ? ' (Scopekeeper could not read your email address from Linear, so an approver listed by email was not recognised.)' : '';
      return `Sorry ${displayActor(reply.signer)}, this sign-off was not recorded. ${reply.message}${email}`;
    }
    case 'signoff_revoked': {
      const who =
        reply.actor.id === reply.signer.id
          ? `${displayActor(reply.actor)} withdrew their sign-off.`
          : `${displayActor(reply.actor)} withdrew the sign-off by ${displayActor(reply.signer)}.`;
      return `${who} ${describeReopen(reply.reopen)}`;
    }
    case 'revoke_refused':
      return `Nothing was withdrawn. ${reply.message}`;
    case 'reason_attached': {
      const what = reply.changeCount === 1 ? 'the change' : `the ${reply.changeCount} changes`;
      const where = reply.key ? ` to ${reply.key}` : '';
      return `Thanks, the reason is now attached to ${what}${where}.`;
    }
    case 'nothing_to_document':
      return `${reply.key} has no change waiting for a reason, so there is nothing to attach this one to.`;
    case 'reason_target_unknown':
      return `Scopekeeper knows no issue ${reply.key} in this team, so the reason was not attached. Check the issue key, for example \`/scope-reason ENG-12: why it changed\`.`;
    case 'baseline_created':
      return (
        `Baseline “${escapeText(reply.name)}” recorded: ${reply.deliverableCount} ${reply.deliverableCount === 1 ? 'issue' : 'issues'} ` +
        `with ${reply.criterionCount} acceptance ${reply.criterionCount === 1 ? 'criterion' : 'criteria'}. From now on every change to their criteria is a change of scope, and Scopekeeper asks for a reason.`
      );
    case 'baseline_refused':
      if (reply.code === 'ONE_PER_COMMENT') return `No second baseline was recorded: this comment already recorded “${escapeText(reply.message)}”. One baseline per comment.`;
      if (reply.code === 'NOT_AN_APPROVER') return `No baseline was recorded. Only an approver can record a baseline. ${reply.message}`;
      return `No baseline was recorded. ${reply.message}`;
    case 'missing_text':
      return reply.command === 'baseline'
        ? 'Add the baseline’s name after the command, for example `/baseline SRS v1.0`.'
        : 'Add why the scope changed after the command, for example `/scope-reason The client asked for PDF export in the 12 May call`.';
    case 'issue_unknown':
      return 'Scopekeeper has not seen this issue yet and cannot read it from Linear right now. Edit the issue once (any change), then repeat the command.';
    case 'unknown_command':
      return reply.suggestion
        ? `Scopekeeper has no command \`/${escapeCode(reply.written)}\`. Did you mean \`/${reply.suggestion}\`? Write it again on a line of its own.`
        : `Scopekeeper has no command \`/${escapeCode(reply.written)}\`. Its commands are \`/signoff\`, \`/revoke-signoff\`, \`/scope-reason\` and \`/baseline\`.`;
    case 'not_at_line_start':
      return `Scopekeeper did not run \`/${reply.command}\`: a command must start its own line. Write it again on a new line, for example:\n\n\`\`\`\n/${reply.command}${reply.command === 'scope-reason' ? ' The client asked for this' : ''}\n\`\`\``;
  }
}

/** What withdrawing a sign-off did to the issue's state. */
function describeReopen(reopen: ReopenOutcome): string {
  switch (reopen.kind) {
    case 'not_done':
      return 'The issue needs a new sign-off before it can close.';
    case 'reopened':
      return `The issue was done, so Scopekeeper moved it back to ${reopen.toState}; it needs a new sign-off before it can close again.`;
    case 'recorded':
      return `The issue stays in ${reopen.state}: Scopekeeper only records this (it cannot move the issue back here), and it needs a new sign-off.`;
  }
}

/** Backticks would end the code span. */
function escapeCode(text: string): string {
  return text.replace(/`/g, '');
}
