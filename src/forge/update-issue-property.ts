import { route } from '@forge/api';
import { evaluateClosure } from '../core/evaluate-closure';
import { isSignOffStale } from '../core/is-sign-off-stale';
import type { ClosurePolicy, ClosureReasonCode, DeliverableState } from '../core/schemas';
import { pickRequester, JSON_HEADERS, readJiraReply } from './read-jira-reply';
import type { ForgeDeps } from './create-forge-deps';

export const ISSUE_PROPERTY_KEY = 'scopekeeper';

/**
 * The issue property `scopekeeper`, indexed for JQL by the jira:entityProperty module. Entity
 * property indexes have no boolean type, so flags are the strings "true" and "false":
 * `issue.property[scopekeeper].signedOff = false` matches them.
 */
export interface IssueSearchSummary {
  criteriaCount: number;
  allMet: 'true' | 'false';
  signedOff: 'true' | 'false';
  signOffStale: 'true' | 'false';
  scopeVersion: string;
  undocumentedChanges: number;
}

const SIGNOFF_REASONS: ReadonlySet<ClosureReasonCode> = new Set(['NO_SIGNOFF', 'SIGNOFF_STALE', 'SELF_SIGNOFF', 'SIGNER_NOT_AUTHORISED']);
const flag = (value: boolean): 'true' | 'false' => (value ? 'true' : 'false');

export function summariseForSearch(state: DeliverableState, policy: ClosurePolicy, scopeVersion: string | null, undocumentedChanges: number): IssueSearchSummary {
  const verdict = evaluateClosure({ state, policy });
  return {
    criteriaCount: state.criteria.length,
    allMet: flag(state.criteria.length > 0 && state.criteria.every((c) => c.met)),
    signedOff: flag(state.signOff !== null && !verdict.reasons.some((r) => SIGNOFF_REASONS.has(r.code))),
    signOffStale: flag(state.signOff !== null && isSignOffStale(state.signOff, state.criteria)),
    scopeVersion: scopeVersion ?? '',
    undocumentedChanges,
  };
}

/**
 * Writes the search summary after a change (PUT /rest/api/3/issue/{id}/properties/scopekeeper,
 * as the app). It is for search only, never for the gate: anyone who can edit the issue can
 * rewrite it. Best effort: a failure is logged and the user's change stands. Returns what was written.
 */
export async function updateIssueProperty(
  deps: ForgeDeps,
  input: { state: DeliverableState; policy: ClosurePolicy; scopeVersion: string | null },
): Promise<IssueSearchSummary | null> {
  const { state } = input;
  try {
    const open = await deps.store.queryHistory({ scopeId: state.scopeId, deliverableId: state.id, undocumentedOnly: true, limit: 100 });
    const summary = summariseForSearch(state, input.policy, input.scopeVersion, open.records.length);
    const reply = await readJiraReply(
      pickRequester('app').requestJira(route`/rest/api/3/issue/${state.id}/properties/${ISSUE_PROPERTY_KEY}`, { method: 'PUT', headers: JSON_HEADERS, body: JSON.stringify(summary) }),
    );
    if (!reply.ok) {
      deps.log(`could not update the search property of ${state.key} (Jira answered ${reply.status})`);
      return null;
    }
    return summary;
  } catch (error) {
    deps.log(`could not update the search property of ${state.key}`, error);
    return null;
  }
}
