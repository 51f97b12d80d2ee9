// Atlassian Document Format (the Jira Cloud REST v3 description) to markdown-ish text that
// parseCriteria reads: headings as "#", all-bold paragraphs as "**…**", lists as "- " / "1. ",
// task lists as "- [ ] " / "- [x] ", nesting by two spaces. Unknown nodes contribute their text, so nothing
// a product owner wrote silently disappears.

interface AdfNode {
  type?: string;
  text?: string;
  attrs?: Record<string, unknown>;
  marks?: { type?: string; attrs?: Record<string, unknown> }[];
  content?: AdfNode[];
}

const INDENT = '  ';

export function convertAdfToText(document: unknown): string {
  if (typeof document === 'string') return document;
  if (!isNode(document)) return '';
  const blocks = nodes(document.content).map((n) => renderBlock(n, '').join('\n'));
  return blocks
    .filter((b) => b.trim() !== '')
    .join('\n\n')
    .trim();
}

function renderBlock(node: AdfNode, indent: string): string[] {
  switch (node.type) {
    case 'paragraph': {
      const lines = renderInline(node.content);
      // A paragraph all in bold is how people title a section ("**Acceptance criteria**").
      const texts = nodes(node.content).filter((n) => n.type === 'text' && (n.text ?? '').trim() !== '');
      const allBold = texts.length > 0 && texts.every((n) => (n.marks ?? []).some((m) => m.type === 'strong'));
      return prefixLines(allBold ? [`**${lines.join(' ').trim()}**`] : lines, indent);
    }
    case 'heading': {
      const level = Math.min(6, Math.max(1, Number(node.attrs?.level ?? 1)));
      return [`${indent}${'#'.repeat(level)} ${renderInline(node.content).join(' ')}`];
    }
    case 'bulletList':
      return nodes(node.content).flatMap((item) => renderItem(item, indent, '- '));
    case 'orderedList': {
      const start = Number(node.attrs?.order ?? 1) || 1;
      return nodes(node.content).flatMap((item, i) => renderItem(item, indent, `${start + i}. `));
    }
    case 'taskList':
    case 'decisionList':
      return nodes(node.content).flatMap((item) =>
        item.type === 'taskList' || item.type === 'decisionList'
          ? renderBlock(item, indent + INDENT)
          : renderItem(item, indent, item.attrs?.state === 'DONE' || item.attrs?.state === 'DECIDED' ? '- [x] ' : '- [ ] '),
      );
    case 'codeBlock':
      return [`${indent}\`\`\``, ...prefixLines(renderInline(node.content), indent), `${indent}\`\`\``];
    case 'blockquote':
      return nodes(node.content).flatMap((n) => renderBlock(n, indent)).map((l) => `> ${l}`);
    case 'rule':
      return [`${indent}---`];
    case 'table':
      return nodes(node.content).map((row) => `${indent}| ${nodes(row.content).map((cell) => nodes(cell.content).flatMap((n) => renderBlock(n, '')).join(' ')).join(' | ')} |`);
    case 'expand':
    case 'nestedExpand':
    case 'panel':
    case 'layoutSection':
    case 'layoutColumn': {
      const title = typeof node.attrs?.title === 'string' && node.attrs.title !== '' ? [`${indent}**${node.attrs.title}**`] : [];
      return [...title, ...nodes(node.content).flatMap((n) => renderBlock(n, indent))];
    }
    case 'mediaSingle':
    case 'mediaGroup':
    case 'media':
      return [];
    default:
      return node.content ? nodes(node.content).flatMap((n) => renderBlock(n, indent)) : prefixLines(renderInline([node]), indent);
  }
}

/** A list item: the marker on its first line, further paragraphs as continuation, nested lists indented. */
function renderItem(item: AdfNode, indent: string, marker: string): string[] {
  const children = item.type === 'taskItem' || item.type === 'decisionItem' ? [{ type: 'paragraph', content: item.content } as AdfNode] : nodes(item.content);
  const lines: string[] = [];
  let first = true;
  for (const child of children) {
    if (child.type === 'paragraph' || child.type === 'heading') {
      const text = renderInline(child.content);
      if (first) {
        lines.push(`${indent}${marker}${text[0] ?? ''}`, ...text.slice(1).map((l) => `${indent}${INDENT}${l}`));
        first = false;
      } else {
        lines.push(...text.map((l) => `${indent}${INDENT}${l}`));
      }
    } else {
      if (first) {
        lines.push(`${indent}${marker}`.trimEnd());
        first = false;
      }
      lines.push(...renderBlock(child, indent + INDENT));
    }
  }
  return first ? [`${indent}${marker}`.trimEnd()] : lines;
}

/** Inline content as lines (hard breaks start a new line). */
function renderInline(content: AdfNode[] | undefined): string[] {
  let text = '';
  for (const node of nodes(content)) {
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
        text += renderInline(node.content).join('\n');
    }
  }
  return text.split('\n');
}

/**
 * Criteria are shown as plain text, so emphasis is dropped; code keeps its backticks and a link
 * keeps its address, since both carry meaning a tester needs.
 */
function applyMarks(text: string, marks: NonNullable<AdfNode['marks']>): string {
  let out = text;
  for (const mark of marks) {
    if (mark.type === 'code') out = `\`${out}\``;
    else if (mark.type === 'link' && typeof mark.attrs?.href === 'string' && mark.attrs.href !== out) out = `${out} (${mark.attrs.href})`;
  }
  return out;
}

function prefixLines(lines: string[], indent: string): string[] {
  return lines.map((l) => `${indent}${l}`);
}

function nodes(content: unknown): AdfNode[] {
  return Array.isArray(content) ? content.filter(isNode) : [];
}

function isNode(value: unknown): value is AdfNode {
  return typeof value === 'object' && value !== null;
}
