import type { QualityHint } from '../core/find-quality-hints';

/**
 * Quality hints per draft row. Hints are computed by the backend for the saved criteria, so a
 * row keeps its hints while it still is the same saved criterion (same id and text) and shows
 * none once edited or new, until the next save computes them again.
 */
export function matchHints(
  saved: readonly { id: string | null; text: string }[],
  hints: readonly QualityHint[],
  draft: readonly { id: string | null; text: string }[],
): string[][] {
  return draft.map((row, index) => {
    const savedIndex =
      saved[index] && saved[index].id === row.id && saved[index].text === row.text
        ? index
        : row.id === null
          ? -1
          : saved.findIndex((c) => c.id === row.id && c.text === row.text);
    return savedIndex < 0 ? [] : hints.filter((h) => h.criterionIndex === savedIndex).map((h) => h.message);
  });
}
