import type { List, ListItem, Nodes, Paragraph, RootContent } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmTaskListItemFromMarkdown } from 'mdast-util-gfm-task-list-item';
import { gfmTaskListItem } from 'micromark-extension-gfm-task-list-item';
import { buildCriterionText, type NestedItem } from './build-criterion-text';
import { chooseCriteriaSection, type SectionBlock, type SectionOpener } from './choose-criteria-section';
import { createParseHint } from './create-parse-hint';
import type { Criterion } from './schemas';

/**
 * Reads acceptance criteria out of a markdown description (Linear), with a CommonMark parser and
 * GFM task items, so it reads what the user sees rendered. Which block opens the section and
 * where it ends is chooseCriteriaSection's rule, shared with Jira's ADF reader.
 *
 * A criterion's text is built by buildCriterionText: the item's own text (its paragraphs and
 * other blocks as written, inline markdown and Linear's `\[` escapes kept, lines joined with a
 * space), then one `  - ` line per nested item.
 */

export type ParseHintCode =
  | 'NOT_TEXT'
  | 'NO_SECTION'
  | 'EMPTY_SECTION'
  | 'MULTIPLE_SECTIONS'
  | 'UNLISTED_TEXT'
  | 'EMPTY_ITEM'
  | 'TOO_LONG'
  | 'PARSE_FAILED';

export interface ParseHint {
  code: ParseHintCode;
  message: string;
  /** 1-based line in the description. */
  line?: number;
}

/**
 * `ok: false` means the description could not be read (not text, too long, or the parser
 * failed): `criteria` is then empty but says nothing about the description, so a caller keeps
 * the criteria it had instead of recording them all as removed.
 */
export type ParsedCriteria =
  | { ok: true; criteria: Criterion[]; hints: ParseHint[]; found: boolean }
  | { ok: false; error: Error; criteria: Criterion[]; hints: ParseHint[]; found: false };

/** Where the section sits, as offsets into the markdown as given (UTF-16 code units, a byte order mark counted). */
export interface CriteriaSection {
  opener: SectionOpener;
  /** Start of the block that opens the section. */
  start: number;
  /** End of the section's last block: where a first list goes when it has none. */
  contentEnd: number;
  /** From the start of the section's first list to the end of its last; null when it has none. */
  lists: { start: number; end: number } | null;
  /** Closes a code or HTML block left open at `contentEnd` ('' when none), so that text put after it is read on its own. */
  closer: string;
  /**
   * Start of the section's last block when that is an indented code block, else null. The parser
   * reads a line after such a block as if it interrupted a paragraph ("2) x" is then not a list),
   * so a list put after it would change how the next lines read: it goes before it instead.
   */
  trailingCodeStart: number | null;
  /** How the author wrote the section's first list, for writing it back the same way; null when it has none. */
  listStyle: ListStyle | null;
  /** Where each criterion's item is written, in the order of `criteria`, for changing a checkbox in place. */
  items: CriterionItem[];
}

export type ListStyle = { ordered: false; bullet: '-' | '*' | '+' } | { ordered: true; start: number; delimiter: '.' | ')' };

export interface CriterionItem {
  /** The "[ ]" or "[x]" after the item's marker, null when it has none. */
  box: { start: number; end: number } | null;
  /** Where the item's text starts, after its marker and the blanks after it (and before any checkbox). */
  textStart: number;
}

export type CriteriaScan = ParsedCriteria & {
  section: CriteriaSection | null;
  /** Closes a block left open at the end of the description ('' when none), for appending a section. */
  closer: string;
};

/**
 * Longer descriptions are not read: the parser's time grows faster than the length on some
 * inputs (seconds for 100,000 characters of deeply nested or lazily continued lists, minutes for
 * a megabyte), and a webhook must not stall on one description.
 */
export const MAX_MARKDOWN_LENGTH = 100_000;

/** Reads the first "Acceptance criteria" section of a markdown description. Never throws. */
export function parseCriteria(markdown: string): ParsedCriteria {
  const scan = scanCriteriaSection(markdown);
  return scan.ok
    ? { ok: true, criteria: scan.criteria, hints: scan.hints, found: scan.found }
    : { ok: false, error: scan.error, criteria: scan.criteria, hints: scan.hints, found: false };
}

/** Like `parseCriteria`, and also says where the section is, for rewriting it in place. Never throws. */
export function scanCriteriaSection(markdown: string): CriteriaScan {
  if (typeof markdown !== 'string') return unread('NOT_TEXT', new Error(`the description is ${describeType(markdown)}, not text`));
  const bom = markdown.startsWith('\uFEFF') ? 1 : 0;
  if (markdown.length - bom > MAX_MARKDOWN_LENGTH) {
    return unread('TOO_LONG', new Error(`the description has ${markdown.length - bom} characters, more than ${MAX_MARKDOWN_LENGTH}`));
  }
  try {
    return scanText(markdown.slice(bom), bom);
  } catch (caught) {
    // The parser runs in its own realm under Jest, so its errors may not be instances of this Error.
    return unread('PARSE_FAILED', caught instanceof Error ? caught : new Error(String(caught), { cause: caught }));
  }
}

function unread(code: 'NOT_TEXT' | 'TOO_LONG' | 'PARSE_FAILED', error: Error): CriteriaScan {
  const hint = createParseHint(code, { limit: MAX_MARKDOWN_LENGTH });
  return { ok: false, error, criteria: [], hints: [hint], found: false, section: null, closer: '' };
}

function describeType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

const CHECKBOX = /^\[([ xX])\](?:[ \t]+(.*))?$/;

function scanText(text: string, bias: number): CriteriaScan {
  const tree = fromMarkdown(text, { extensions: [gfmTaskListItem()], mdastExtensions: [gfmTaskListItemFromMarkdown()] });
  const blocks = tree.children;
  const source = (node: Nodes): string => text.slice(startOf(node), endOf(node));
  // A task item's paragraph can start at its checkbox (when bold or a link follows it); its first child never does.
  const ownSource = (node: Nodes): string => (node.type === 'paragraph' ? sourceOfChildren(node, text) : source(node));
  // The blanks that start a block's first line (enough of them to tell code from a fence).
  const indentOf = (node: Nodes): number => {
    const lineStart = Math.max(text.lastIndexOf('\n', startOf(node) - 1), text.lastIndexOf('\r', startOf(node) - 1)) + 1;
    return countIndent(/^[ \t]*/.exec(text.slice(lineStart, startOf(node) + 4))?.[0] ?? '');
  };
  const closer = closeBlock(blocks[blocks.length - 1], source, indentOf);
  const choice = chooseCriteriaSection(blocks.map((block) => describeBlock(block, text)));
  if (!choice) return { ok: true, criteria: [], hints: [createParseHint('NO_SECTION')], found: false, section: null, closer };

  const hints: ParseHint[] = [];
  const criteria: Criterion[] = [];
  let listsStart = -1;
  let listsEnd = -1;
  let unlistedUntil = -1;

  /** An item's own blocks, nested lists left out; a checkbox that only shows after joining lines counts. */
  const readOwn = (item: ListItem): { text: string; checked: boolean | null } => {
    const own = item.children.filter((child) => child.type !== 'list').map((child) => joinLines(ownSource(child)));
    const joined = own.filter((part) => part !== '').join(' ');
    const box = item.checked == null ? CHECKBOX.exec(joined) : null;
    if (box) return { text: (box[2] ?? '').trim(), checked: box[1] !== ' ' };
    return { text: joined, checked: item.checked ?? null };
  };
  const readNested = (item: ListItem, depth: number, into: NestedItem[]): void => {
    for (const list of item.children) {
      if (list.type !== 'list') continue;
      for (const child of list.children) {
        const own = readOwn(child);
        if (own.text === '') hints.push(createParseHint('EMPTY_ITEM', { line: lineOf(child) }));
        else into.push({ depth, ...own });
        readNested(child, depth + 1, into);
      }
    }
  };

  const items: CriterionItem[] = [];
  let listStyle: ListStyle | null = null;
  for (let i = choice.start + 1; i < choice.end; i++) {
    const block = blocks[i] as RootContent;
    if (block.type === 'list') {
      if (listsStart < 0) {
        listsStart = startOf(block) + bias;
        listStyle = readListStyle(block, text);
      }
      listsEnd = endOf(block) + bias;
      for (const item of block.children) {
        const own = readOwn(item);
        if (own.text === '') {
          hints.push(createParseHint('EMPTY_ITEM', { line: lineOf(item) }));
          continue;
        }
        const nested: NestedItem[] = [];
        readNested(item, 1, nested);
        criteria.push({ id: null, text: buildCriterionText(own.text, nested), met: own.checked === true });
        items.push(locateItem(item, text, bias));
      }
    } else if (block.type === 'heading') {
      // Only a deeper heading is inside the section: it groups criteria ("### Non-functional").
      hints.push(createParseHint('UNLISTED_TEXT', { line: lineOf(block), heading: joinLines(sourceOfChildren(block, text)) }));
    } else if (block.type !== 'thematicBreak' && !(block.type === 'html' && /^\s*<!--/.test(block.value))) {
      // One hint for a run of blocks with no blank line between them.
      if (lineOf(block) !== unlistedUntil + 1) hints.push(createParseHint('UNLISTED_TEXT', { line: lineOf(block) }));
      unlistedUntil = endLineOf(block);
    }
  }

  const opening = blocks[choice.start] as RootContent;
  // A label that ends a longer paragraph opens the section at its own line.
  const labelEnds = opening.type === 'paragraph' && lineOf(opening) !== endLineOf(opening);
  const openingLine = labelEnds ? endLineOf(opening) : lineOf(opening);
  const openingStart = labelEnds ? lineStartOf(text, endOf(opening)) : startOf(opening);
  if (criteria.length === 0) hints.push(createParseHint('EMPTY_SECTION', { line: openingLine }));
  if (choice.next !== null) {
    hints.push(createParseHint('MULTIPLE_SECTIONS', { line: lineOf(blocks[choice.next] as RootContent), firstLine: openingLine }));
  }
  hints.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));

  const last = blocks[choice.end - 1] as RootContent;
  const section: CriteriaSection = {
    opener: choice.opener,
    start: openingStart + bias,
    contentEnd: endOf(last) + bias,
    lists: listsStart < 0 ? null : { start: listsStart, end: listsEnd },
    closer: closeBlock(last, source, indentOf),
    trailingCodeStart: last.type === 'code' && !isFenced(last, source, indentOf) ? startOf(last) + bias : null,
    listStyle,
    items,
  };
  return { ok: true, criteria, hints, found: true, section, closer };
}

function describeBlock(block: RootContent, text: string): SectionBlock {
  switch (block.type) {
    case 'heading':
      return { kind: 'heading', level: block.depth, title: sourceOfChildren(block, text) };
    case 'paragraph': {
      if (lineOf(block) !== endLineOf(block)) {
        const last = describeLastLine(block, text);
        return last ? { kind: 'lines', last } : { kind: 'other' };
      }
      const [first, second, ...rest] = block.children;
      const colonOnly = second === undefined || (second.type === 'text' && /^\s*:\s*$/.test(second.value));
      if (first?.type === 'strong' && rest.length === 0 && colonOnly) return { kind: 'bold', title: sourceOfChildren(first, text) };
      return { kind: 'line', title: text.slice(startOf(block), endOf(block)) };
    }
    case 'list':
      return { kind: 'list' };
    case 'thematicBreak':
      return { kind: 'rule' };
    default:
      return { kind: 'other' };
  }
}

const ITEM_START = /^((?:[-*+]|(\d{1,9})([.)]))(?:[ \t]+|(?=[\r\n]|$)))(\[[ xX]\](?=[ \t\r\n]|$))?/;

function readListStyle(list: List, text: string): ListStyle | null {
  const found = ITEM_START.exec(text.slice(startOf(list), startOf(list) + 16));
  if (!found) return null;
  const marker = (found[1] as string).trim();
  if (found[2] === undefined) return { ordered: false, bullet: marker as '-' | '*' | '+' };
  return { ordered: true, start: Number(found[2]), delimiter: found[3] as '.' | ')' };
}

function locateItem(item: ListItem, text: string, bias: number): CriterionItem {
  const at = startOf(item);
  const found = ITEM_START.exec(text.slice(at, at + 32));
  const textStart = at + (found?.[1]?.length ?? 0);
  const box = found?.[4] === undefined ? null : { start: textStart + bias, end: textStart + bias + 3 };
  return { box, textStart: textStart + bias };
}

const BOLD_LINE = /^(\*\*|__)((?:(?!\1).)+)\1[ \t]*(?::[ \t]*)?$/;

/**
 * The last line of a paragraph of several lines, when it stands on its own: no emphasis, link or
 * code span runs into it from the line above (only plain text and line breaks end there).
 */
function describeLastLine(block: Paragraph, text: string): { bold: boolean; title: string } | null {
  const end = endOf(block);
  const lineStart = lineStartOf(text, end);
  const line = text.slice(lineStart, end).trim();
  const from = lineStart + (text.slice(lineStart, end).length - text.slice(lineStart, end).trimStart().length);
  const crosses = block.children.some((child) => child.type !== 'text' && startOf(child) < from && endOf(child) > from);
  if (crosses || line === '') return null;
  const bold = BOLD_LINE.exec(line);
  return bold ? { bold: true, title: bold[2] as string } : { bold: false, title: line };
}

// HTML blocks that only end at a closing marker (CommonMark kinds 1 to 5); the others end at a blank line.
const HTML_ENDS: [RegExp, string][] = [
  [/^<!--/, '-->'],
  [/^<\?/, '?>'],
  [/^<!\[CDATA\[/, ']]>'],
  [/^<![A-Za-z]/, '>'],
];
const RAW_HTML = /^<(script|pre|style|textarea)(?:\s|>|$)/i;

/** What closes a fenced code block or HTML block that runs to the end of the text; '' for any other block. */
function closeBlock(block: RootContent | undefined, source: (node: Nodes) => string, indentOf: (node: Nodes) => number): string {
  if (block?.type === 'code') {
    if (!isFenced(block, source, indentOf)) return '';
    const written = source(block);
    const fence = /^[ \t]*(`{3,}|~{3,})/.exec(written)?.[1] as string;
    const lines = written.split(/\r\n|\r|\n/);
    const lastLine = lines.length > 1 ? (lines[lines.length - 1] as string).trim() : '';
    const closed = lastLine.length >= fence.length && [...lastLine].every((ch) => ch === fence[0]);
    return closed ? '' : (fence[0] as string).repeat(fence.length);
  }
  if (block?.type === 'html') {
    const written = block.value.trimStart();
    const raw = RAW_HTML.exec(written);
    if (raw) return new RegExp(`</(?:script|pre|style|textarea)>`, 'i').test(written) ? '' : `</${(raw[1] as string).toLowerCase()}>`;
    const end = HTML_ENDS.find(([opens]) => opens.test(written))?.[1];
    return end === undefined || written.includes(end, 1) ? '' : end;
  }
  return '';
}

/** Indented four columns or more, a "```" is the text of an indented code block, which ends by itself. */
function isFenced(block: Nodes, source: (node: Nodes) => string, indentOf: (node: Nodes) => number): boolean {
  return indentOf(block) <= 3 && /^[ \t]*(?:`{3,}|~{3,})/.test(source(block));
}

/** Columns of leading blanks, tabs to 4-column stops, as CommonMark counts indentation. */
function countIndent(blanks: string): number {
  let col = 0;
  for (const ch of blanks) col = ch === '\t' ? col + 4 - (col % 4) : col + 1;
  return col;
}

function lineStartOf(text: string, offset: number): number {
  return Math.max(text.lastIndexOf('\n', offset - 1), text.lastIndexOf('\r', offset - 1)) + 1;
}

function sourceOfChildren(node: { children: Nodes[] }, text: string): string {
  const first = node.children[0];
  const last = node.children[node.children.length - 1];
  return first && last ? text.slice(startOf(first), endOf(last)) : '';
}

function joinLines(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
}

function startOf(node: Nodes): number {
  return node.position?.start.offset ?? 0;
}

function endOf(node: Nodes): number {
  return node.position?.end.offset ?? 0;
}

function lineOf(node: Nodes): number {
  return node.position?.start.line ?? 1;
}

function endLineOf(node: Nodes): number {
  return node.position?.end.line ?? 1;
}
