import { z } from 'zod';
import { evaluateClosure } from '../core/evaluate-closure';
import { isDoneState } from '../core/is-done-state';
import type { DeliverableState } from '../core/schemas';
import type { ForgeDeps } from './create-forge-deps';
import { fetchIssue } from './fetch-issue';
import { isDeliverableType, readProjectSettings, buildClosurePolicy } from './read-project-settings';

const id = z.union([z.string(), z.number()]).transform(String);

/** developer.atlassian.com/platform/forge/manifest-reference/modules/jira-workflow-validator */
const validatorPayloadSchema = z.object({
  issue: z.object({ key: z.string().min(1) }),
  transition: z.object({ from: z.object({ id }).nullish(), to: z.object({ id }) }),
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
 * issue's id, project, assignee and the target status's category (expand=transitions), then two
 * storage reads in parallel (the deliverable, and the project's head with its settings).
 * It fails closed: when it cannot decide, the issue stays where it is and the message says why.
 */
export async function validateClosure(payload: unknown, deps: ForgeDeps): Promise<ValidatorResult> {
  const parsed = validatorPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    return { result: false, errorMessage: 'Scopekeeper could not read this transition, so the issue stays where it is. Ask a Jira admin to check the workflow.' };
  }
  const { issue: ref, transition } = parsed.data;
  try {
    const issue = await fetchIssue('app', ref.key, { transitions: true });
    if (!issue) return { result: false, errorMessage: `Scopekeeper could not find ${ref.key}, so it stays where it is.` };
    const [entry, summary] = await Promise.all([deps.store.readDeliverableEntry('jira', issue.id), deps.store.readScopeSummary(issue.project.id)]);
    const settings = readProjectSettings(summary.ext);
    if (!isDeliverableType(settings, issue.issueType)) return { result: true };
    const policy = buildClosurePolicy(settings);
    const target = issue.transitions?.find((t) => t.to.id === transition.to.id)?.to ?? null;
    // Not a closure: the gate only guards done states. An unknown target is treated as one,
    // since an admin put the validator on this transition.
    if (target && !isDoneState(policy, { name: target.name, categoryKey: target.categoryKey })) return { result: true };
    const stored = entry?.stored.state;
    const state: DeliverableState = {
      platform: 'jira',
      id: issue.id,
      key: issue.key,
      scopeId: issue.project.id,
      title: issue.summary,
      // Jira's assignee now, not the one stored at the last save: the self sign-off rule needs today's.
      assigneeId: issue.assigneeId,
      criteria: stored?.criteria ?? [],
      signOff: stored?.signOff ?? null,
      inScope: true,
      updatedAt: stored?.updatedAt ?? deps.now(),
    };
    const verdict = evaluateClosure({ state, policy });
    if (verdict.allowed) return { result: true };
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
