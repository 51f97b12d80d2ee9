import type { CriterionDiffRow } from '../forge/resolvers/resolver-contract';

export interface FormattedCriterionDiff {
  /** Unified-diff style lines for a CodeBlock with language "diff". */
  code: string;
  /** Word-level change in git's word-diff notation ([-removed-]{+added+}); null when there is none. */
  words: string | null;
}

/** One criterion's difference from the baseline, written so it reads clearly without colour. */
export function formatCriterionDiff(row: CriterionDiffRow): FormattedCriterionDiff {
  const before = row.before ?? '';
  const after = row.after ?? '';
  switch (row.kind) {
    case 'added':
      return { code: prefixLines('+ ', after), words: null };
    case 'removed':
      return { code: prefixLines('- ', before), words: null };
    case 'modified':
      return { code: `${prefixLines('- ', before)}\n${prefixLines('+ ', after)}`, words: formatWordDiff(row.diff) };
    case 'moved':
    case 'unchanged':
      return { code: prefixLines('  ', after || before), words: null };
  }
}

export function formatWordDiff(parts: CriterionDiffRow['diff']): string | null {
  if (!parts || !parts.some((p) => p.added || p.removed)) return null;
  return parts.map((p) => (p.removed ? `[-${p.value}-]` : p.added ? `{+${p.value}+}` : p.value)).join('');
}

function prefixLines(prefix: string, text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => `${prefix}${line}`)
    .join('\n');
}
