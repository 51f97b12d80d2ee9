import { fitsNestedItem } from './build-criterion-text';
import { normaliseText } from './normalise-text';
import { scanCriteriaSection, type CriterionItem, type ListStyle } from './parse-criteria';
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
 * Rewrites only the criteria section of a larger description: its lists (from the first to the
 * last) are replaced, and everything else is kept byte for byte, line endings included, because
 * the edit is spliced in at the parser's source offsets. A section with no list gets one after
 * its last block. When there is no section, an "Acceptance criteria" heading of `options.level`
 * and the list are appended after one blank line. New lines end like the line above them (CRLF
 * when the description uses it). The list gets a blank line above and below it, as
 * `renderCriteria` writes it. Throws when the description cannot be read (see parseCriteria's
 * `ok: false`), since rewriting it could add a second section or drop the first.
 */
export function replaceCriteriaSection(
  markdown: string,
  criteria: readonly Pick<Criterion, 'text' | 'met'>[],
  options: Pick<RenderCriteriaOptions, 'level'> = {},
): string {
  const source = typeof markdown === 'string' ? markdown : '';
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  const scan = scanCriteriaSection(source);
  if (!scan.ok) throw new Error(`The criteria section cannot be rewritten: ${scan.error.message}`);
  const { section } = scan;
  if (section && isSameTexts(scan.criteria, criteria)) return setCheckboxes(source, section.items, scan.criteria, criteria);
  const markers = listMarkers(section?.listStyle ?? null, criteria.length);
  // A plain "Acceptance criteria:" line opens a section only with a list after it: an empty item keeps it one.
  const list = criteria.length === 0 && section?.opener === 'label' ? [`${markers[0] ?? '-'} [ ]`] : criteria.flatMap((c, i) => renderCriterion(c, markers[i]));

  if (!section) {
    const rendered = renderCriteria(criteria, { level: options.level }).replace(/\n/g, eol);
    // Only what markdown counts as blank: a trailing no-break space is text that belongs to the paragraph above.
    const before = source.replace(/[ \t\r\n]+$/, '');
    // An unclosed ``` or <!-- would swallow the new section; closing it at the end changes nothing above.
    const close = scan.closer === '' ? '' : `${eol}${scan.closer}`;
    return before === '' ? rendered : `${before}${close}${eol}${eol}${rendered}`;
  }

  if (section.lists) {
    const from = lineStartOf(source, section.lists.start);
    const to = nextLineStartOf(source, section.lists.end);
    const above = lineBefore(source, from);
    const below = lineAt(source, to);
    // Blank lines around the list keep a paragraph or an unclosed "<!--" next to it from running into it;
    // without a list, they keep the text around it from merging into one paragraph or heading.
    const lines =
      list.length > 0
        ? [...(isFilled(above) ? [''] : []), ...placeList(list, source, to), ...(isFilled(below) ? [''] : [])]
        : isFilled(above) && isFilled(below)
          ? ['']
          : [];
    return spliceLines(source, from, to, lines, above?.eol || eol);
  }

  if (list.length === 0) return source;
  if (section.trailingCodeStart !== null) {
    const at = lineStartOf(source, section.trailingCodeStart);
    const lines = [...(isFilled(lineBefore(source, at)) ? [''] : []), ...list, '', SEPARATOR];
    return spliceLines(source, at, at, lines, lineBefore(source, at)?.eol || eol);
  }
  // No list yet: put it after whatever the section already says, before the next heading.
  const at = nextLineStartOf(source, section.contentEnd);
  const lines = [...(section.closer === '' ? [] : [section.closer]), '', ...placeList(list, source, at), ...(isFilled(lineAt(source, at)) ? [''] : [])];
  return spliceLines(source, at, at, lines, lineBefore(source, at)?.eol || eol);
}

/** Same criteria, in the same order, only met or not may differ. */
function isSameTexts(before: readonly Pick<Criterion, 'text'>[], after: readonly Pick<Criterion, 'text' | 'met'>[]): boolean {
  return before.length > 0 && before.length === after.length && before.every((c, i) => normaliseText(c.text) === normaliseText(String(after[i]?.text)));
}

/**
 * Writes only the checkboxes that change, at the parser's offsets, so everything the author wrote
 * (numbers, bullets, wrapping, spacing) stays as it was. An item without a checkbox gets one when
 * it becomes met; one that stays unmet is left without.
 */
function setCheckboxes(
  source: string,
  items: readonly CriterionItem[],
  before: readonly Pick<Criterion, 'met'>[],
  after: readonly Pick<Criterion, 'met'>[],
): string {
  let out = source;
  // From the last item to the first, so earlier offsets stay true.
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as CriterionItem;
    const met = after[i]?.met === true;
    if (met === (before[i]?.met === true)) continue;
    if (item.box) out = `${out.slice(0, item.box.start)}[${met ? 'x' : ' '}]${out.slice(item.box.end)}`;
    // A marker alone on its line ("1." with the text below) takes the checkbox after a blank.
    else if (met) out = `${out.slice(0, item.textStart)}${/^[\r\n]|^$/.test(out.slice(item.textStart, item.textStart + 1)) ? ' [x]' : '[x] '}${out.slice(item.textStart)}`;
  }
  return out;
}

/** The author's list markers for `count` items: their bullet, or their numbering from where it started. */
function listMarkers(style: ListStyle | null, count: number): string[] {
  if (style?.ordered && style.start + count <= 999_999_999) return Array.from({ length: Math.max(count, 1) }, (_, i) => `${style.start + i}${style.delimiter}`);
  return new Array<string>(Math.max(count, 1)).fill(style?.ordered === false ? style.bullet : '-');
}

// An empty HTML comment ends a list, as CommonMark suggests, and reads as nothing.
const SEPARATOR = '<!-- -->';

/**
 * The list lines to put before `offset`, indented one column less than the next non-blank line,
 * so that line (an indented heading or paragraph, "  ## Notes") is not read as part of the last
 * item, which would take it into the criteria. At most 3 columns, or the list would be code: a
 * line indented further is kept out by a separator instead.
 */
function placeList(list: readonly string[], source: string, offset: number): string[] {
  let at = offset;
  for (let line = lineAt(source, at); line !== null; line = lineAt(source, at)) {
    if (isFilled(line)) {
      const columns = leadingColumns(line.text);
      return columns > 4 ? [...list, '', SEPARATOR] : indentLines(list, Math.max(0, columns - 1));
    }
    at += line.text.length + line.eol.length;
  }
  return [...list];
}

interface SourceLine {
  text: string;
  /** The line ending, '' for a last line without one. */
  eol: string;
}

/** Replaces source[from, to) (whole lines) by `lines`, each ended with `eol`. */
function spliceLines(source: string, from: number, to: number, lines: readonly string[], eol: string): string {
  let before = source.slice(0, from);
  const rest = source.slice(to);
  if (before !== '' && !/[\r\n]$/.test(before)) before += eol;
  // A lone "\r" must not meet the "\n" of an empty line after it, or the two would read as one line break and lose that line.
  const endOf = (i: number): string => (i === lines.length - 1 && eol === '\r' && rest.startsWith('\n') ? '\r\n' : eol);
  if (lines.length === 0 && before.endsWith('\r') && rest.startsWith('\n')) before += '\n';
  return before + lines.map((line, i) => line + endOf(i)).join('') + rest;
}

function lineStartOf(source: string, offset: number): number {
  return Math.max(source.lastIndexOf('\n', offset - 1), source.lastIndexOf('\r', offset - 1)) + 1;
}

/** The start of the line after the one `offset` is on; the text's length when that is the last line. */
function nextLineStartOf(source: string, offset: number): number {
  const match = /\r\n|\r|\n/g;
  match.lastIndex = offset;
  const found = match.exec(source);
  return found ? found.index + found[0].length : source.length;
}

/** The line that ends at `offset` (a line start, or the end of an unterminated last line); null at the start. */
function lineBefore(source: string, offset: number): SourceLine | null {
  if (offset === 0) return null;
  const eolLength = source.endsWith('\r\n', offset) ? 2 : /[\r\n]/.test(source[offset - 1] ?? '') ? 1 : 0;
  const end = offset - eolLength;
  return { text: source.slice(lineStartOf(source, end), end), eol: source.slice(end, offset) };
}

/** The line that starts at `offset`; null at the end of the text. */
function lineAt(source: string, offset: number): SourceLine | null {
  if (offset >= source.length) return null;
  const next = nextLineStartOf(source, offset);
  const text = source.slice(offset, next).replace(/\r\n$|\r$|\n$/, '');
  return { text, eol: source.slice(offset + text.length, next) };
}

/** Blank as markdown counts it: a no-break space is text. */
function isFilled(line: SourceLine | null): boolean {
  return line !== null && !/^[ \t]*$/.test(line.text);
}

function indentLines(lines: readonly string[], columns: number): string[] {
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

// A nested item as parseCriteria writes it; without a checkbox, its text must read back as written (fitsNestedItem).
const NESTED_LINE = /^(?: {2})+- (\[[ x]\] (?=\S))?(.*)$/;
// Plain words: safe as an indented continuation line, which parseCriteria joins with a space.
const PLAIN_LINE = /^(?!\d{1,9}[.)](?:\s|$))[\p{L}\p{N}]/u;

/**
 * Lines after a criterion's first line become nested items (when already in parseCriteria's format),
 * indented continuation lines (plain words, e.g. "When ..." / "Then ..."), or are joined onto the
 * line before with a space (anything that markdown could read as a block of its own, such as a
 * ``` fence, and any line after a nested item, which markdown could otherwise move after the item's
 * own text). Either way the criterion reads back with the same normalised text, hence the same digest.
 */
function renderCriterion(criterion: Pick<Criterion, 'text' | 'met'>, marker = '-'): string[] {
  const text = typeof criterion.text === 'string' ? criterion.text : '';
  const [first = '', ...rest] = text.replace(/^\s+/, '').split(/\r\n|\r|\n/);
  const out = [`${marker} [${criterion.met ? 'x' : ' '}] ${first.trim()}`];
  const lines = renderRest(rest, out);
  // Lines under "12. " sit deeper than under "- ", or a nested item would leave the list.
  const pad = ' '.repeat(marker.length - 1);
  return [lines[0] as string, ...lines.slice(1).map((line) => pad + line)];
}

function renderRest(rest: readonly string[], out: string[]): string[] {
  let nested = false;
  for (const line of rest) {
    const trimmed = line.trimEnd();
    const content = trimmed.trim();
    if (content === '') continue;
    const item = NESTED_LINE.exec(trimmed);
    if (item && (item[1] !== undefined || fitsNestedItem(item[2] ?? ''))) {
      out.push(trimmed);
      nested = true;
    } else if (!nested && PLAIN_LINE.test(content)) {
      out.push(`  ${content}`);
    } else {
      out[out.length - 1] = `${out[out.length - 1] as string} ${content}`;
    }
  }
  return out;
}

function clampLevel(level: number | undefined): number {
  if (level === undefined || !Number.isFinite(level)) return 2;
  return Math.min(6, Math.max(1, Math.trunc(level)));
}
