import { parseWith } from './parse-with';
import { closurePolicySchema, type ClosurePolicy } from './schemas';

/**
 * A scope's closure policy as read from its settings. When they cannot be read, the gate must
 * fail closed: the defaults would let anyone sign off. `remedy` says, in the platform's words,
 * how an admin fixes the settings; the refusal quotes it.
 */
export type PolicyReading = { ok: true; value: ClosurePolicy } | { ok: false; errors: string[]; remedy?: string };

/**
 * Tells done states apart while the policy is unreadable: the platforms' own done categories
 * (Jira `done`, Linear `completed`) and the name "Done" still count, so such a closure is still
 * refused rather than let through unjudged. It is never used to allow anything.
 */
export const FALLBACK_DONE_POLICY: Pick<ClosurePolicy, 'doneStateNames' | 'doneStateTypes'> = Object.freeze({
  doneStateNames: ['Done'],
  doneStateTypes: ['done', 'completed'],
});

/** Checks a policy value at the edge (stored settings, configuration) and says what is wrong with it. */
export function readClosurePolicy(value: unknown, remedy?: string): PolicyReading {
  const parsed = parseWith(closurePolicySchema, value);
  if (parsed.ok) return parsed;
  return remedy === undefined ? { ok: false, errors: parsed.errors } : { ok: false, errors: parsed.errors, remedy };
}
