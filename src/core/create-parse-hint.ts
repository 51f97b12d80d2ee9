import type { ParseHint, ParseHintCode } from './parse-criteria';

/** Where a hint points. Markdown has lines; ADF has none, so its hints name no line. */
export interface HintPlace {
  /** 1-based line in the description. */
  line?: number;
  /** For UNLISTED_TEXT: the heading that is not a criterion. */
  heading?: string;
  /** For MULTIPLE_SECTIONS: the line of the section that was read. */
  firstLine?: number;
  /** For TOO_LONG: the longest description that is read. */
  limit?: number;
}

/** The hint with the message the panel and the Linear comments show, the same for both platforms. */
export function createParseHint(code: ParseHintCode, place: HintPlace = {}): ParseHint {
  const { line } = place;
  const on = line === undefined ? '' : ` on line ${line}`;
  const message = ((): string => {
    switch (code) {
      case 'NOT_TEXT':
        return 'The description is not text, so no acceptance criteria could be read from it.';
      case 'NO_SECTION':
        return "No 'Acceptance criteria' section was found. Add a heading 'Acceptance criteria' with one list item per criterion.";
      case 'EMPTY_SECTION':
        return "The 'Acceptance criteria' section has no list items, so this deliverable has no criteria yet.";
      case 'MULTIPLE_SECTIONS': {
        const first = place.firstLine === undefined ? '' : ` (line ${place.firstLine})`;
        return `There is more than one 'Acceptance criteria' section; only the first${first} was read. Merge them into one.`;
      }
      case 'UNLISTED_TEXT':
        if (place.heading !== undefined) return `The heading '${place.heading}'${on} is not a criterion; the list items under it are still read.`;
        return line === undefined
          ? 'Text in the acceptance criteria section is not a list item, so it is not read as a criterion. Make it a list item or an action item if it is one.'
          : `Text${on} in the acceptance criteria section is not a list item, so it is not read as a criterion. Make it a list item ('- [ ] ...') if it is one.`;
      case 'EMPTY_ITEM':
        return line === undefined ? 'A list item in the acceptance criteria section has no text and was skipped.' : `The list item${on} has no text and was skipped.`;
      case 'TOO_LONG':
        return `The description is longer than ${(place.limit ?? 0).toLocaleString('en')} characters, so Scopekeeper did not read the acceptance criteria from it and keeps the ones it had. Move long logs or notes into a comment or an attachment.`;
      case 'PARSE_FAILED':
        return 'The description could not be read, so Scopekeeper keeps the acceptance criteria it had. Check the formatting of the acceptance criteria section.';
    }
  })();
  return line === undefined ? { code, message } : { code, message, line };
}
