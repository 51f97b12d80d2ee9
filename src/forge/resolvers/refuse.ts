import type { Refusal, RefusalCode } from './resolver-contract';

/** A refusal the UI shows as is: a code for logic, a sentence for people. */
export function refuse(code: RefusalCode, message: string, errors?: string[]): Refusal {
  return errors && errors.length > 0 ? { ok: false, code, message, errors } : { ok: false, code, message };
}

/** The refusals every resolver shares. */
export const refusals = {
  notSignedIn: () => refuse('NOT_SIGNED_IN', 'Sign in to Jira to do this.'),
  noIssue: () => refuse('NO_ISSUE_CONTEXT', 'This works only from an issue: open the issue and try again.'),
  noProject: () => refuse('NO_PROJECT_CONTEXT', 'This works only from a project: open the project and try again.'),
  issueNotFound: (key: string) => refuse('ISSUE_NOT_FOUND', `${key} does not exist any more, or you may not see it.`),
  invalidPayload: (what: string, errors: string[]) => refuse('INVALID_PAYLOAD', `${what} Nothing was changed.`, errors),
  versionConflict: () =>
    refuse('VERSION_CONFLICT', 'Someone else changed these acceptance criteria after you opened them, so nothing was saved. Reload to see their changes.'),
  historyConflict: () => refuse('HISTORY_CONFLICT', 'Other changes to this project were saved at the same moment, so nothing was saved. Try again.'),
  unavailable: () =>
    refuse('UNAVAILABLE', 'Scopekeeper could not reach Jira or its storage just now, so nothing was changed. Try again in a moment.'),
};
