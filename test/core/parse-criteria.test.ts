import { MAX_MARKDOWN_LENGTH, parseCriteria, scanCriteriaSection } from '../../src/core/parse-criteria';
import type { ParseHint } from '../../src/core/parse-criteria';
import { renderCriteria } from '../../src/core/render-criteria';
import { criterionSchema } from '../../src/core/schemas';
import { loadCriteriaDescriptions } from '../fixtures/descriptions';
import { readLinearPayload } from '../fixtures/linear';

const texts = (markdown: string): string[] => parseCriteria(markdown).criteria.map((c) => c.text);
const codes = (hints: ParseHint[]): string[] => hints.map((h) => h.code);

describe('parseCriteria', () => {
  describe('finds the section under an "Acceptance criteria" heading', () => {
    it.each([
      '# Acceptance criteria',
      '## Acceptance Criteria',
      '### Acceptance Criteria',
      '#### acceptance criteria',
      '##### ACCEPTANCE CRITERIA',
      '###### Acceptance criteria',
      '## Acceptance criteria:',
      '## Acceptance criteria :',
      '## AC',
      '### ac:',
      '## Acceptance Criteria (AC)',
      '## Acceptance Criteria \\(AC\\)',
      '## Acceptance criteria ##',
      '## **Acceptance criteria**',
      '   ## Acceptance criteria',
      '##\tAcceptance  criteria',
    ])('reads the items under the heading %j', (heading) => {
      const result = parseCriteria(`Intro text.\n\n${heading}\n\n- [ ] The user sees the dashboard\n- [x] The export is a CSV file\n`);
      expect(result.found).toBe(true);
      expect(result.criteria).toEqual([
        { id: null, text: 'The user sees the dashboard', met: false },
        { id: null, text: 'The export is a CSV file', met: true },
      ]);
      expect(result.hints).toEqual([]);
    });

    it.each([
      '**Acceptance criteria**',
      '**Acceptance criteria:**',
      '**Acceptance Criteria**:',
      '__AC__',
      '__Acceptance Criteria (AC)__',
      '**AC:**',
    ])('reads the items under the bold line %j', (bold) => {
      const result = parseCriteria(`Some context.\n\n${bold}\n- [ ] First criterion holds\n- [x] Second criterion holds\n`);
      expect(result.found).toBe(true);
      expect(result.criteria.map((c) => [c.text, c.met])).toEqual([
        ['First criterion holds', false],
        ['Second criterion holds', true],
      ]);
    });

    it.each([
      ['===', 1],
      ['---', 2],
    ])('reads the items under an underlined (setext) heading with %s', (underline) => {
      expect(texts(`Acceptance criteria\n${underline}\n\n- [ ] It works offline\n`)).toEqual(['It works offline']);
    });

    it.each([
      '## Acceptance',
      '## Acceptance criteria for login',
      '## Criteria',
      '#Acceptance criteria',
      'Acceptance criteria',
      'The acceptance criteria are listed below:',
      '**Acceptance criteria:** the user can log in',
      '- Acceptance criteria',
    ])('does not take %j as the start of the section', (line) => {
      const result = parseCriteria(`${line}\n\n- [ ] The user can log in\n`);
      expect(result.found).toBe(false);
      expect(result.criteria).toEqual([]);
    });

    it.each([
      ['a plain line "Acceptance criteria:" followed by a bullet list', 'Some context.\n\nAcceptance criteria:\n- [ ] The user can log in\n- [x] The user can log out'],
      ['a plain line "Acceptance criteria:" followed by a numbered list', 'Some context.\n\nAcceptance criteria:\n1. The user can log in\n2. The user can log out'],
      ['the last line of a paragraph, "Acceptance criteria:", followed by a numbered list', 'As a buyer I want a PDF.\nAcceptance criteria:\n1. The user can log in\n2. The user can log out'],
      ['the last line of a paragraph, "AC:", followed by a "1)" list', 'As a buyer I want a PDF.  \nAC:\n1) The user can log in\n2) The user can log out'],
      ['the last line of a paragraph in bold, followed by bullets', 'As a buyer I want a PDF.\n**Acceptance Criteria**\n* The user can log in\n* The user can log out'],
    ])('reads %s, and only that list', (_what, md) => {
      const result = parseCriteria(`${md}\n\nNotes:\n\n- not a criterion\n`);
      expect(result.criteria.map((c) => c.text)).toEqual(['The user can log in', 'The user can log out']);
      expect(result.hints).toEqual([]);
    });

    it.each([
      ['without a colon', 'As a buyer I want a PDF.\nAcceptance criteria\n- The user can log in'],
      ['inside a code span that starts on the line above', 'Run `make\nAcceptance criteria:` first\n- The user can log in'],
      ['followed by more text before the list', 'Acceptance criteria:\nAgreed with Dana.\n- The user can log in'],
    ])('does not take the last line of a paragraph as a label %s', (_what, md) => {
      expect(parseCriteria(`${md}\n`).found).toBe(false);
    });

    it('names the label line, not the paragraph above it, when the section has no criteria', () => {
      expect(parseCriteria('Context.\nMore context.\nAC:\n- [ ]\n').hints).toEqual([
        expect.objectContaining({ code: 'EMPTY_SECTION', line: 3 }),
        expect.objectContaining({ code: 'EMPTY_ITEM', line: 4 }),
      ]);
    });

    it.each(loadCriteriaDescriptions().map((d) => [d.id, d] as const))('reads the criteria of the sample description %s, none met, without hints', (_id, sample) => {
      const result = parseCriteria(sample.markdown);
      expect(result.criteria).toEqual(sample.criteria.map((text) => ({ id: null, text, met: false })));
      expect(result.hints).toEqual([]);
    });

    it('does not take a plain "Acceptance criteria:" line without a list after it as the start of the section', () => {
      expect(parseCriteria('Acceptance criteria:\n\nTo be agreed.\n\n- [ ] a list later\n').found).toBe(false);
    });

    it('ignores a heading that only appears inside a fenced code block', () => {
      const result = parseCriteria('## Notes\n\n```md\n## Acceptance criteria\n- [ ] not real\n```\n');
      expect(result.found).toBe(false);
    });
  });

  describe('reads every item style', () => {
    it.each([
      ['- [ ] ', false],
      ['- [x] ', true],
      ['- [X] ', true],
      ['* [ ] ', false],
      ['* [x] ', true],
      ['+ [ ] ', false],
      ['+ [X] ', true],
      ['1. [x] ', true],
      ['- ', false],
      ['* ', false],
      ['+ ', false],
      ['1. ', false],
      ['1) ', false],
      ['42. ', false],
      ['-\t', false],
      ['-\t[x]\t', true],
      ['  - [ ] ', false],
    ])('reads %j items with met=%s', (marker, met) => {
      const result = parseCriteria(`## Acceptance criteria\n${marker}The invoice shows the VAT number\n${marker}The invoice is sent by email\n`);
      expect(result.criteria).toEqual([
        { id: null, text: 'The invoice shows the VAT number', met },
        { id: null, text: 'The invoice is sent by email', met },
      ]);
    });

    it('reads a mix of checklist, bullet and numbered items in order', () => {
      const md = '### Acceptance Criteria\n- [ ] one holds\n* two holds\n+ [x] three holds\n1. four holds\n2) five holds\n';
      expect(parseCriteria(md).criteria.map((c) => [c.text, c.met])).toEqual([
        ['one holds', false],
        ['two holds', false],
        ['three holds', true],
        ['four holds', false],
        ['five holds', false],
      ]);
    });

    it('keeps text that only looks like a checkbox when the brackets are not followed by a space', () => {
      expect(parseCriteria('## AC\n- [x]done\n').criteria).toEqual([{ id: null, text: '[x]done', met: false }]);
    });

    it('keeps inline markdown and Linear escapes in the text as written', () => {
      expect(texts('## AC\n- [ ] The **Save** button opens [the form](https://x.test) for \\[Deployment type\\]\n')).toEqual([
        'The **Save** button opens [the form](https://x.test) for \\[Deployment type\\]',
      ]);
    });

    it('strips trailing whitespace from criteria', () => {
      expect(texts('## AC\n- [ ] The total is shown   \t\n- second holds  \n')).toEqual(['The total is shown', 'second holds']);
    });
  });

  describe('joins an item that wraps over several lines', () => {
    it('joins indented continuation lines with a single space', () => {
      expect(texts('## AC\n- [ ] The user sees an error\n      message when the password\n  is wrong\n- [ ] next holds\n')).toEqual([
        'The user sees an error message when the password is wrong',
        'next holds',
      ]);
    });

    it('joins lazy continuation lines that are not indented', () => {
      expect(texts('## AC\n- [ ] The user sees an error\nmessage when the password is wrong\n- [x] next holds\n')).toEqual([
        'The user sees an error message when the password is wrong',
        'next holds',
      ]);
    });

    it('joins a hard line break (two trailing spaces) into one line', () => {
      expect(texts('## AC\n1. The report lists orders  \n   of the last 30 days\n')).toEqual(['The report lists orders of the last 30 days']);
    });

    it('joins an indented paragraph after a blank line into the same item', () => {
      expect(texts('## AC\n- [ ] The export is a CSV file\n\n  It has one row per order.\n- [ ] next holds\n')).toEqual([
        'The export is a CSV file It has one row per order.',
        'next holds',
      ]);
    });

    it('keeps a line that looks like a heading inside an item when it is indented under it', () => {
      expect(parseCriteria('## AC\n- [ ] first holds\n  ## not a heading\n- [ ] second holds\n').criteria.map((c) => c.text)).toEqual([
        'first holds ## not a heading',
        'second holds',
      ]);
    });
  });

  describe('keeps nested items with their parent', () => {
    it('appends nested items to the parent text as "  - child" lines instead of separate criteria', () => {
      const result = parseCriteria('## Acceptance criteria\n- [ ] The export contains:\n  - the order id\n  - the total\n- [x] The export is a CSV file\n');
      expect(result.criteria).toEqual([
        { id: null, text: 'The export contains:\n  - the order id\n  - the total', met: false },
        { id: null, text: 'The export is a CSV file', met: true },
      ]);
    });

    it('writes nested items of any marker as "-" and keeps their checkbox', () => {
      expect(texts('## AC\n1. The form validates:\n   1. the email\n   * [X] the phone\n   + [ ] the name\n')).toEqual([
        'The form validates:\n  - the email\n  - [x] the phone\n  - [ ] the name',
      ]);
    });

    it('indents deeper levels by two spaces per level', () => {
      expect(texts('## AC\n- [ ] top holds\n  - child\n    - grandchild\n      - great-grandchild\n  - second child\n')).toEqual([
        'top holds\n  - child\n    - grandchild\n      - great-grandchild\n  - second child',
      ]);
    });

    it('reads tab-indented nested items', () => {
      expect(texts('## AC\n- [ ] top holds\n\t- child\n\t\t- grandchild\n')).toEqual(['top holds\n  - child\n    - grandchild']);
    });

    it('joins a wrapped nested item into its own line', () => {
      expect(texts('## AC\n- [ ] top holds\n  - a child that\n    wraps\n  - next child\n')).toEqual(['top holds\n  - a child that wraps\n  - next child']);
    });

    it.each([
      ['a nested item whose checkbox is on its continuation line as a checked nested item', '## AC\n- [ ] top holds\n\n  -\n    [x] done\n', 'top holds\n  - [x] done'],
      ['"  -" right under the item text as an underline that makes that text a heading', '## AC\n- [ ] top holds\n  -\n    [x] done\n', 'top holds - [x] done'],
      ['"  - ---" under an item as a horizontal rule inside it, kept in the text', '## AC\n- [ ] top holds\n  - ---\n', 'top holds - ---'],
    ])('reads %s, as markdown does', (_what, markdown, text) => {
      expect(texts(markdown)).toEqual([text]);
    });

    it('joins a nested item onto the line before when its text would not read back as a nested item', () => {
      expect(texts('## AC\n- [ ] top holds\n  - one\n  - <div>\n  - two\n')).toEqual(['top holds\n  - one - <div>\n  - two']);
      expect(texts('## AC\n- [ ] top holds\n  - one\n  - ~~~\n  - two\n    - grandchild\n')).toEqual(['top holds\n  - one - ~~~\n  - two\n    - grandchild']);
      expect(texts('## AC\n- [ ] top holds\n  - \\1. escaped\n  - `code`\n  - ## heading\n')).toEqual(['top holds\n  - \\1. escaped\n  - `code`\n  - ## heading']);
    });

    it('treats an item indented by a single space as a sibling, not a child', () => {
      expect(texts('## AC\n- first holds\n - second holds\n')).toEqual(['first holds', 'second holds']);
    });

    it('skips an empty nested item without leaving a gap in the nesting', () => {
      const result = parseCriteria('## AC\n- [ ] top holds\n\n  -\n    - grandchild\n');
      expect(result.criteria.map((c) => c.text)).toEqual(['top holds\n  - grandchild']);
      expect(result.hints).toEqual([expect.objectContaining({ code: 'EMPTY_ITEM', line: 4 })]);
    });
  });

  describe('ends the section', () => {
    it('at the next heading of the same level', () => {
      expect(texts('## AC\n- [ ] mine holds\n## Notes\n- not a criterion\n')).toEqual(['mine holds']);
    });

    it('at the next heading of a higher level', () => {
      expect(texts('### AC\n- [ ] mine holds\n# Appendix\n- not a criterion\n')).toEqual(['mine holds']);
    });

    it('not at a deeper heading, whose items are still read, with a hint', () => {
      const result = parseCriteria('## AC\n### Functional\n- [ ] one holds\n### Non-functional\n- [ ] two holds\n## Notes\n- no\n');
      expect(result.criteria.map((c) => c.text)).toEqual(['one holds', 'two holds']);
      expect(result.hints).toEqual([
        expect.objectContaining({ code: 'UNLISTED_TEXT', line: 2 }),
        expect.objectContaining({ code: 'UNLISTED_TEXT', line: 4 }),
      ]);
      expect(result.hints[0]?.message).toContain("'Functional'");
    });

    it('not at a horizontal rule when it started at a heading', () => {
      expect(texts('## AC\n- [ ] one holds\n\n---\n\n- [ ] two holds\n')).toEqual(['one holds', 'two holds']);
    });

    it.each([
      ['a heading of any level', '###### Notes'],
      ['a bold-only line', '**Notes**'],
      ['a horizontal rule', '---'],
      ['a horizontal rule of stars', '* * *'],
    ])('at %s when it started at a bold line', (_what, stop) => {
      expect(texts(`**Acceptance criteria:**\n- [ ] one holds\n\n${stop}\n- not a criterion\n`)).toEqual(['one holds']);
    });

    it('at the end of the description', () => {
      expect(texts('## AC\n- [ ] last holds')).toEqual(['last holds']);
    });
  });

  describe('reports text that is not a list item', () => {
    it("ignores a paragraph in the section with an 'UNLISTED_TEXT' hint on its first line", () => {
      const result = parseCriteria('## AC\n\nPlease check these:\nall of them.\n\n- [ ] one holds\n\nThanks!\n');
      expect(result.criteria.map((c) => c.text)).toEqual(['one holds']);
      expect(result.hints.map((h) => [h.code, h.line])).toEqual([
        ['UNLISTED_TEXT', 3],
        ['UNLISTED_TEXT', 8],
      ]);
      expect(result.hints[0]?.message).toMatch(/not a list item/);
    });

    it('reports a fenced code block once and does not read items or headings inside it', () => {
      const result = parseCriteria('## AC\n```\n## Not a heading\n- [ ] not an item\n```\n- [ ] real holds\n');
      expect(result.criteria.map((c) => c.text)).toEqual(['real holds']);
      expect(result.hints.map((h) => [h.code, h.line])).toEqual([['UNLISTED_TEXT', 2]]);
    });

    it('reads what follows an unclosed code fence as code, as markdown renders it', () => {
      const result = parseCriteria('## AC\n- [ ] one holds\n```\n- [ ] two holds\n');
      expect(result.criteria.map((c) => c.text)).toEqual(['one holds']);
      expect(result.hints.map((h) => [h.code, h.line])).toEqual([['UNLISTED_TEXT', 3]]);
    });

    it('keeps a fenced code block that starts inside an item with that item, joined into its text', () => {
      const result = parseCriteria('## AC\n- [ ] The CLI prints\n  ```\n  usage: tool\n  ```\n- [ ] next holds\n');
      expect(result.criteria.map((c) => c.text)).toEqual(['The CLI prints ``` usage: tool ```', 'next holds']);
      expect(result.hints).toEqual([]);
    });

    it('ends a code block in an item at a line that is not indented under the item, as markdown does', () => {
      const result = parseCriteria('## AC\n- [ ] The CLI prints\n  ```\nusage: tool\n  ```\n- [ ] next holds\n');
      expect(result.criteria.map((c) => c.text)).toEqual(['The CLI prints ```']);
      expect(result.hints.map((h) => [h.code, h.line])).toEqual([['UNLISTED_TEXT', 4]]);
    });

    it('reads an HTML comment up to its "-->", across blank lines, as markdown does', () => {
      expect(parseCriteria('## AC\n- [ ] one holds\n<!-- stray\n\n- [ ] two --> holds\n')).toEqual({
        ok: true,
        criteria: [{ id: null, text: 'one holds', met: false }],
        hints: [],
        found: true,
      });
    });

    it('skips HTML comments without a hint', () => {
      const result = parseCriteria('## AC\n<!-- one criterion per line -->\n- [ ] one holds\n<!--\nmore\n-->\n- [ ] two holds\n');
      expect(result.criteria.map((c) => c.text)).toEqual(['one holds', 'two holds']);
      expect(result.hints).toEqual([]);
    });
  });

  describe('skips empty items', () => {
    it("skips items with no text with an 'EMPTY_ITEM' hint naming the line", () => {
      const result = parseCriteria('## AC\n- [ ]\n- [ ] real holds\n-\n1.\n* [x]   \n');
      expect(result.criteria.map((c) => c.text)).toEqual(['real holds']);
      expect(result.hints.map((h) => [h.code, h.line])).toEqual([
        ['EMPTY_ITEM', 2],
        ['EMPTY_ITEM', 4],
        ['EMPTY_ITEM', 5],
        ['EMPTY_ITEM', 6],
      ]);
    });

    it('takes the text of an empty item from its indented continuation', () => {
      expect(texts('## AC\n- [ ]\n  The user can log in\n')).toEqual(['The user can log in']);
    });
  });

  describe('line endings and whitespace', () => {
    const lf = '# Story\n\n## Acceptance criteria\n\n- [ ] one\n  wraps here\n  - child\n- [x] two\n\n## Notes\n- no\n';

    it('reads CRLF line endings the same as LF', () => {
      expect(parseCriteria(lf.replace(/\n/g, '\r\n'))).toEqual(parseCriteria(lf));
      expect(parseCriteria(lf).criteria).toHaveLength(2);
    });

    it('reads old Mac CR line endings the same as LF', () => {
      expect(parseCriteria(lf.replace(/\n/g, '\r'))).toEqual(parseCriteria(lf));
    });

    it('ignores a byte order mark', () => {
      expect(parseCriteria(`\uFEFF${lf}`)).toEqual(parseCriteria(lf));
    });

    it('reports hint lines counted from 1 with CRLF endings', () => {
      expect(parseCriteria('## AC\r\n\r\nnote\r\n- [ ]\r\n').hints.map((h) => [h.code, h.line])).toEqual([
        ['EMPTY_SECTION', 1],
        ['UNLISTED_TEXT', 3],
        ['EMPTY_ITEM', 4],
      ]);
    });
  });

  describe('when there is no usable section', () => {
    it('says found=false with a hint when there is no section', () => {
      const result = parseCriteria('# Story\n\nAs a user I want things.\n\n- [ ] a checklist elsewhere\n');
      expect(result).toEqual({ ok: true, criteria: [], found: false, hints: [expect.objectContaining({ code: 'NO_SECTION' })] });
    });

    it('says found=true with an EMPTY_SECTION hint when the section has no items', () => {
      const result = parseCriteria('## Acceptance criteria\n\n## Notes\n- not mine\n');
      expect(result.found).toBe(true);
      expect(result.criteria).toEqual([]);
      expect(codes(result.hints)).toEqual(['EMPTY_SECTION']);
      expect(result.hints[0]?.line).toBe(1);
    });

    it('reads the empty string as no section', () => {
      expect(parseCriteria('')).toEqual({ ok: true, criteria: [], found: false, hints: [expect.objectContaining({ code: 'NO_SECTION' })] });
    });
  });

  it('uses the first of several sections and names the second in a hint', () => {
    const result = parseCriteria('## Acceptance criteria\n- [ ] first holds\n\n## Design\n\n**AC:**\n- [ ] second holds\n');
    expect(result.criteria.map((c) => c.text)).toEqual(['first holds']);
    expect(result.hints).toEqual([expect.objectContaining({ code: 'MULTIPLE_SECTIONS', line: 6 })]);
    expect(result.hints[0]?.message).toContain('line 1');
  });

  describe('Linear descriptions', () => {
    const payload = readLinearPayload('issueDescriptionEdit') as unknown as { data: { description: string }; updatedFrom: { description: string } };

    it.each([
      ['the current description', payload.data.description],
      ['the previous description', payload.updatedFrom.description],
    ])('finds no criteria in %s of the real n8n issue and does not take its reproduction steps as criteria', (_which, description) => {
      const result = parseCriteria(description);
      expect(result.found).toBe(false);
      expect(result.criteria).toEqual([]);
      expect(codes(result.hints)).toEqual(['NO_SECTION']);
    });

    it('reads a criteria section added to the real n8n description, leaving its numbered steps out', () => {
      const description = `${payload.data.description}\n\n### Acceptance Criteria\n\n- [ ] The canvas scrolls with CMD + click after a note is duplicated\n* The canvas scrolls with CMD + click after a note is paused\n- [x] The Duplicate and Pause buttons still appear on hover`;
      const result = parseCriteria(description);
      expect(result.criteria).toEqual([
        { id: null, text: 'The canvas scrolls with CMD + click after a note is duplicated', met: false },
        { id: null, text: 'The canvas scrolls with CMD + click after a note is paused', met: false },
        { id: null, text: 'The Duplicate and Pause buttons still appear on hover', met: true },
      ]);
      expect(result.hints).toEqual([]);
    });

    it('reads a section placed between the n8n issue sections and stops at the next "##" heading', () => {
      const description = payload.data.description.replace('## Actual', '## Acceptance Criteria\n\n- [ ] Scrolling works after duplicating a note\n\n## Actual');
      expect(texts(description)).toEqual(['Scrolling works after duplicating a note']);
    });
  });

  describe('never throws', () => {
    it.each([null, undefined, 42, {}, [], true, Symbol('x')])('says it could not read %p, with a NOT_TEXT hint', (input) => {
      const result = parseCriteria(input as unknown as string);
      expect(result).toEqual({ ok: false, error: expect.any(Error), criteria: [], found: false, hints: [expect.objectContaining({ code: 'NOT_TEXT' })] });
    });

    it('says it did not read a description longer than MAX_MARKDOWN_LENGTH, with a TOO_LONG hint', () => {
      const long = `## AC\n- [ ] one holds\n${'x'.repeat(MAX_MARKDOWN_LENGTH)}`;
      const result = parseCriteria(long);
      expect(result).toMatchObject({ ok: false, criteria: [], found: false, hints: [{ code: 'TOO_LONG' }] });
      expect(result.hints[0]?.message).toContain('100,000 characters');
      expect(parseCriteria(`\uFEFF${long.slice(long.length - MAX_MARKDOWN_LENGTH)}`).ok).toBe(true);
    });


    it.each([
      ['a very long line of stars', '*'.repeat(50_000)],
      ['many nested levels', Array.from({ length: 2_000 }, (_, i) => `${' '.repeat(i)}- x`).join('\n')],
      ['many unclosed fences', '## AC\n' + '```\n- [ ] a\n'.repeat(2_000)],
      ['many headings', '## AC\n'.repeat(5_000)],
      ['many fences that never close', '## AC\n- [ ] a\n' + '```x\n'.repeat(100_000)],
      ['many comments that never close', '## AC\n- [ ] a\n' + '<!-- x\n'.repeat(100_000)],
      ['a long run of hashes and brackets', '## AC\n- [' + '#['.repeat(20_000)],
    ])('handles %s', (_what, input) => {
      expect(() => parseCriteria(input)).not.toThrow();
    });

    // Deterministic pseudo-random source, so a failure can be replayed.
    const mulberry32 = (seed: number) => () => {
      let t = (seed += 0x6d2b79f5);
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const TOKENS = [
      '## Acceptance criteria', '### AC', '**Acceptance criteria:**', '__AC__', '# Title', '#### Sub', '**Notes**', 'Acceptance criteria',
      '===', '---', '***', '- ', '* ', '+ ', '1. ', '2) ', '- [ ] ', '- [x] ', '* [X] ', '[ ]', '[x]', '  ', '    ', '\t', '\n', '\r\n',
      '\r', '\n\n', '```', '~~~', '<!--', '-->', '>', '|', '\\', '\\[', '#', '**', '__', '`', 'text', 'The user sees', 'and', 'x', ' ',
      '\u00a0', '\uFEFF', '\u0000', '😀', 'é', ':', '(AC)', '12345678901.',
    ];
    const KNOWN_CODES = ['NOT_TEXT', 'NO_SECTION', 'EMPTY_SECTION', 'MULTIPLE_SECTIONS', 'UNLISTED_TEXT', 'EMPTY_ITEM'];

    it('returns well-formed results for 500 random markdown-ish strings, and its criteria render and read back unchanged', () => {
      const random = mulberry32(20240229);
      for (let n = 0; n < 500; n++) {
        const length = Math.floor(random() * 60);
        const input = Array.from({ length }, () => TOKENS[Math.floor(random() * TOKENS.length)]).join('');
        const lineCount = input.split(/\r\n|\r|\n/).length;
        let result: ReturnType<typeof parseCriteria> | undefined;
        expect(() => (result = parseCriteria(input))).not.toThrow();
        if (!result) throw new Error('unreachable');

        expect(typeof result.found).toBe('boolean');
        if (!result.found) expect(result.criteria).toEqual([]);
        for (const criterion of result.criteria) {
          expect(criterionSchema.safeParse(criterion).success).toBe(true);
          expect(criterion.id).toBeNull();
          expect(criterion.text).toBe(criterion.text.trim());
          expect(criterion.text.split('\n').every((line) => line === line.trimEnd())).toBe(true);
        }
        for (const hint of result.hints) {
          expect(KNOWN_CODES).toContain(hint.code);
          expect(hint.message.length).toBeGreaterThan(0);
          if (hint.line !== undefined) {
            expect(Number.isInteger(hint.line)).toBe(true);
            expect(hint.line).toBeGreaterThanOrEqual(1);
            expect(hint.line).toBeLessThanOrEqual(lineCount);
          }
        }

        const again = parseCriteria(renderCriteria(result.criteria));
        expect(again.criteria).toEqual(result.criteria);
      }
    });
  });
});

describe('scanCriteriaSection', () => {
  const at = (markdown: string, needle: string): number => markdown.indexOf(needle);

  it('says where the section and its lists are, as offsets into the description', () => {
    const md = '# Story\n\n## AC\nIntro\n\n- [ ] one\n  wraps\n\nOutro\n\n* [ ] two\n## Next\n';
    expect(scanCriteriaSection(md).section).toEqual({
      opener: 'heading',
      start: at(md, '## AC'),
      contentEnd: at(md, '## Next') - 1,
      lists: { start: at(md, '- [ ] one'), end: at(md, '## Next') - 1 },
      closer: '',
      trailingCodeStart: null,
      listStyle: { ordered: false, bullet: '-' },
      items: [
        { box: { start: at(md, '[ ] one'), end: at(md, '[ ] one') + 3 }, textStart: at(md, '[ ] one') },
        { box: { start: at(md, '[ ] two'), end: at(md, '[ ] two') + 3 }, textStart: at(md, '[ ] two') },
      ],
    });
  });

  it('counts offsets in the description as given, a byte order mark included', () => {
    expect(scanCriteriaSection('\uFEFF## AC\n- [ ] one\n').section).toMatchObject({ start: 1, lists: { start: 7, end: 16 } });
  });

  it('says there are no lists when the section is empty, and where it ends', () => {
    expect(scanCriteriaSection('## AC\n\ntext\n').section).toMatchObject({ contentEnd: 11, lists: null });
  });

  it('says how to close a code fence or comment left open at the end, for text put after it', () => {
    expect(scanCriteriaSection('## AC\n````js\nx\n').section?.closer).toBe('````');
    expect(scanCriteriaSection('# Notes\n\n<!-- draft\n').closer).toBe('-->');
    expect(scanCriteriaSection('# Notes\n\n```\nx\n```\n').closer).toBe('');
    expect(scanCriteriaSection('# Notes\n\n    ```\n').closer).toBe('');
  });

  it('names an indented code block that ends the section, which a new list goes before', () => {
    const md = '## AC\nTo do:\n\n    code\n';
    expect(scanCriteriaSection(md).section?.trailingCodeStart).toBe(at(md, '    code'));
  });
});
