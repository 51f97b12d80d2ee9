// Kept apart from compute-digest.ts so code that runs in a browser (quality hints in the
// Forge UI) can use it without pulling in node:crypto.
/** Collapses runs of whitespace so re-wrapping a line or trailing spaces never count as a change. */
export function normaliseText(text: string): string {
  // Most criteria are already clean; testing first avoids a new string per call on the gate's hot path.
  return /\s\s|[^\S ]|^\s|\s$/.test(text) ? text.replace(/\s+/g, ' ').trim() : text;
}
