import { freshPayload } from './ingress/ingress-harness';

// What the tests that run the whole service against the Linear stand-in share: one team, its
// states and people, Issue payloads as Linear sends them, and a bounded wait for an effect.

export const TEAM = { id: '70c49a0d-6973-4563-a743-8504f1a5171b', key: 'ENG', name: 'Engineering' };
/** A team's two workflow states (In Progress, Done). */
export function workflowStatesOf(teamId: string) {
  return {
    progress: { id: 'state-progress', name: 'In Progress', type: 'started', teamId },
    done: { id: 'state-done', name: 'Done', type: 'completed', teamId },
  };
}
export const STATES = workflowStatesOf(TEAM.id);
export type TestState = (typeof STATES)['progress'];
export const DEV = { id: 'user-dev', name: 'Dev Kumar', email: 'dev@vendor.example' };
export const ANA = { id: 'user-ana', name: 'Ana Silva', email: 'ana@client.example' };

/** Polls until `probe` answers something truthy; fails with `what` after the timeout (never a pass/fail timing). */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** An Issue webhook by DEV about one issue of TEAM, in `state`; `data` overrides fields of the issue. */
export function buildIssuePayload(
  issue: { id: string; identifier: string; description: string },
  action: 'create' | 'update',
  state: TestState,
  extra: Record<string, unknown> = {},
  data: Record<string, unknown> = {},
) {
  const base = freshPayload('issueCreate');
  return {
    ...base,
    action,
    actor: { id: DEV.id, name: DEV.name, email: DEV.email, type: 'user' },
    data: {
      ...base.data,
      id: issue.id,
      identifier: issue.identifier,
      title: 'Pay invoices online',
      description: issue.description,
      teamId: TEAM.id,
      team: TEAM,
      state: { id: state.id, name: state.name, type: state.type, color: '#000000' },
      stateId: state.id,
      assigneeId: DEV.id,
      labelIds: [],
      labels: [],
      ...data,
    },
    ...extra,
  };
}

/** A Comment webhook: `actor` is what the envelope claims, `userId` the comment's author id. */
export function buildCommentPayload(issueId: string, actor: { id: string; name: string; email: string }, userId: string, body: string, id: string, now = Date.now()) {
  const base = freshPayload('commentCreate', now);
  return { ...base, actor: { ...actor, type: 'user' }, data: { ...base.data, id, body, issueId, userId } };
}
