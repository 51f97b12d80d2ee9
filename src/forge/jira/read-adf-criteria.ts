import { traverse } from '@atlaskit/adf-utils/traverse';
import type { ADFEntity, EntityParent } from '@atlaskit/adf-utils/types';
import { buildCriterionText, type NestedItem } from '../../core/build-criterion-text';
import { chooseCriteriaSection, type SectionBlock } from '../../core/choose-criteria-section';
import { createParseHint } from '../../core/create-parse-hint';
import { parseCriteria, type ParsedCriteria, type ParseHint } from '../../core/parse-criteria';
import type { Criterion } from '../../core/schemas';

/** What the reader found, and whether the description has any text at all. */
export type AdfCriteria = ParsedCriteria & { empty: boolean };

/**
 * Reads the acceptance criteria of a Jira description (Atlassian Document Format) from its
 * document tree: the section is chosen by the rules the markdown reader uses
 * (chooseCriteriaSection), its criteria are the items of its lists (an action item is met when
 * DONE), and a paragraph is never a criterion, whatever its text ("- [x] Refunded" included).
 * A panel, expand or layout is read through, as if its content stood in the description.
 * Never throws: a document it cannot walk gives `ok: false`, so the caller keeps its criteria.
 */
export function readAdfCriteria(document: unknown): AdfCriteria {
  if (typeof document === 'string') return { ...parseCriteria(document), empty: document.trim() === '' };
  if (document === null || document === undefined) return { ok: true, criteria: [], hints: [createParseHint('NO_SECTION')], found: false, empty: true };
  if (typeof document !== 'object') {
    return { ok: false, error: new Error(`the description is ${typeof document}, not a document`), criteria: [], hints: [createParseHint('NOT_TEXT')], found: false, empty: false };
  }
  try {
    return readDocument(document as ADFEntity);
  } catch (caught) {
    const error = caught instanceof Error ? caught : new Error(String(caught), { cause: caught });
    return { ok: false, error, criteria: [], hints: [createParseHint('PARSE_FAILED')], found: false, empty: false };
  }
}

interface ReadItem extends NestedItem {
  /** Depth 0 is a criterion; deeper items are nested under the one before. */
  depth: number;
}

interface Block {
  shape: SectionBlock;
  /** For a heading: its text, for the hint. */
  title: string;
  items: ReadItem[];
}

const LISTS = new Set(['bulletList', 'orderedList', 'taskList', 'decisionList']);
const ITEMS = new Set(['listItem', 'taskItem', 'decisionItem', 'blockTaskItem']);
/** Blocks without text to read. */
const SILENT = new Set(['mediaSingle', 'mediaGroup', 'media', 'mediaInline', 'extension', 'inlineExtension']);
/** Blocks read as one piece: text in the section that is not a criterion. */
const OPAQUE = new Set(['blockquote', 'codeBlock', 'table', 'tableRow', 'tableCell', 'tableHeader', 'blockCard', 'embedCard']);
/** Inline nodes that show text, so the description is not empty. */
const INLINE_TEXT = new Set(['mention', 'emoji', 'inlineCard', 'status', 'date']);

function readDocument(document: ADFEntity): AdfCriteria {
  const blocks: Block[] = [];
  let empty = true;
  traverse(document, {
    any: (node, parent) => {
      if ((node.type === 'text' && (node.text ?? '').trim() !== '') || INLINE_TEXT.has(node.type)) empty = false;
      if (parent.node === undefined) return undefined;
      if (ITEMS.has(node.type)) {
        const depth = countOuterLists(parent);
        const list = blocks[blocks.length - 1];
        if (depth !== null && list?.shape.kind === 'list') list.items.push({ depth, checked: readState(node), text: readOwnText(node) });
        return undefined;
      }
      if (isSectionLevel(parent)) {
        const block = describeBlock(node);
        if (block) blocks.push(block);
      }
      return undefined;
    },
  });

  const choice = chooseCriteriaSection(blocks.map((b) => b.shape));
  if (!choice) return { ok: true, criteria: [], hints: [createParseHint('NO_SECTION')], found: false, empty };

  const criteria: Criterion[] = [];
  const hints: ParseHint[] = [];
  let unlistedBefore = false;
  for (const block of blocks.slice(choice.start + 1, choice.end)) {
    const { kind } = block.shape;
    if (kind === 'list') {
      criteria.push(...readCriteria(block.items, hints));
    } else if (kind === 'heading') {
      // Only a deeper heading is inside the section: it groups criteria ("Non-functional").
      hints.push(createParseHint('UNLISTED_TEXT', { heading: block.title }));
    } else if (kind !== 'rule' && !unlistedBefore) {
      // One hint for a run of text blocks: without lines, more would only repeat it.
      hints.push(createParseHint('UNLISTED_TEXT'));
    }
    unlistedBefore = kind !== 'list' && kind !== 'heading' && kind !== 'rule';
  }
  if (criteria.length === 0) hints.push(createParseHint('EMPTY_SECTION'));
  if (choice.next !== null) hints.push(createParseHint('MULTIPLE_SECTIONS'));
  return { ok: true, criteria, hints, found: true, empty };
}

/** A list's items, in document order with nested ones after their parent, as criteria with their nested lines. */
function readCriteria(items: readonly ReadItem[], hints: ParseHint[]): Criterion[] {
  const criteria: Criterion[] = [];
  items.forEach((item, i) => {
    if (item.depth !== 0) return;
    if (item.text === '') {
      // Its nested items go with it, as in markdown.
      hints.push(createParseHint('EMPTY_ITEM'));
      return;
    }
    const nested: NestedItem[] = [];
    for (const child of items.slice(i + 1)) {
      if (child.depth === 0) break;
      if (child.text === '') hints.push(createParseHint('EMPTY_ITEM'));
      else nested.push(child);
    }
    criteria.push({ id: null, text: buildCriterionText(item.text, nested), met: item.checked === true });
  });
  return criteria;
}

function describeBlock(node: ADFEntity): Block | null {
  const block = (shape: SectionBlock, title = ''): Block => ({ shape, title, items: [] });
  switch (node.type) {
    case 'heading': {
      const title = readInline(node.content).join(' ');
      return block({ kind: 'heading', level: Math.min(6, Math.max(1, Number(node.attrs?.level ?? 1) || 1)), title }, title);
    }
    case 'paragraph': {
      const lines = readInline(node.content);
      const title = lines.join(' ');
      if (title.trim() === '') return null;
      if (lines.length > 1) {
        // After a hard break, the last line can be a label right before a list, as in markdown.
        const inline = nodesOf(node.content);
        const tail = inline.slice(inline.map((n) => n.type).lastIndexOf('hardBreak') + 1);
        const last = readInline(tail).join(' ').trim();
        return block(last === '' ? { kind: 'other' } : { kind: 'lines', last: { bold: isBoldLine({ type: 'paragraph', content: tail }), title: last } });
      }
      return block(isBoldLine(node) ? { kind: 'bold', title } : { kind: 'line', title });
    }
    case 'rule':
      return block({ kind: 'rule' });
    case 'expand':
    case 'nestedExpand': {
      // Its title heads its content, as a bold line would; the content is read as the blocks after it.
      const title = typeof node.attrs?.title === 'string' ? node.attrs.title.trim() : '';
      return title === '' ? null : block({ kind: 'bold', title });
    }
    default:
      if (LISTS.has(node.type)) return block({ kind: 'list' });
      if (SILENT.has(node.type) || isContainer(node)) return null;
      return block({ kind: 'other' });
  }
}

/** All its text in bold, but for a colon after it: how people title a section ("**Acceptance criteria**:"). */
function isBoldLine(paragraph: ADFEntity): boolean {
  const texts = nodesOf(paragraph.content).filter((n) => n.type === 'text' && (n.text ?? '').trim() !== '');
  const bold = (n: ADFEntity): boolean => (n.marks ?? []).some((m) => m.type === 'strong');
  return texts.length > 0 && texts.every((n, i) => bold(n) || (i === texts.length - 1 && i > 0 && (n.text ?? '').trim() === ':'));
}

/** A block that only holds other blocks (panel, expand, layout, bodied extension): read through. */
function isContainer(node: ADFEntity): boolean {
  return Array.isArray(node.content) && !OPAQUE.has(node.type) && !LISTS.has(node.type) && !ITEMS.has(node.type) && node.type !== 'paragraph' && node.type !== 'heading';
}

function isSectionLevel(parent: EntityParent): boolean {
  for (let at: EntityParent | undefined = parent; at?.node; at = at.parent) {
    if (at.node.type !== 'doc' && !isContainer(at.node)) return false;
  }
  return true;
}

/** For an item: how many lists it is nested in below the section-level list, or null when that list is not at section level. */
function countOuterLists(parent: EntityParent): number | null {
  let lists = 0;
  let at: EntityParent | undefined = parent;
  for (; at?.node && (LISTS.has(at.node.type) || ITEMS.has(at.node.type)); at = at.parent) if (LISTS.has(at.node.type)) lists += 1;
  return lists > 0 && at !== undefined && isSectionLevel(at) ? lists - 1 : null;
}

function readState(item: ADFEntity): boolean | null {
  if (item.type === 'taskItem' || item.type === 'blockTaskItem') return item.attrs?.state === 'DONE';
  if (item.type === 'decisionItem') return item.attrs?.state === 'DECIDED';
  return null;
}

/** An item's own text on one line: its paragraphs and other blocks, nested lists left out. */
function readOwnText(item: ADFEntity): string {
  const content = nodesOf(item.content);
  const parts =
    item.type === 'taskItem' || item.type === 'decisionItem'
      ? readInline(content)
      : content
          .filter((child) => !LISTS.has(child.type))
          .flatMap((child) => (child.type === 'codeBlock' ? ['```', ...readInline(child.content), '```'] : readInline(child.content)));
  return parts
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join(' ');
}

/** Inline content as lines (hard breaks start a new line); blocks give their text. */
function readInline(content: unknown): string[] {
  let text = '';
  for (const node of nodesOf(content)) {
    switch (node.type) {
      case 'text':
        text += applyMarks(node.text ?? '', node.marks ?? []);
        break;
      case 'hardBreak':
        text += '\n';
        break;
      case 'mention':
        text += String(node.attrs?.text ?? `@${String(node.attrs?.id ?? 'someone')}`);
        break;
      case 'emoji':
        text += String(node.attrs?.text ?? node.attrs?.shortName ?? '');
        break;
      case 'inlineCard':
      case 'blockCard':
        text += String(node.attrs?.url ?? '');
        break;
      case 'status':
        text += `[${String(node.attrs?.text ?? '')}]`;
        break;
      case 'date':
        text += Number.isFinite(Number(node.attrs?.timestamp)) ? new Date(Number(node.attrs?.timestamp)).toISOString().slice(0, 10) : '';
        break;
      default:
        text += readInline(node.content).join('\n');
    }
  }
  return text.split('\n');
}

/**
 * Criteria are shown as plain text, so emphasis is dropped; code keeps its backticks and a link
 * keeps its address, since both carry meaning a tester needs.
 */
function applyMarks(text: string, marks: NonNullable<ADFEntity['marks']>): string {
  let out = text;
  for (const mark of marks) {
    if (mark.type === 'code') out = `\`${out}\``;
    else if (mark.type === 'link' && typeof mark.attrs?.href === 'string' && mark.attrs.href !== out) out = `${out} (${mark.attrs.href})`;
  }
  return out;
}

function nodesOf(content: unknown): ADFEntity[] {
  return Array.isArray(content) ? content.filter((n): n is ADFEntity => typeof n === 'object' && n !== null) : [];
}
