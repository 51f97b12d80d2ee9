// The one entry point the manifest names (handlers index.resolver, index.validateClosure,
// index.handleIssueEvent). Entry points stay thin: the work is in src/forge.
import { createForgeDeps } from './forge/create-forge-deps';
import { defineResolvers } from './forge/define-resolvers';
import { handleIssueEvent as handleIssueEventWith } from './forge/handle-issue-event';
import { validateClosure as validateClosureWith, type ValidatorResult } from './forge/validate-closure';

const deps = createForgeDeps();

/** Every UI resolver (issue panel, project page, project settings page). */
export const resolver = defineResolvers(deps);

/** jira:workflowValidator: `{ issue: { key }, configuration, transition: { from: { id }, to: { id } } }` -> `{ result, errorMessage }`. */
export const validateClosure = (payload: unknown): Promise<ValidatorResult> => validateClosureWith(payload, deps);

/** trigger on avi:jira:updated:issue and avi:jira:deleted:issue. */
export const handleIssueEvent = (event: unknown): Promise<void> => handleIssueEventWith(event, deps);
