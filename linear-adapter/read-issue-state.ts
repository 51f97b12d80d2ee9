import { parseCriteria } from '../src/core/parse-criteria';
import type { DeliverableState, SignOff } from '../src/core/schemas';
import type { LinearIssue } from './gateway-types';

/** A Linear issue as read through the API, as the deliverable state the core decides from. */
export function readIssueState(issue: LinearIssue, signOff: SignOff | null, now: string): DeliverableState {
  return {
    platform: 'linear',
    id: issue.id,
    key: issue.identifier,
    scopeId: `linear:${issue.teamId}`,
    title: issue.title,
    assigneeId: issue.assigneeId,
    criteria: parseCriteria(issue.description ?? '').criteria,
    signOff,
    inScope: true,
    updatedAt: now,
  };
}
