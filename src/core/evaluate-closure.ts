import { displayActor, findApproverRole, hasApproverLists, isListedApprover } from './check-sign-off-authority';
import { normaliseText } from './normalise-text';
import { isSignOffStale } from './is-sign-off-stale';
import type { PolicyReading } from './read-closure-policy';
import { closurePolicySchema, type ClosurePolicy, type ClosureReason, type Criterion, type DeliverableState, type SignOff } from './schemas';

export type ClosureVerdict = { allowed: true; reasons: [] } | { allowed: false; reasons: ClosureReason[] };

/** The conditions every policy has (criteria, a sign-off that is not stale), judged when the policy itself is unreadable. */
const BASELINE_POLICY: ClosurePolicy = closurePolicySchema.parse({});
const MAX_QUOTED_ERRORS = 3;

/** Unmet criteria quoted in one message; past this the message says "and N more" so it stays readable. */
const MAX_QUOTED = 10;
const MAX_QUOTE_CHARS = 80;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The closure gate. Checks every condition and never stops at the first, so a refusal tells
 * the product owner everything that must happen before the deliverable can close.
 * Default policy: at least one criterion, and a sign-off that is not stale. Policy options add:
 * every criterion met, no self sign-off by the assignee, the signer still an approver.
 * A policy that could not be read (a PolicyReading that is not ok) refuses with
 * SETTINGS_UNREADABLE, naming the fault, beside whatever else is missing.
 */
export function evaluateClosure(input: { state: DeliverableState; policy: ClosurePolicy | PolicyReading }): ClosureVerdict {
  const { state } = input;
  const reading: PolicyReading = 'ok' in input.policy ? input.policy : { ok: true, value: input.policy };
  const reasons: ClosureReason[] = [];
  if (!reading.ok) reasons.push({ code: 'SETTINGS_UNREADABLE', message: describeUnreadablePolicy(reading.errors, reading.remedy) });
  const policy = reading.ok ? reading.value : BASELINE_POLICY;
  const { criteria, signOff } = state;

  if (criteria.length === 0) {
    reasons.push({
      code: 'NO_CRITERIA',
      message: 'This deliverable has no acceptance criteria. Add at least one testable criterion, then ask an approver to sign it off.',
    });
  }

  if (!signOff) {
    reasons.push({ code: 'NO_SIGNOFF', message: 'Nobody has signed off the acceptance criteria yet. Ask an approver to sign off.' });
  } else {
    const who = displayActor(signOff.signer);
    if (isSignOffStale(signOff, criteria)) {
      reasons.push({
        code: 'SIGNOFF_STALE',
        message: `The sign-off by ${who} on ${formatDay(signOff.at)} no longer counts: the acceptance criteria changed after it was given. Ask an approver to sign off again.`,
      });
    }
    if (policy.forbidSelfSignOff && state.assigneeId !== null && signOff.signer.id === state.assigneeId) {
      reasons.push({
        code: 'SELF_SIGNOFF',
        message: `${who} signed off their own work: they are the assignee, and this scope requires someone other than the assignee to sign off. Ask another approver to sign off.`,
      });
    }
    if (!isStillApprover(signOff, policy)) {
      reasons.push({
        code: 'SIGNER_NOT_AUTHORISED',
        message: `${who} signed off as “${signOff.role}”, but is not an approver for this scope under its current rules. Ask a current approver to sign off.`,
      });
    }
  }

  if (policy.requireAllMet && criteria.length > 0) {
    const unmet = criteria.filter((c) => !c.met);
    if (unmet.length > 0) reasons.push({ code: 'CRITERIA_NOT_MET', message: describeUnmet(unmet, criteria.length) });
  }

  return reasons.length === 0 ? { allowed: true, reasons: [] } : { allowed: false, reasons };
}

function describeUnreadablePolicy(errors: readonly string[], remedy: string | undefined): string {
  const shown = errors.slice(0, MAX_QUOTED_ERRORS).join('; ');
  const more = errors.length > MAX_QUOTED_ERRORS ? `; and ${errors.length - MAX_QUOTED_ERRORS} more` : '';
  return (
    `Scopekeeper cannot read this scope's settings (${shown}${more}), so it cannot tell who may sign off, and nothing can close until they are fixed.` +
    (remedy ? ` ${remedy}` : '')
  );
}

/** "Ready to close", or the unmet conditions as plain-text lines. */
export function describeVerdict(verdict: ClosureVerdict): string {
  if (verdict.allowed) return 'Ready to close';
  return ['Not ready to close:', ...verdict.reasons.map((r) => `- ${r.message}`)].join('\n');
}

/**
 * The signer must still qualify today: approver lists change, and a sign-off given under old
 * rules should not carry a deliverable over the line. With no lists, anyone may sign off.
 * A sign-off records its role, not the signer's other roles, so that role is what is checked.
 */
function isStillApprover(signOff: SignOff, policy: ClosurePolicy): boolean {
  if (!hasApproverLists(policy)) return true;
  return isListedApprover(signOff.signer, policy) || findApproverRole([signOff.role], policy) !== null;
}

function describeUnmet(unmet: readonly Criterion[], total: number): string {
  const quoted = unmet.slice(0, MAX_QUOTED).map((c) => `“${shorten(normaliseText(c.text))}”`);
  const more = unmet.length > MAX_QUOTED ? ` and ${unmet.length - MAX_QUOTED} more` : '';
  const verb = unmet.length === 1 ? 'is' : 'are';
  const noun = total === 1 ? 'acceptance criterion' : 'acceptance criteria';
  return `${unmet.length} of ${total} ${noun} ${verb} not marked met: ${quoted.join(', ')}${more}.`;
}

function shorten(text: string): string {
  return text.length <= MAX_QUOTE_CHARS ? text : `${text.slice(0, MAX_QUOTE_CHARS - 1).trimEnd()}…`;
}

/**
 * "3 Nov 2026", read from the ISO text itself: the date as the signer's clock showed it,
 * independent of the server's time zone and locale data.
 */
export function formatDay(iso: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  const month = match ? MONTHS[Number(match[2]) - 1] : undefined;
  if (!match || !month) return iso;
  return `${Number(match[3])} ${month} ${match[1]}`;
}
