/** A list item nested under a criterion's item. */
export interface NestedItem {
  /** 1 for a direct child of the criterion's item. */
  depth: number;
  /** null when the item has no checkbox. */
  checked: boolean | null;
  /** The item's own text, on one line. */
  text: string;
}

/**
 * A criterion's text in the one format the description readers write and `renderCriteria`
 * reads back: the item's own text, then one line per nested item, in document order,
 * `'  '.repeat(depth) + '- ' + ('[ ] ' | '[x] ' | '') + text`. A nested item whose text would not
 * read back as such a line ("1. x", "```", "<div>") is joined onto the line before instead.
 */
export function buildCriterionText(own: string, nested: readonly NestedItem[]): string {
  const lines = [own];
  let previousDepth = 0;
  for (const item of nested) {
    const mark = item.checked === null ? '' : item.checked ? '[x] ' : '[ ] ';
    if (mark === '' && !fitsNestedItem(item.text)) {
      lines[lines.length - 1] += ` - ${item.text}`;
      continue;
    }
    // Skipped or joined items must not leave a gap in the nesting, or the text would not read back the same.
    const depth = Math.min(item.depth, previousDepth + 1);
    previousDepth = depth;
    lines.push(`${'  '.repeat(depth)}- ${mark}${item.text}`);
  }
  return lines.join('\n');
}

// Text that markdown reads as something other than a paragraph or an ATX heading when it follows
// "- ": a list marker, a block quote, a code fence, HTML, a checkbox or a link definition.
const BLOCK_START = /^(?:[-*+](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|>|`{3}|~{3}|<|\[[ xX]\](?:[ \t]|$)|\[[^\]]*\]:)/;
// After "- " these make the whole line a thematic break ("- --").
const DASH_RULE = /^(?:-[ \t]*){2,}$/;

/** Whether `- ${text}` is read back as a list item with exactly this text. */
export function fitsNestedItem(text: string): boolean {
  return text !== '' && text === text.trim() && !text.includes('\n') && !BLOCK_START.test(text) && !DASH_RULE.test(text);
}
