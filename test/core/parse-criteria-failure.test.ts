// The markdown parser fails here, as it could on an input that exhausts the stack.
jest.mock('mdast-util-from-markdown', () => ({
  fromMarkdown: () => {
    throw new RangeError('Maximum call stack size exceeded');
  },
}));

import { parseCriteria } from '../../src/core/parse-criteria';
import { replaceCriteriaSection } from '../../src/core/render-criteria';

describe('parseCriteria when the markdown parser throws', () => {
  it('says it failed, with the error and a PARSE_FAILED hint, instead of reading no criteria', () => {
    const result = parseCriteria('## Acceptance criteria\n- [ ] The export is a CSV file\n');
    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({ message: 'Maximum call stack size exceeded' }),
      criteria: [],
      found: false,
      hints: [expect.objectContaining({ code: 'PARSE_FAILED' })],
    });
  });

  it('makes replaceCriteriaSection throw instead of appending a second section', () => {
    expect(() => replaceCriteriaSection('## AC\n- [ ] old\n', [{ text: 'new', met: false }])).toThrow(/cannot be rewritten: Maximum call stack/);
  });
});
