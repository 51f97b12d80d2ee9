import { scanCriteriaSection } from './parse-criteria';
import type { Criterion } from './schemas';

export interface RenderCriteriaOptions {
  /** Heading text; false writes the list alone. Default 'Acceptance criteria'. */
  heading?: string | false;
  /** Heading level 1-6. Default 2. */
  level?: number;
}

export const DEFAULT_CRITERIA_HEADING = 'Acceptance criteria';

/**
 * Writes criteria as a markdown checklist that `parseCriteria` reads back to the same texts and
 * met flags (texts exactly as parseCriteria writes them; any other text to the same normalised
 * text, so the same digest). A custom heading must be one parseCriteria recognises to read back.
 */
export function renderCriteria(criteria: readonly Pick<Criterion, 'text' | 'met'>[], options: RenderCriteriaOptions = {}): string {
  const lines: string[] = [];
  const heading = options.heading === undefined ? DEFAULT_CRITERIA_HEADING : options.heading;
  if (heading !== false) {
    lines.push(`${'#'.repeat(clampLevel(options.level))} ${heading.replace(/\s+/g, ' ').trim() || DEFAULT_CRITERIA_HEADING}`);
    if (criteria.length > 0) lines.push('');
  }
  for (const criterion of criteria) lines.push(...renderCriterion(criterion));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * Rewrites only the criteria section of a larger description: the list items are replaced, the
 * section's heading and any text before or after the list are kept byte for byte (line endings
 * included). When there is no section, an "Acceptance criteria" heading of `options.level` and the
 * list are appended after one blank line. New lines use CRLF when the description does. The list
 * gets a blank line above and below it, as `renderCriteria` writes it.
 */
export function replaceCriteriaSection(
  markdown: string,
  criteria: readonly Pick<Criterion, 'text' | 'met'>[],
  options: Pick<RenderCriteriaOptions, 'level'> = {},
): string {
  const source = typeof markdown === 'string' ? markdown : '';
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  const scan = scanCriteriaSection(source);

  if (!scan.section) {
    const section = renderCriteria(criteria, { level: options.level }).replace(/\n/g, eol);
    const before = source.replace(/\s+$/, '');
    return before === '' ? section : `${before}${eol}${eol}${section}`;
  }

  const bom = source.startsWith('\uFEFF') ? '\uFEFF' : '';
  // The scan's lines, each with the line ending it had.
  const parts = source.slice(bom.length).split(/(\r\n|\r|\n)/);
  const lines = scan.lines.map((text, i) => ({ text, eol: parts[2 * i + 1] ?? '' }));
  const list = criteria.flatMap((c) => renderCriterion(c));
  const { section } = scan;
  const filled = (i: number): boolean => (lines[i]?.text ?? '').trim() !== '';

  let from: number;
  let to: number;
  let replacement: string[];
  if (section.itemLines) {
    ({ from, to } = section.itemLines);
    if (list.length > 0) {
      // Written at the indentation the last item had, so the lines after the list are read as before.
      // Blank lines around it keep a stray "<!--", a paragraph or an underline next to it from running into it.
      const gapBefore = filled(from - 1) ? [''] : [];
      const gapAfter = filled(to + 1) ? [''] : [];
      replacement = [...gapBefore, ...indent(list, section.itemLines.indent), ...gapAfter];
    } else {
      // Keep the lines around the removed list apart, so they cannot merge into a heading or paragraph.
      replacement = filled(from - 1) && filled(to + 1) ? [''] : [];
    }
  } else {
    // No list yet: put it after whatever the section already says, before the next heading.
    let lastFilled = section.startLine;
    for (let i = section.startLine + 1; i < section.endLine; i++) if (filled(i)) lastFilled = i;
    from = lastFilled + 1;
    to = lastFilled;
    const next = lines.slice(from).find((line) => line.text.trim() !== '');
    // An indented heading right after the list ("  ## Notes") must not be read as part of the last item.
    const indented = indent(list, next === undefined ? 0 : Math.max(0, leadingColumns(next.text) - 1));
    replacement = list.length === 0 ? [] : ['', ...indented, ...(filled(from) ? [''] : [])];
  }

  // New lines end like the line above them, so a lone "\r" above never pairs with a new "\n" into one break.
  const newEol = lines[from - 1]?.eol || eol;
  const out = [...lines.slice(0, from), ...replacement.map((text) => ({ text, eol: newEol })), ...lines.slice(to + 1)];
  const text = out
    .map((line, i) => {
      const next = out[i + 1];
      if (!next) return line.text + line.eol;
      // A line that used to end the text now has lines after it; and a lone "\r" must not meet the
      // "\n" of an empty line after it, or the two would read as one line break and lose that line.
      const eolHere = line.eol || newEol;
      return line.text + (eolHere === '\r' && next.text === '' && next.eol.startsWith('\n') ? '\r\n' : eolHere);
    })
    .join('');
  return bom + text;
}

function indent(lines: readonly string[], columns: number): string[] {
  const pad = ' '.repeat(columns);
  return columns === 0 ? [...lines] : lines.map((line) => pad + line);
}

function leadingColumns(line: string): number {
  let col = 0;
  for (const ch of line) {
    if (ch === ' ') col += 1;
    else if (ch === '\t') col += 4 - (col % 4);
    else break;
  }
  return col;
}

// A nested item exactly as parseCriteria writes it: reads back unchanged.
const NESTED_LINE = /^(?: {2})+- (?:\[[ x]\] (?=\S)|(?!\[[ xX]\](?:[ \t]|$)))\S/;
// Plain words: safe as an indented continuation line, which parseCriteria joins with a space.
const PLAIN_LINE = /^(?!\d{1,9}[.)](?:\s|$))[\p{L}\p{N}]/u;

/**
 * Lines after a criterion's first line become nested items (when already in parseCriteria's format),
 * indented continuation lines (plain words, e.g. "When ..." / "Then ..."), or are joined onto the
 * line before with a space (anything that markdown could read as a block of its own, such as a
 * ``` fence). Either way the criterion reads back with the same normalised text, hence the same digest.
 */
function renderCriterion(criterion: Pick<Criterion, 'text' | 'met'>): string[] {
  const text = typeof criterion.text === 'string' ? criterion.text : '';
  const [first = '', ...rest] = text.replace(/^\s+/, '').split(/\r\n|\r|\n/);
  const out = [`- [${criterion.met ? 'x' : ' '}] ${first.trim()}`];
  for (const line of rest) {
    const trimmed = line.trimEnd();
    const content = trimmed.trim();
    if (content === '') continue;
    if (NESTED_LINE.test(trimmed)) out.push(trimmed);
    else if (PLAIN_LINE.test(content)) out.push(`  ${content}`);
    else out[out.length - 1] = `${out[out.length - 1] as string} ${content}`;
  }
  return out;
}

function clampLevel(level: number | undefined): number {
  if (level === undefined || !Number.isFinite(level)) return 2;
  return Math.min(6, Math.max(1, Math.trunc(level)));
}
