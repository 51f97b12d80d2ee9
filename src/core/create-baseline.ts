import { normaliseText } from './normalise-text';
import { suggestBaselineName } from './suggest-baseline-name';
import type { Actor, Baseline, DeliverableSnapshot, HistoryDraft } from './schemas';

export interface CreateBaselineInput {
  id: string;
  scopeId: string;
  name: string;
  now: string;
  approvedBy: Actor;
  deliverables: readonly DeliverableSnapshot[];
  /** The scope's active baseline, superseded by this one; null for the first. */
  current: Baseline | null;
  /**
   * Names of the scope's earlier baselines. A name one of them had is refused too, and the
   * name suggested instead skips them all. Default: the active baseline's only.
   */
  takenNames?: readonly string[];
  /**
   * Id of the `baseline_created` history record. Defaults to the baseline id: one baseline
   * has exactly one such record, and sharing the id lets either be found from the other.
   */
  historyId?: string;
}

export type BaselineDraft = Extract<HistoryDraft, { kind: 'baseline_created' }>;

export type CreateBaselineResult =
  | { ok: true; value: { baseline: Baseline; draft: BaselineDraft } }
  | { ok: false; code: 'EMPTY_NAME' | 'DUPLICATE_NAME'; message: string };

/**
 * Takes the immutable, named snapshot of a scope ("SRS v1.0"). Its major version is the
 * next one (1 for the first baseline); chainHistory turns the draft into scope version N.0.
 * The snapshot is deep-copied and frozen so later edits to the caller's data never leak in.
 */
export function createBaseline(input: CreateBaselineInput): CreateBaselineResult {
  const name = normaliseText(input.name);
  if (name === '') return { ok: false, code: 'EMPTY_NAME', message: 'Give the baseline a name, for example "SRS v1.0".' };
  if (input.current && input.current.scopeId !== input.scopeId) {
    throw new Error(`current baseline ${input.current.id} belongs to scope ${input.current.scopeId}, not ${input.scopeId}`);
  }
  const taken = [...(input.current ? [input.current.name] : []), ...(input.takenNames ?? [])];
  const clash = taken.find((t) => normaliseText(t).toLowerCase() === name.toLowerCase());
  if (clash !== undefined) {
    const suggestion = suggestBaselineName(clash, taken);
    const which = input.current && clash === input.current.name ? 'The active baseline is' : 'An earlier baseline of this scope was';
    return {
      ok: false,
      code: 'DUPLICATE_NAME',
      message: `${which} already called "${clash}". Choose a new name for the new baseline, for example "${suggestion}".`,
    };
  }

  const baseline: Baseline = deepFreeze({
    id: input.id,
    scopeId: input.scopeId,
    name,
    major: (input.current?.major ?? 0) + 1,
    createdAt: input.now,
    approvedBy: structuredClone(input.approvedBy),
    deliverables: structuredClone(input.deliverables) as DeliverableSnapshot[],
  });
  const draft: BaselineDraft = {
    id: input.historyId ?? input.id,
    scopeId: input.scopeId,
    at: input.now,
    actor: structuredClone(input.approvedBy),
    deliverableId: null,
    kind: 'baseline_created',
    data: {
      baselineId: input.id,
      name,
      deliverableCount: baseline.deliverables.length,
      criterionCount: baseline.deliverables.reduce((sum, d) => sum + d.criteria.length, 0),
    },
  };
  return { ok: true, value: { baseline, draft } };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
