import { checkSignOffAuthority, displayActor, hasApproverLists } from './check-sign-off-authority';
import type { PolicyReading } from './read-closure-policy';
import type { Actor, ClosurePolicy } from './schemas';

export type BaselineAuthority = { ok: true } | { ok: false; code: 'NOT_AN_APPROVER' | 'SETTINGS_UNREADABLE'; message: string };

/**
 * Who may take a baseline, on every platform: whoever may sign off (an approver by role or by
 * listing); when the scope lists no approvers, only its administrator. A baseline fixes what
 * every later change is measured against, so "anyone" is never the answer, and settings that
 * cannot be read let nobody take one. Who administers a scope is the platform's to say: a Jira
 * project admin; on Linear, a workspace admin (`User.admin`, read from Linear).
 */
export function checkBaselineAuthority(input: {
  actor: Actor;
  roles: readonly string[];
  policy: ClosurePolicy | PolicyReading;
  isAdministrator: boolean;
}): BaselineAuthority {
  const reading: PolicyReading = 'ok' in input.policy ? input.policy : { ok: true, value: input.policy };
  if (!reading.ok) {
    return { ok: false, code: 'SETTINGS_UNREADABLE', message: `Scopekeeper cannot read this scope's settings (${reading.errors.join('; ')}), so it cannot tell who may record a baseline.` };
  }
  const policy = reading.value;
  if (!hasApproverLists(policy)) {
    if (input.isAdministrator) return { ok: true };
    return { ok: false, code: 'NOT_AN_APPROVER', message: `No approvers are set for this scope, so only an administrator can record a baseline, and ${displayActor(input.actor)} is not one.` };
  }
  const authority = checkSignOffAuthority({ signer: input.actor, roles: input.roles, policy, assigneeId: null });
  return authority.ok ? { ok: true } : { ok: false, code: 'NOT_AN_APPROVER', message: authority.message };
}
