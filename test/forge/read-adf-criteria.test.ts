import {
  blockQuote,
  bulletList,
  code,
  doc,
  em,
  expand,
  hardBreak,
  heading,
  link,
  listItem,
  mention,
  orderedList,
  p,
  panel,
  rule,
  status,
  strong,
  table,
  tableCell,
  tableRow,
  taskItem,
  taskList,
  text,
} from '@atlaskit/adf-utils/builders';
import { parseCriteria } from '../../src/core/parse-criteria';
import { readAdfCriteria } from '../../src/forge/jira/read-adf-criteria';
import { loadCriteriaDescriptions } from '../fixtures/descriptions';

type Block = Parameters<typeof doc>[number];
// The builders' item type is a tuple of what may follow the paragraph; any list may.
const li = (words: string, ...nested: Block[]) => listItem([p(words), ...nested] as Parameters<typeof listItem>[0]);
const task = (id: string, words: string, done = false) => taskItem({ localId: id, state: done ? 'DONE' : 'TODO' })(text(words));
const texts = (document: unknown): string[] => readAdfCriteria(document).criteria.map((c) => c.text);
const codes = (document: unknown): string[] => readAdfCriteria(document).hints.map((h) => h.code);

describe('readAdfCriteria', () => {
  it('reads the items under an "Acceptance criteria" heading, with nested items as "  - " lines', () => {
    const description = doc(
      p('As a buyer I want a PDF.'),
      heading({ level: 3 })(text('Acceptance criteria')),
      orderedList({ order: 1 })(li('Given an invoice, when I export it', bulletList(li('then a PDF downloads', bulletList(li('named after it')))))),
      orderedList({ order: 2 })(li('The PDF names the invoice number')),
    );
    expect(readAdfCriteria(description)).toEqual({
      ok: true,
      found: true,
      empty: false,
      hints: [],
      criteria: [
        { id: null, text: 'Given an invoice, when I export it\n  - then a PDF downloads\n    - named after it', met: false },
        { id: null, text: 'The PDF names the invoice number', met: false },
      ],
    });
  });

  it('reads action items as criteria, DONE as met, and nested action items with their checkbox', () => {
    const description = doc(
      heading({ level: 2 })(text('AC')),
      taskList({ localId: 'l1' })(task('a', 'The PDF names the invoice number', true), taskList({ localId: 'l2' })(task('b', 'in the header', true), task('c', 'in the file name')), task('d', 'The PDF is A4')),
    );
    expect(readAdfCriteria(description).criteria).toEqual([
      { id: null, text: 'The PDF names the invoice number\n  - [x] in the header\n  - [ ] in the file name', met: true },
      { id: null, text: 'The PDF is A4', met: false },
    ]);
  });

  it('does not read a paragraph that only looks like a checklist item as a criterion, met or not', () => {
    const description = doc(heading({ level: 2 })(text('Acceptance criteria')), p('- [x] Payment is refunded'), bulletList(li('The customer gets an email')));
    const result = readAdfCriteria(description);
    expect(result.criteria).toEqual([{ id: null, text: 'The customer gets an email', met: false }]);
    expect(result.hints.map((h) => h.code)).toEqual(['UNLISTED_TEXT']);
    expect(codes(doc(heading({ level: 2 })(text('Acceptance criteria')), p('- [x] Payment is refunded')))).toEqual(['UNLISTED_TEXT', 'EMPTY_SECTION']);
  });

  describe('chooses the section by the rules the markdown reader uses', () => {
    const list = bulletList(li('The user can log in'));
    it.each([
      ['a heading of any level', heading({ level: 6 })(text('Acceptance Criteria (AC)'))],
      ['a heading with a colon', heading({ level: 1 })(text('acceptance criteria:'))],
      ['a bold paragraph', p(strong('Acceptance criteria'))],
      ['a bold paragraph with a colon after it', p(strong('AC'), text(':'))],
      ['a plain paragraph ending in a colon right before a list', p('Acceptance criteria:')],
    ])('opens it at %s', (_what, opener) => {
      expect(texts(doc(p('Context.'), opener, list))).toEqual(['The user can log in']);
    });

    it.each([
      ['a plain paragraph without a colon', p('Acceptance criteria')],
      ['a plain paragraph ending in a colon with text before the list', p('Acceptance criteria:'), p('Agreed with Dana.')],
      ['a heading with other words', heading({ level: 2 })(text('Acceptance criteria for login'))],
      ['a paragraph partly in bold', p(strong('Acceptance criteria:'), text(' the user can log in'))],
    ])('does not open it at %s', (_what, ...blocks) => {
      expect(readAdfCriteria(doc(...(blocks as Block[]), list))).toMatchObject({ found: false, criteria: [], hints: [{ code: 'NO_SECTION' }] });
    });

    it.each([
      ['Acceptance criteria', true],
      ['AC:', true],
      ['Acceptance Criteria \\(AC\\)', true],
      ['Acceptance', false],
      ['Criteria', false],
    ])('agrees with the markdown reader on the heading %j', (title, found) => {
      expect(readAdfCriteria(doc(heading({ level: 2 })(text(title)), list)).found).toBe(found);
      expect(parseCriteria(`## ${title}\n\n- The user can log in\n`).found).toBe(found);
    });

    it.each(loadCriteriaDescriptions().map((d) => [d.id, d] as const))('reads the same criteria as the markdown reader from the sample description %s', (_id, sample) => {
      expect(readAdfCriteria(sample.adf)).toMatchObject({ ok: true, found: true, hints: [] });
      expect(texts(sample.adf)).toEqual(sample.criteria);
      expect(parseCriteria(sample.markdown).criteria.map((c) => c.text)).toEqual(sample.criteria);
    });

    it.each([
      ['a plain label with a colon', p(text('As a buyer I want a PDF.'), hardBreak(), text('AC:'))],
      ['a bold label', p(text('As a buyer I want a PDF.'), hardBreak(), strong('Acceptance criteria'))],
    ])('opens it at %s after a hard break, the last line of a paragraph, right before a list', (_what, opener) => {
      expect(texts(doc(opener, orderedList({ order: 1 })(li('The user can log in'))))).toEqual(['The user can log in']);
    });

    it.each([
      ['without a colon', p(text('Context.'), hardBreak(), text('Acceptance criteria'))],
      ['before a hard break', p(text('Acceptance criteria:'), hardBreak(), text('Agreed with Dana.'))],
    ])('does not open it at a label in a paragraph of several lines %s', (_what, opener) => {
      expect(readAdfCriteria(doc(opener, list)).found).toBe(false);
    });

    it('ends a heading section at the next heading of the same level, and reads a deeper one as a group with a hint', () => {
      const description = doc(
        heading({ level: 2 })(text('Acceptance criteria')),
        heading({ level: 3 })(text('Non-functional')),
        bulletList(li('It loads in a second')),
        heading({ level: 2 })(text('Notes')),
        bulletList(li('not a criterion')),
      );
      const result = readAdfCriteria(description);
      expect(result.criteria.map((c) => c.text)).toEqual(['It loads in a second']);
      expect(result.hints).toEqual([expect.objectContaining({ code: 'UNLISTED_TEXT', message: expect.stringContaining("'Non-functional'") })]);
    });

    it('ends a bold-line section at a rule', () => {
      expect(texts(doc(p(strong('Acceptance criteria')), bulletList(li('mine holds')), rule(), bulletList(li('not mine'))))).toEqual(['mine holds']);
    });

    it('reads only the first of two sections, with a hint', () => {
      const description = doc(heading({ level: 2 })(text('AC')), bulletList(li('first holds')), heading({ level: 2 })(text('AC')), bulletList(li('second holds')));
      expect(texts(description)).toEqual(['first holds']);
      expect(codes(description)).toEqual(['MULTIPLE_SECTIONS']);
    });
  });

  it('keeps code and link addresses, drops emphasis, joins hard breaks, and writes mentions and status lozenges as text', () => {
    const description = doc(
      heading({ level: 2 })(text('Acceptance criteria')),
      bulletList(
        listItem([p(text('Run '), code('export --pdf'), text(' as in '), link({ href: 'https://example.com/guide' })('the guide'), hardBreak(), em('quickly'))]),
        listItem([p(text('Approved by '), mention({ id: 'x', text: '@Anna' }), text(' '), status({ text: 'READY', color: 'green', localId: 's' }))]),
      ),
    );
    expect(texts(description)).toEqual(['Run `export --pdf` as in the guide (https://example.com/guide) quickly', 'Approved by @Anna [READY]']);
  });

  it('reads through panels and expands, an expand title opening the section like a bold line', () => {
    const description = doc(
      panel({ panelType: 'info' } as Parameters<typeof panel>[0])(heading({ level: 2 })(text('Context')), p('Some context.')),
      expand({ title: 'Acceptance criteria' })(taskList({ localId: 'l' })(task('a', 'The export is a CSV file', true))),
    );
    expect(readAdfCriteria(description).criteria).toEqual([{ id: null, text: 'The export is a CSV file', met: true }]);
  });

  it('does not read lists inside a quote or a table as criteria', () => {
    const description = doc(
      heading({ level: 2 })(text('Acceptance criteria')),
      blockQuote(bulletList(li('quoted'))),
      table(tableRow([tableCell({})(bulletList(li('in a cell')))])),
      bulletList(li('real holds')),
    );
    expect(texts(description)).toEqual(['real holds']);
    expect(codes(description)).toEqual(['UNLISTED_TEXT']);
  });

  it('skips an item without text, with its nested items, with a hint', () => {
    const description = doc(heading({ level: 2 })(text('AC')), bulletList(listItem([p(), bulletList(li('orphan'))] as Parameters<typeof listItem>[0]), li('real holds')));
    expect(texts(description)).toEqual(['real holds']);
    expect(codes(description)).toEqual(['EMPTY_ITEM']);
  });

  it('says the description is empty when it has no text', () => {
    expect(readAdfCriteria(null)).toMatchObject({ ok: true, empty: true, found: false });
    expect(readAdfCriteria(doc(p()))).toMatchObject({ ok: true, empty: true, found: false });
    expect(readAdfCriteria(doc(p('No criteria here.')))).toMatchObject({ ok: true, empty: false, found: false, hints: [{ code: 'NO_SECTION' }] });
  });

  it('reads a description given as text as markdown', () => {
    expect(readAdfCriteria('## AC\n- [x] It works\n')).toMatchObject({ ok: true, empty: false, criteria: [{ text: 'It works', met: true }] });
  });

  it('says it could not read a document it cannot walk, instead of reading no criteria', () => {
    const result = readAdfCriteria({ type: 'doc', version: 1, content: [{ type: 'bulletList', content: { broken: true } }] });
    expect(result).toMatchObject({ ok: false, criteria: [], found: false, hints: [{ code: 'PARSE_FAILED' }] });
    expect(!result.ok && result.error).toBeInstanceOf(Error);
    expect(readAdfCriteria(42)).toMatchObject({ ok: false, hints: [{ code: 'NOT_TEXT' }] });
  });
});
