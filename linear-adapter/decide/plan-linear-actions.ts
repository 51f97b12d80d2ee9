import type { DeliverableIntent } from '../../src/core/decide-deliverable-event';
import { deriveActionId, type LinearAction } from '../gateway/linear-action';
import { renderComments, type CommentSection } from './render-comments';

export interface ActionTarget {
  issueId: string;
  teamId: string;
  /** What the action ids derive from: the delivery, or the issue version `reconcile` read. */
  seed: string;
  labelName: string;
}

/**
 * Linear's actions for the core's intents, in the order the outbox sends one issue's actions:
 * the revert first (undoing a closure that should not stand is the urgent part), the status
 * comment (`status`, when given) and the reply that explains the revert a moment later, then the label. Ids derive from the seed, so deciding the
 * same event again yields the same actions, which the outbox (and Linear) keep once.
 */
export function planLinearActions(intents: readonly DeliverableIntent[], target: ActionTarget, status: LinearAction | null = null): LinearAction[] {
  const actions: LinearAction[] = [];
  const { issueId, seed } = target;
  for (const intent of intents) {
    switch (intent.kind) {
      case 'revert':
        actions.push({ type: 'set_state', id: deriveActionId(seed, 'revert'), issueId, stateId: intent.to.id });
        break;
      case 'comment': {
        // On Linear the status comment carries the criteria, hints and sign-off (planStatusComment):
        // a reply is written only for a closure that did not stand, and points at it.
        const sections: CommentSection[] = intent.sections.filter((s) => s.kind === 'closure_refused');
        const body = renderComments(sections);
        if (body === null) break;
        // The reply that explains a revert waits for it, and says what became of it.
        const revert = actions.find((a) => a.type === 'set_state');
        const explainsRevert = revert !== undefined && sections.some((s) => s.kind === 'closure_refused' && s.reverted);
        const bodyIfRefused = explainsRevert ? renderComments(sections.map((s) => (s.kind === 'closure_refused' ? { ...s, revertRefused: true } : s))) : null;
        actions.push({ type: 'comment', id: deriveActionId(seed, 'comment'), issueId, body, ...(revert && bodyIfRefused ? { after: { actionId: revert.id, bodyIfRefused } } : {}) });
        break;
      }
      case 'label':
        actions.push(
          intent.change === 'add'
            ? { type: 'add_label', id: deriveActionId(seed, 'add_label'), issueId, teamId: target.teamId, labelName: target.labelName }
            : { type: 'remove_label', id: deriveActionId(seed, 'remove_label'), issueId, labelName: target.labelName },
        );
        break;
    }
  }
  if (status) actions.splice(actions.filter((a) => a.type === 'set_state').length, 0, status);
  return actions;
}
