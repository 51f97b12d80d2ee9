/**
 * Which part of a description is the acceptance-criteria section: the one rule set for markdown
 * (Linear) and ADF (Jira). Each reader describes the description's top-level blocks; this picks
 * the section's first block and where it ends.
 */

/** A top-level block of a description, as far as the section rules care. */
export type SectionBlock =
  | { kind: 'heading'; level: number; title: string }
  /** A one-line paragraph all in bold, optionally followed by a colon: "**Acceptance criteria:**". */
  | { kind: 'bold'; title: string }
  /** Any other one-line paragraph. */
  | { kind: 'line'; title: string }
  /**
   * A paragraph of several lines, of which only the last can open a section: a label right
   * before a list ("As a buyer I want a PDF.\nAcceptance criteria:" then "1. ..."), since a
   * list starts without a blank line above it. `bold`: that line is all in bold.
   */
  | { kind: 'lines'; last: { bold: boolean; title: string } }
  | { kind: 'list' }
  | { kind: 'rule' }
  | { kind: 'other' };

/** What opened the section: a heading, a bold line, or a label right before a list (a line ending in a colon, or a paragraph's last line). */
export type SectionOpener = 'heading' | 'bold' | 'label';

export interface SectionChoice {
  opener: SectionOpener;
  /** Index of the opening block. */
  start: number;
  /** Index of the first block after the section (exclusive end). */
  end: number;
  /** Index of the opening block of a later section, when there is one. */
  next: number | null;
}

const SECTION_TITLES = new Set(['acceptance criteria', 'acceptance criterion', 'ac', 'acceptance criteria (ac)']);

/** The first acceptance-criteria section of the blocks, or null when there is none. */
export function chooseCriteriaSection(blocks: readonly SectionBlock[]): SectionChoice | null {
  const found = findOpener(blocks, 0);
  if (!found) return null;
  const end = findEnd(blocks, found.start, found.opener);
  return { ...found, end, next: findOpener(blocks, end)?.start ?? null };
}

function findOpener(blocks: readonly SectionBlock[], from: number): { opener: SectionOpener; start: number } | null {
  for (let i = from; i < blocks.length; i++) {
    const block = blocks[i] as SectionBlock;
    if ((block.kind === 'heading' || block.kind === 'bold') && isCriteriaTitle(block.title, false)) return { opener: block.kind, start: i };
    // A plain line is too common to open a section on its own: only with a colon and a list right after it.
    if (block.kind === 'line' && blocks[i + 1]?.kind === 'list' && isCriteriaTitle(block.title, true)) return { opener: 'label', start: i };
    // The last line of a longer paragraph is a label too, bold or with a colon, and only with a list right after it.
    if (block.kind === 'lines' && blocks[i + 1]?.kind === 'list' && isCriteriaTitle(block.last.title, !block.last.bold)) return { opener: 'label', start: i };
  }
  return null;
}

/**
 * A heading's section runs to the next heading of the same or a higher level (deeper headings
 * group criteria); a bold line's to the next heading, bold line or rule; a label's covers the
 * lists right after it.
 */
function findEnd(blocks: readonly SectionBlock[], start: number, opener: SectionOpener): number {
  const first = blocks[start] as SectionBlock;
  const level = first.kind === 'heading' ? first.level : 0;
  for (let i = start + 1; i < blocks.length; i++) {
    const block = blocks[i] as SectionBlock;
    const ends =
      opener === 'heading'
        ? block.kind === 'heading' && block.level <= level
        : opener === 'bold'
          ? block.kind === 'heading' || block.kind === 'bold' || block.kind === 'rule'
          : block.kind !== 'list';
    if (ends) return i;
  }
  return blocks.length;
}

function isCriteriaTitle(title: string, needsColon: boolean): boolean {
  const t = title
    .replace(/\\([^\w\s])/g, '$1') // Linear escapes punctuation: "Acceptance criteria \(AC\)"
    .replace(/[*_`]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const bare = t.replace(/\s*:$/, '');
  return (!needsColon || bare !== t) && SECTION_TITLES.has(bare.trim().toLowerCase());
}
