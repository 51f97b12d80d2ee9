import type { DeliverableFacts } from '../../core/build-deliverable-state';
import type { Actor } from '../../core/schemas';

/** Who changed something when Jira did not name them: a scope change still needs an author. */
export const JIRA_ACTOR: Actor = Object.freeze({ id: 'jira', name: 'Jira', email: null }) as Actor;

/**
 * What a Jira issue says about its deliverable: identity, title and assignee. The criteria are
 * never Jira's (the issue panel keeps them in app storage), so the core keeps the stored ones.
 * The one reading of a Jira issue, from a REST read, an event or the validator's payload; the
 * core's buildDeliverableState merges it with what was stored. `assigneeId` undefined: unknown.
 */
export function readJiraFacts(issue: { id: string; key: string; projectId: string; summary?: string | null; assigneeId?: string | null }): DeliverableFacts {
  return {
    platform: 'jira',
    id: issue.id,
    key: issue.key,
    scopeId: issue.projectId,
    // Jira requires a summary: an empty one means the read did not carry it.
    ...(issue.summary ? { title: issue.summary } : {}),
    ...(issue.assigneeId === undefined ? {} : { assigneeId: issue.assigneeId }),
  };
}
