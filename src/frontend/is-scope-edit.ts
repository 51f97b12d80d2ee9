/**
 * True when a draft changes what the criteria say: their text, order or count. Only those are
 * scope changes after the baseline (they change the criteria digest); ticking a criterion as met
 * is not, so it never asks for a reason.
 */
export function isScopeEdit(saved: readonly { text: string }[], draft: readonly { text: string }[]): boolean {
  if (saved.length !== draft.length) return true;
  return saved.some((c, i) => normalise(c.text) !== normalise(draft[i]?.text ?? ''));
}

// Same whitespace rule as the core's digest; the core module itself pulls in node:crypto, which
// the browser bundle cannot load.
function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
