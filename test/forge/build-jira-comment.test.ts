import { buildJiraComment } from '../../src/forge/jira/build-jira-comment';
import { findAdfProblems } from '../mocks/forge-api';

describe('buildJiraComment', () => {
  const lead = 'Scopekeeper moved PROJ-7 back to In Progress: it was closed without a valid sign-off.';
  const reasons = ['No one has signed off the acceptance criteria.', 'The criterion "Exports list every order" is not met.'];

  it('writes the lead, then what is missing as a bullet list, as a document the ADF validator accepts', () => {
    const comment = buildJiraComment(lead, reasons);
    expect(findAdfProblems(comment)).toEqual([]);
    expect(comment).toEqual({
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: lead }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'What is missing before it can close:' }] },
        {
          type: 'bulletList',
          content: reasons.map((reason) => ({ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: reason }] }] })),
        },
      ],
    });
  });

  it('writes only the lead when nothing is missing', () => {
    expect(buildJiraComment(lead, [])).toEqual({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: lead }] }] });
  });

  it('writes an empty paragraph for an empty text, which ADF allows where an empty text node is invalid', () => {
    const comment = buildJiraComment('', ['']);
    expect(findAdfProblems(comment)).toEqual([]);
    expect(findAdfProblems({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }] })).not.toEqual([]);
  });
});
