import type { LinearWorkflowState } from '../gateway/gateway-types';

/**
 * Where a done issue goes back to when its closure does not stand and Linear cannot say where it
 * came from: the team's first started state, else its first unstarted one.
 */
export function pickReopenState(states: readonly LinearWorkflowState[]): LinearWorkflowState | null {
  return states.find((s) => s.type === 'started') ?? states.find((s) => s.type === 'unstarted') ?? null;
}
