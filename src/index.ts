// The one entry point the manifest names (handlers index.resolver, index.validateClosure,
// index.handleIssueEvent, index.backfillIssueProperties). Entry points stay thin: the work is in src/forge.
import { createForgeDeps } from './forge/entry/create-forge-deps';
import { defineResolvers } from './forge/resolvers/define-resolvers';
import { handleIssueEvent as handleIssueEventWith, type EventRetryRequest } from './forge/entry/handle-issue-event';
import { backfillIssueProperties as backfillIssuePropertiesWith, type BackfillReport } from './forge/jira/update-issue-property';
import { validateClosure as validateClosureWith, type ValidatorResult } from './forge/entry/validate-closure';

const deps = createForgeDeps();

/** Every UI resolver (issue panel, project page, project settings page). */
export const resolver = defineResolvers(deps);

/** jira:workflowValidator: `{ issue: { key }, configuration, transition: { from: { id }, to: { id } } }` -> `{ result, errorMessage }`. */
export const validateClosure = (payload: unknown): Promise<ValidatorResult> => validateClosureWith(payload, deps);

/** trigger on avi:jira:created/updated/deleted:issue; returns Forge's retry request (InvocationError's wire form) when a step must be retried. */
export const handleIssueEvent = (event: unknown): Promise<EventRetryRequest | undefined> => handleIssueEventWith(event, deps);

/** scheduledTrigger (hourly): writes the JQL property for one page of issues that lack it. */
export const backfillIssueProperties = (): Promise<BackfillReport> => backfillIssuePropertiesWith(deps);
