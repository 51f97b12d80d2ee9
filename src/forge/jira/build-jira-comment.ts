import { bulletList, doc, listItem, paragraph, text } from '@atlaskit/adf-utils/builders';

/**
 * The comment Scopekeeper posts when it moves a closed issue back, or could not: the lead
 * sentence, then what is missing before the issue can close, one bullet a reason. Built with
 * Atlassian's ADF builders, so the document has the shape Jira's comment API accepts.
 */
export function buildJiraComment(lead: string, reasons: readonly string[]): ReturnType<typeof doc> {
  return doc(
    paragraphOf(lead),
    ...(reasons.length > 0 ? [paragraphOf('What is missing before it can close:'), bulletList(...reasons.map((reason) => listItem([paragraphOf(reason)])))] : []),
  );
}

/** ADF has no empty text node: an empty string is an empty paragraph. */
function paragraphOf(words: string): ReturnType<typeof paragraph> {
  return words === '' ? paragraph() : paragraph(text(words));
}
