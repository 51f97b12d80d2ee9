/** One criterion as the panel edits it before saving. `key` keeps React rows stable across reorders. */
export interface DraftCriterion {
  id: string | null;
  text: string;
  met: boolean;
  key: string;
}

export type DraftAction =
  | { type: 'add'; text: string; key: string }
  | { type: 'edit'; index: number; text: string }
  | { type: 'move'; index: number; by: -1 | 1 }
  | { type: 'delete'; index: number }
  | { type: 'setMet'; index: number; met: boolean }
  | { type: 'replace'; criteria: DraftCriterion[] }
  | { type: 'append'; criteria: DraftCriterion[] };

/**
 * The panel's edits as a pure step from one draft to the next. Every edit works on the whole
 * list because the resolver saves the whole list in its new order; an action that does not
 * apply (moving the first one up) returns the draft unchanged.
 */
export function applyDraftAction(draft: readonly DraftCriterion[], action: DraftAction): DraftCriterion[] {
  switch (action.type) {
    case 'add':
      return [...draft, { id: null, text: action.text.trim(), met: false, key: action.key }];
    case 'edit':
      return draft.map((c, i) => (i === action.index ? { ...c, text: action.text.trim() } : c));
    case 'move': {
      const to = action.index + action.by;
      if (action.index < 0 || action.index >= draft.length || to < 0 || to >= draft.length) return [...draft];
      const next = [...draft];
      const [moved] = next.splice(action.index, 1);
      if (moved) next.splice(to, 0, moved);
      return next;
    }
    case 'delete':
      return draft.filter((_, i) => i !== action.index);
    case 'setMet':
      return draft.map((c, i) => (i === action.index ? { ...c, met: action.met } : c));
    case 'replace':
      return [...action.criteria];
    case 'append':
      return [...draft, ...action.criteria];
  }
}

/** Draft rows for stored or imported criteria; `prefix` keeps keys unique across imports. */
export function toDraft(criteria: readonly { id: string | null; text: string; met: boolean }[], prefix = 'saved'): DraftCriterion[] {
  return criteria.map((c, i) => ({ id: c.id, text: c.text, met: c.met, key: c.id ?? `${prefix}-${i}` }));
}
