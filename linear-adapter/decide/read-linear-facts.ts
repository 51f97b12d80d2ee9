import type { DeliverableFacts } from '../../src/core/build-deliverable-state';
import { parseCriteria, type ParseHint } from '../../src/core/parse-criteria';
import { linearScopeId } from './linear-scope-id';

/** The fields of a Linear issue Scopekeeper reads, as a webhook or the API gives them. */
export interface LinearIssueFields {
  id: string;
  identifier: string;
  title: string;
  teamId: string;
  /** Undefined: the webhook payload left it out, so it is unknown (not empty). */
  description?: string | null;
  assigneeId?: string | null;
}

/**
 * What a Linear issue says about its deliverable: the criteria are read from its description.
 * The one reading of a Linear issue; the core's buildDeliverableState merges it with what was stored.
 */
export function readLinearFacts(issue: LinearIssueFields): { facts: DeliverableFacts; parseHints: ParseHint[] } {
  const parsed = issue.description === undefined ? null : parseCriteria(issue.description ?? '');
  // A description the parser could not read says nothing about the criteria: leaving them out
  // keeps the stored ones instead of recording every criterion as removed. The failure travels
  // on as a parse hint (PARSE_FAILED, NOT_TEXT or TOO_LONG), which the issue's comment shows.
  return {
    facts: {
      platform: 'linear',
      id: issue.id,
      key: issue.identifier,
      scopeId: linearScopeId(issue.teamId),
      title: issue.title,
      ...(issue.assigneeId === undefined ? {} : { assigneeId: issue.assigneeId }),
      ...(parsed?.ok ? { criteria: parsed.criteria } : {}),
    },
    parseHints: parsed?.hints ?? [],
  };
}
