import type { Criterion } from './schemas';

/**
 * Reads acceptance criteria out of a markdown description (Linear descriptions, Jira text).
 *
 * Format of a criterion's text, so that `renderCriteria` can write it back unchanged:
 * - the item's own text, with wrapped (continuation) lines joined by a single space;
 * - then one line per nested item, in document order:
 *   `'  '.repeat(depth) + '- ' + ('[ ] ' | '[x] ' | '') + text`, depth 1 for a direct child.
 *   Nested items are always written with `-`, whatever marker the source used, and keep
 *   their checkbox (lower-case `x`) when they had one.
 * Inline markdown (`**bold**`, links, Linear's `\[` escapes) is kept as written.
 */

export type ParseHintCode =
  | 'NOT_TEXT'
  | 'NO_SECTION'
  | 'EMPTY_SECTION'
  | 'MULTIPLE_SECTIONS'
  | 'UNLISTED_TEXT'
  | 'EMPTY_ITEM'
  | 'PARSE_FAILED';

export interface ParseHint {
  code: ParseHintCode;
  message: string;
  /** 1-based line in the description. */
  line?: number;
}

export interface ParsedCriteria {
  criteria: Criterion[];
  hints: ParseHint[];
  found: boolean;
}

/** Where the criteria section sits, as 0-based line indexes into `lines`. */
export interface CriteriaSection {
  /** The heading (or bold line) that opens the section. */
  startLine: number;
  /** First line after the section (exclusive end). */
  endLine: number;
  /**
   * First and last line that belong to a list item, and the indentation of the last top-level
   * item; null when the section has no items.
   */
  itemLines: { from: number; to: number; indent: number } | null;
}

export interface CriteriaScan extends ParsedCriteria {
  /** The description split into lines, line endings removed. */
  lines: string[];
  section: CriteriaSection | null;
}

const SECTION_TITLES = new Set(['acceptance criteria', 'acceptance criterion', 'ac', 'acceptance criteria (ac)']);

type LineKind = 'blank' | 'text' | 'heading' | 'underline' | 'hr' | 'item' | 'bold' | 'code' | 'comment';

interface Line {
  kind: LineKind;
  /** Leading spaces after tab expansion. */
  indent: number;
  /** The line without indentation and trailing whitespace. */
  body: string;
  /** Heading level (1-6), for headings. */
  level: number;
  /** Heading or bold-line text, for headings and bold lines. */
  title: string;
  /** For list items: the checkbox state (null = no checkbox) and the text after the marker. */
  checked: boolean | null;
  itemText: string;
  /** The line has a list marker (an 'hr' line such as "- - -" can have one too). */
  isItem: boolean;
  /** For code and comment lines: the line that opened the block. */
  block: number;
}

interface ChildDraft {
  line: number;
  depth: number;
  checked: boolean | null;
  parts: string[];
}

interface ItemDraft {
  line: number;
  checked: boolean;
  parts: string[];
  children: ChildDraft[];
}

/** Reads the first "Acceptance criteria" section of a markdown description. Never throws. */
export function parseCriteria(markdown: string): ParsedCriteria {
  const { criteria, hints, found } = scanCriteriaSection(markdown);
  return { criteria, hints, found };
}

/** Like `parseCriteria`, and also says where the section is, for rewriting it in place. Never throws. */
export function scanCriteriaSection(markdown: string): CriteriaScan {
  if (typeof markdown !== 'string') {
    return {
      criteria: [],
      hints: [{ code: 'NOT_TEXT', message: 'The description is not text, so no acceptance criteria could be read from it.' }],
      found: false,
      lines: [],
      section: null,
    };
  }
  try {
    return scanText(markdown);
  } catch {
    // A safety net for bugs: a webhook must never fail on an odd description. Tests assert this never fires.
    return {
      criteria: [],
      hints: [{ code: 'PARSE_FAILED', message: 'The description could not be read; no acceptance criteria were taken from it.' }],
      found: false,
      lines: splitLines(markdown),
      section: null,
    };
  }
}

function splitLines(markdown: string): string[] {
  return markdown.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
}

function scanText(markdown: string): CriteriaScan {
  const raw = splitLines(markdown);
  const lines = classifyLines(raw);
  const hints: ParseHint[] = [];

  const start = lines.findIndex(isSectionStart);
  if (start < 0) {
    return {
      criteria: [],
      hints: [{
        code: 'NO_SECTION',
        message: "No 'Acceptance criteria' section was found. Add a heading 'Acceptance criteria' with one list item per criterion.",
      }],
      found: false,
      lines: raw,
      section: null,
    };
  }

  const opener = lines[start] as Line;
  const boldStart = opener.kind === 'bold';
  const startLevel = opener.level;

  const items: ItemDraft[] = [];
  let current: ItemDraft | null = null;
  let last: ItemDraft | ChildDraft | null = null;
  let stack: number[] = [];
  let blankBefore = false;
  let unlistedOpen = false;
  let itemFrom = -1;
  let itemTo = -1;
  let topIndent = 0;
  let itemBlock = -1;
  let end = lines.length;

  const closeItem = (): void => {
    current = null;
    last = null;
    stack = [];
  };
  const takeIntoItem = (i: number): void => {
    if (itemFrom < 0) itemFrom = i;
    itemTo = i;
    unlistedOpen = false;
  };
  const reportUnlisted = (i: number, message: string): void => {
    if (!unlistedOpen) hints.push({ code: 'UNLISTED_TEXT', message, line: i + 1 });
    unlistedOpen = true;
  };

  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] as Line;
    if (line.kind === 'blank') {
      blankBefore = true;
      unlistedOpen = false;
      continue;
    }
    if (line.kind === 'underline') continue;

    const open: ItemDraft | null = current;
    // Anything indented under an open item belongs to it, even a line that looks like a heading.
    // A code block or comment goes as a whole: with the item its first line is in, or not at all.
    const inBlock = line.block >= 0 && line.block !== i;
    const intoItem = open !== null && (inBlock ? line.block === itemBlock : line.indent >= (stack[0] ?? 0) + 2);
    if (line.kind === 'comment' && !intoItem) continue;

    if (!intoItem) {
      if (line.kind === 'heading') {
        if (boldStart || line.level <= startLevel) {
          end = i;
          break;
        }
        // A deeper heading groups criteria ("### Non-functional"): its items still count.
        closeItem();
        hints.push({
          code: 'UNLISTED_TEXT',
          message: `The heading '${line.title}' on line ${i + 1} is not a criterion; the list items under it are still read.`,
          line: i + 1,
        });
        unlistedOpen = false;
        blankBefore = false;
        continue;
      }
      if (line.kind === 'hr') {
        if (boldStart) {
          end = i;
          break;
        }
        closeItem();
        blankBefore = false;
        continue;
      }
      if (line.kind === 'bold' && boldStart) {
        end = i;
        break;
      }
    }

    // "  - ---" under an item is a nested item whose text is "---", not a horizontal rule.
    if (line.kind === 'item' || (line.kind === 'hr' && intoItem && line.isItem)) {
      if (open !== null && intoItem) {
        while (stack.length > 1 && line.indent < (stack[stack.length - 1] ?? 0) + 2) stack.pop();
        const child: ChildDraft = { line: i, depth: stack.length, checked: line.checked, parts: [line.itemText] };
        stack.push(line.indent);
        open.children.push(child);
        last = child;
      } else {
        const item: ItemDraft = { line: i, checked: line.checked === true, parts: [line.itemText], children: [] };
        items.push(item);
        current = item;
        last = item;
        stack = [line.indent];
        topIndent = line.indent;
      }
      takeIntoItem(i);
      blankBefore = false;
      continue;
    }

    // Lazy continuation (no blank line before) only continues paragraph text, as in CommonMark.
    const lazy = !blankBefore && (line.kind === 'text' || line.kind === 'bold');
    if (last !== null && (intoItem || lazy)) {
      last.parts.push(line.body);
      takeIntoItem(i);
      if (line.block === i) itemBlock = i;
    } else {
      closeItem();
      reportUnlisted(
        i,
        `Text on line ${i + 1} in the acceptance criteria section is not a list item, so it is not read as a criterion. ` +
          "Make it a list item ('- [ ] ...') if it is one.",
      );
    }
    blankBefore = false;
  }

  // An underline belongs to the heading-like line above it, so rewriting the list takes both.
  if (itemTo >= 0 && lines[itemTo + 1]?.kind === 'underline') itemTo += 1;

  const criteria: Criterion[] = [];
  for (const item of items) {
    const text = joinParts(item.parts);
    if (!text) {
      hints.push({ code: 'EMPTY_ITEM', message: `The list item on line ${item.line + 1} has no text and was skipped.`, line: item.line + 1 });
      continue;
    }
    const childLines: string[] = [];
    let previousDepth = 0;
    for (const child of item.children) {
      let childText = joinParts(child.parts);
      let checked = child.checked;
      // Text that only starts with a checkbox after joining ("- \n  [x] done") reads back as one, so it is one.
      const box = checked === null ? CHECKBOX.exec(childText) : null;
      if (box) {
        checked = box[1] !== ' ';
        childText = (box[2] ?? '').trim();
      }
      if (!childText) {
        hints.push({ code: 'EMPTY_ITEM', message: `The list item on line ${child.line + 1} has no text and was skipped.`, line: child.line + 1 });
        continue;
      }
      // A skipped item must not leave a gap in the nesting, or the text would not read back the same.
      const depth = Math.min(child.depth, previousDepth + 1);
      previousDepth = depth;
      const mark = checked === null ? '' : checked ? '[x] ' : '[ ] ';
      childLines.push(`${'  '.repeat(depth)}- ${mark}${childText}`);
    }
    criteria.push({ id: null, text: [text, ...childLines].join('\n'), met: item.checked });
  }

  if (criteria.length === 0) {
    hints.push({
      code: 'EMPTY_SECTION',
      message: "The 'Acceptance criteria' section has no list items, so this deliverable has no criteria yet.",
      line: start + 1,
    });
  }

  const second = lines.findIndex((line, i) => i >= end && isSectionStart(line));
  if (second >= 0) {
    hints.push({
      code: 'MULTIPLE_SECTIONS',
      message: `There is more than one 'Acceptance criteria' section; only the first (line ${start + 1}) was read. Merge them into one.`,
      line: second + 1,
    });
  }

  hints.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return {
    criteria,
    hints,
    found: true,
    lines: raw,
    section: { startLine: start, endLine: end, itemLines: itemFrom >= 0 ? { from: itemFrom, to: itemTo, indent: topIndent } : null },
  };
}

function joinParts(parts: readonly string[]): string {
  return parts.map((p) => p.trim()).filter((p) => p !== '').join(' ');
}

function isSectionStart(line: Line): boolean {
  return (line.kind === 'heading' || line.kind === 'bold') && isSectionTitle(line.title);
}

function isSectionTitle(title: string): boolean {
  const t = title
    .replace(/\\([^\w\s])/g, '$1') // Linear escapes punctuation: "Acceptance criteria \(AC\)"
    .replace(/[*_`]+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\s*:$/, '')
    .trim()
    .toLowerCase();
  return SECTION_TITLES.has(t);
}

/** Expands tabs in the leading whitespace to 4-column tab stops, as CommonMark counts indentation. */
function measureIndent(line: string): { indent: number; rest: string } {
  let col = 0;
  let i = 0;
  for (; i < line.length; i++) {
    const ch = line[i];
    if (ch === ' ') col += 1;
    else if (ch === '\t') col += 4 - (col % 4);
    else break;
  }
  return { indent: col, rest: line.slice(i) };
}

const ATX = /^(#{1,6})(?:[ \t]+(.*))?$/;
const HR = /^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const ITEM = /^([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$/;
const CHECKBOX = /^\[([ xX])\](?:[ \t]+(.*))?$/;
const BOLD = /^(?:\*\*([^*]+)\*\*|__([^_]+)__)[ \t]*:?$/;
const FENCE = /^(`{3,}|~{3,})/;
const SETEXT = /^(?:=+|-{2,})[ \t]*$/;

function classifyLines(raw: readonly string[]): Line[] {
  const out: Line[] = raw.map((text) => classifyLine(text));
  // Remembered failures, so that thousands of stray openers cost one search, not one each.
  const unclosedFence = new Map<string, number>(); // fence character -> shortest marker known never to close
  let noCommentCloseBefore = -1;
  for (let i = 0; i < out.length; i++) {
    const line = out[i] as Line;
    if (line.indent > 3) continue;

    const fence = line.kind === 'text' ? FENCE.exec(line.body) : null;
    if (fence) {
      const marker = fence[1] as string;
      const known = unclosedFence.get(marker[0] as string);
      const close = known !== undefined && marker.length >= known ? -1 : findFenceEnd(out, i, marker);
      if (close >= 0) {
        for (let j = i; j <= close; j++) Object.assign(out[j] as Line, { kind: 'code', block: i });
        i = close;
      } else {
        unclosedFence.set(marker[0] as string, Math.min(known ?? Infinity, marker.length));
      }
      continue;
    }

    if (line.kind === 'text' && line.body.startsWith('<!--')) {
      // A comment must close before the next blank line; a stray "<!--" is read as text.
      let close = -1;
      if (i >= noCommentCloseBefore) {
        let j = i;
        for (; j < out.length && (j === i || (out[j] as Line).kind !== 'blank'); j++) {
          if ((out[j] as Line).body.includes('-->')) {
            close = j;
            break;
          }
        }
        if (close < 0) noCommentCloseBefore = j;
      }
      if (close >= 0) {
        for (let j = i; j <= close; j++) Object.assign(out[j] as Line, { kind: 'comment', block: i });
        i = close;
      }
      continue;
    }

    const next = out[i + 1];
    const prev = out[i - 1];
    const prevAllows = prev === undefined || prev.kind === 'blank' || prev.kind === 'heading' || prev.kind === 'underline';
    if ((line.kind === 'text' || line.kind === 'bold') && prevAllows && next && next.indent <= 3 && SETEXT.test(next.body)) {
      line.title = line.title || line.body;
      line.kind = 'heading';
      line.level = next.body.startsWith('=') ? 1 : 2;
      next.kind = 'underline';
      i += 1;
    }
  }
  return out;
}

/**
 * The closing line of a fenced block, or -1 when it never closes. Lenient on purpose: an unclosed
 * fence is read as plain text, so one stray ``` cannot swallow the rest of a description.
 */
function findFenceEnd(lines: readonly Line[], open: number, marker: string): number {
  const ch = marker[0] as string;
  for (let j = open + 1; j < lines.length; j++) {
    const line = lines[j] as Line;
    if (line.indent <= 3 && line.body.length >= marker.length && [...line.body].every((c) => c === ch)) return j;
  }
  return -1;
}

function classifyLine(text: string): Line {
  const { indent, rest } = measureIndent(text);
  const body = rest.trimEnd();
  const line: Line = { kind: 'text', indent, body, level: 0, title: '', checked: null, itemText: '', isItem: false, block: -1 };
  if (body === '') {
    line.kind = 'blank';
    return line;
  }
  if (indent <= 3) {
    const atx = ATX.exec(body);
    if (atx) {
      line.kind = 'heading';
      line.level = (atx[1] as string).length;
      line.title = (atx[2] ?? '').replace(/(?:^|[ \t]+)#+$/, '').trim();
      return line;
    }
  }
  const item = ITEM.exec(body);
  if (item) {
    line.kind = 'item';
    line.isItem = true;
    const content = (item[2] ?? '').trim();
    const box = CHECKBOX.exec(content);
    if (box) {
      line.checked = box[1] !== ' ';
      line.itemText = (box[2] ?? '').trim();
    } else {
      line.itemText = content;
    }
  }
  if (indent <= 3 && HR.test(body)) {
    line.kind = 'hr';
    return line;
  }
  if (item) return line;
  if (indent <= 3) {
    const bold = BOLD.exec(body);
    if (bold) {
      line.kind = 'bold';
      line.title = (bold[1] ?? bold[2] ?? '').trim();
    }
  }
  return line;
}
