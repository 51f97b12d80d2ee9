import type { Actor, ClosurePolicy } from './schemas';

export type SignOffAuthority =
  | { ok: true; role: string }
  | { ok: false; code: 'NOT_AN_APPROVER' | 'SELF_SIGNOFF'; message: string };

/** The role recorded for someone who may sign off because they are listed by id or email, or because nobody is listed. */
export const LISTED_APPROVER_ROLE = 'approver';

const fold = (value: string): string => value.trim().toLowerCase();

/** A policy with no approver users and no approver roles leaves sign-off open to anyone. */
export function hasApproverLists(policy: Pick<ClosurePolicy, 'approverUserIds' | 'approverRoles'>): boolean {
  return policy.approverUserIds.length > 0 || policy.approverRoles.length > 0;
}

/** True when the actor is listed by id (exact) or email (case-insensitive, since mail systems treat it so). */
export function isListedApprover(actor: Actor, policy: Pick<ClosurePolicy, 'approverUserIds'>): boolean {
  const email = actor.email ? fold(actor.email) : null;
  return policy.approverUserIds.some((entry) => entry === actor.id || (email !== null && fold(entry) === email));
}

/** The policy's spelling of the first approver role among `roles`; role names compare case-insensitively. */
export function findApproverRole(roles: readonly string[], policy: Pick<ClosurePolicy, 'approverRoles'>): string | null {
  const held = new Set(roles.map(fold));
  return policy.approverRoles.find((role) => held.has(fold(role))) ?? null;
}

export function displayActor(actor: Actor): string {
  return actor.name?.trim() || actor.email?.trim() || actor.id;
}

/**
 * Decides whether `signer` may sign off a deliverable under `policy`.
 * A matching role wins over a listing by id/email because it says more about the sign-off.
 * Authority is checked before the self sign-off rule, so a non-approver assignee hears the more basic refusal.
 */
export function checkSignOffAuthority(input: {
  signer: Actor;
  roles: readonly string[];
  policy: ClosurePolicy;
  assigneeId: string | null;
}): SignOffAuthority {
  const { signer, roles, policy, assigneeId } = input;
  let role: string | null;
  if (!hasApproverLists(policy)) {
    role = LISTED_APPROVER_ROLE;
  } else {
    role = findApproverRole(roles, policy) ?? (isListedApprover(signer, policy) ? LISTED_APPROVER_ROLE : null);
  }
  if (role === null) {
    return {
      ok: false,
      code: 'NOT_AN_APPROVER',
      message: `${displayActor(signer)} is not an approver for this scope. ${describeApprovers(policy)}`,
    };
  }
  if (policy.forbidSelfSignOff && assigneeId !== null && assigneeId === signer.id) {
    return {
      ok: false,
      code: 'SELF_SIGNOFF',
      message: `${displayActor(signer)} is the assignee of this deliverable, and this scope requires someone other than the assignee to sign off.`,
    };
  }
  return { ok: true, role };
}

function describeApprovers(policy: ClosurePolicy): string {
  const parts: string[] = [];
  if (policy.approverRoles.length > 0) parts.push(`people with the role ${policy.approverRoles.map((r) => `“${r}”`).join(' or ')}`);
  if (policy.approverUserIds.length > 0) parts.push(`${policy.approverUserIds.length} named ${policy.approverUserIds.length === 1 ? 'person' : 'people'}`);
  return `Sign-off is limited to ${parts.join(' and ')}.`;
}
