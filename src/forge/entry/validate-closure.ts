import { z } from 'zod';
import { decideDeliverableEvent } from '../../core/decide-deliverable-event';
import type { ForgeDeps } from './create-forge-deps';
import { fetchIssue } from '../jira/fetch-issue';
import { JIRA_ACTOR, readJiraFacts } from '../jira/read-jira-facts';
import { isTrackedType, parseProjectSettings, readJiraPolicy } from '../storage/read-project-settings';
import { loadTagger } from '../../hints/load-tagger';

const tagger = loadTagger();

const id = z.union([z.string(), z.number()]).transform(String);

/**
 * The fields changed on the transition screen that the gate reads. Jira sends them in the
 * REST v3 "Get issue" format; for user fields only the accountId; a cleared field as null.
 * Anything else passes through unread. A present but malformed field fails the whole payload,
 * so the gate refuses rather than guessing.
 */
const modifiedFieldsSchema = z.looseObject({
  assignee: z.object({ accountId: z.string().min(1) }).nullable().optional(),
  issuetype: z.looseObject({ name: z.string().min(1) }).nullable().optional(),
});

/**
 * The payload of a function validator (developer.atlassian.com/platform/forge/manifest-reference/
 * modules/jira-workflow-validator, "Validating with lambda functions"): the issue key, the
 * validator's configuration, and the transition's from/to status ids with `modifiedFields`.
 * `modifiedFields` is only attached when the app has read:jira-work, which this app requests.
 */
const validatorPayloadSchema = z.object({
  issue: z.object({ key: z.string().min(1) }),
  transition: z.object({
    from: z.object({ id }).nullish(),
    to: z.object({ id }),
    modifiedFields: modifiedFieldsSchema.nullish(),
  }),
  configuration: z.unknown().optional(),
});

export interface ValidatorResult {
  result: boolean;
  /** Shown to the user when the transition is refused; every missing condition is listed. */
  errorMessage?: string;
}

/**
 * The workflow validator (function form). It decides from app storage, never from issue
 * properties (anyone who can edit an issue can rewrite those): one asApp Jira call for the
 * issue's id, project, type, assignee and the target status's category (expand=transitions),
 * then two storage reads in parallel (the deliverable, and the project's head with its
 * settings). What the user changed on the transition screen counts: a new assignee is the one
 * the self sign-off rule checks, and a new issue type cannot take a deliverable out of the gate.
 * The core decides (decideDeliverableEvent, as for the trigger and for Linear); a veto records
 * nothing, since the move does not happen. It fails closed: settings that cannot be read refuse,
 * naming the fault, and when it cannot decide at all the issue stays where it is and the message says why.
 */
export async function validateClosure(payload: unknown, deps: ForgeDeps): Promise<ValidatorResult> {
  const parsed = validatorPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    deps.log('validator payload not readable', parsed.error.message);
    return { result: false, errorMessage: 'Scopekeeper could not read this transition, so the issue stays where it is. Ask a Jira admin to check the workflow.' };
  }
  const { issue: ref, transition } = parsed.data;
  const modified = transition.modifiedFields ?? {};
  try {
    const issue = await fetchIssue('app', ref.key, { transitions: true });
    if (!issue) return { result: false, errorMessage: `Scopekeeper could not find ${ref.key}, so it stays where it is.` };
    const [entry, summary] = await Promise.all([deps.store.readDeliverableEntry('jira', issue.id), deps.store.readScopeSummary(issue.project.id)]);
    const reading = parseProjectSettings(summary.ext);
    if (!reading.ok) deps.log(`validator: the settings of project ${issue.project.id} cannot be read: ${reading.errors.join('; ')}`);
    // Gated when the type is a deliverable before or after the transition: changing the type
    // on the transition screen must not be a way around the gate.
    const newType = modified.issuetype?.name ?? null;
    if (!isTrackedType(reading, issue.issueType) && !(newType !== null && isTrackedType(reading, newType))) return { result: true };
    const target = issue.transitions?.find((t) => t.to.id === transition.to.id)?.to ?? null;
    const decision = decideDeliverableEvent({
      stored: entry?.stored.state ?? null,
      event: {
        kind: 'observed',
        facts: readJiraFacts({
          id: issue.id,
          key: issue.key,
          projectId: issue.project.id,
          summary: issue.summary,
          // The assignee the issue will have after this transition: set on its screen, or Jira's
          // current one, not the one stored at the last save.
          assigneeId: modified.assignee !== undefined ? (modified.assignee?.accountId ?? null) : issue.assigneeId,
        }),
        // The issue's status now is the one it leaves: Done -> Closed is no closure.
        workflow: { kind: 'asked', from: issue.status, to: target },
      },
      // A veto writes nothing, so no scope change is recorded here and no baseline is read.
      baseline: null,
      policy: readJiraPolicy(reading),
      mode: 'enforce',
      actor: null,
      fallbackActor: JIRA_ACTOR,
      source: 'jira-trigger',
      now: deps.now(),
      newId: deps.newId,
      tagger,
    });
    const verdict = decision.verdict;
    if (!verdict || verdict.allowed) return { result: true };
    const reasons = verdict.reasons.map((r, i) => `(${i + 1}) ${r.message}`).join(' ');
    return { result: false, errorMessage: `${issue.key} cannot move to ${target?.name ?? 'this status'} yet. ${reasons}` };
  } catch (error) {
    deps.log(`validator failed for ${ref.key}`, error);
    return {
      result: false,
      errorMessage: `Scopekeeper could not check the sign-off of ${ref.key} just now, so the issue stays where it is. Try again in a moment.`,
    };
  }
}
