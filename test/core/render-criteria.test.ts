import { computeDigest } from '../../src/core/compute-digest';
import { normaliseText } from '../../src/core/normalise-text';
import { parseCriteria } from '../../src/core/parse-criteria';
import { renderCriteria, replaceCriteriaSection } from '../../src/core/render-criteria';
import type { Criterion } from '../../src/core/schemas';
import { loadCriteriaDescriptions } from '../fixtures/descriptions';
import { readLinearPayload } from '../fixtures/linear';

const c = (text: string, met = false): Criterion => ({ id: null, text, met });
const readBack = (markdown: string): [string, boolean][] => parseCriteria(markdown).criteria.map((x) => [x.text, x.met]);

describe('renderCriteria', () => {
  it('writes a level-2 "Acceptance criteria" heading and a checklist', () => {
    expect(renderCriteria([c('The user sees the dashboard'), c('The export is a CSV file', true)])).toBe(
      '## Acceptance criteria\n\n- [ ] The user sees the dashboard\n- [x] The export is a CSV file\n',
    );
  });

  it('writes the list alone when heading is false', () => {
    expect(renderCriteria([c('one holds')], { heading: false })).toBe('- [ ] one holds\n');
  });

  it.each([
    [3, '### Acceptance criteria'],
    [1, '# Acceptance criteria'],
    [0, '# Acceptance criteria'],
    [9, '###### Acceptance criteria'],
    [2.7, '## Acceptance criteria'],
    [Number.NaN, '## Acceptance criteria'],
  ])('writes level %p as %j', (level, heading) => {
    expect(renderCriteria([c('one holds')], { level }).split('\n')[0]).toBe(heading);
  });

  it('writes a custom heading', () => {
    expect(renderCriteria([c('one holds')], { heading: 'AC', level: 3 })).toBe('### AC\n\n- [ ] one holds\n');
  });

  it('writes only the heading when there are no criteria, and nothing without a heading', () => {
    expect(renderCriteria([])).toBe('## Acceptance criteria\n');
    expect(renderCriteria([], { heading: false })).toBe('');
  });

  it('keeps nested lines indented under their criterion', () => {
    expect(renderCriteria([c('The export contains:\n  - the order id\n    - [x] as a number\n  - the total', true)], { heading: false })).toBe(
      '- [x] The export contains:\n  - the order id\n    - [x] as a number\n  - the total\n',
    );
  });

  it('indents the later lines of a multi-line text so they stay in the same item', () => {
    expect(renderCriteria([c('The user sees an error\nwhen the password is wrong')], { heading: false })).toBe(
      '- [ ] The user sees an error\n  when the password is wrong\n',
    );
  });

  describe('round trip: parseCriteria(renderCriteria(x)) gives back the same texts and met flags', () => {
    it('for plain checklist criteria', () => {
      const criteria = [c('The user sees the dashboard'), c('The export is a CSV file', true), c('Given a cart, when I pay, then I get a receipt')];
      expect(parseCriteria(renderCriteria(criteria)).criteria).toEqual(criteria);
    });

    it('for criteria with nested items, as parseCriteria writes them', () => {
      const source = '## AC\n1. The form validates:\n   * the email\n     + [X] with a domain\n   * the phone\n- [x] It saves\n';
      const parsed = parseCriteria(source).criteria;
      expect(parsed).toHaveLength(2);
      expect(parseCriteria(renderCriteria(parsed)).criteria).toEqual(parsed);
    });

    it('for criteria that wrapped over several lines', () => {
      const parsed = parseCriteria('## AC\n- [ ] The report lists\n  every order\nof the last 30 days\n- [x] It is sorted by date\n').criteria;
      expect(parsed.map((x) => x.text)).toEqual(['The report lists every order of the last 30 days', 'It is sorted by date']);
      expect(parseCriteria(renderCriteria(parsed)).criteria).toEqual(parsed);
    });

    it.each([
      ['a nested item that markdown reads as a rule', 'first line\n  - ---'],
      ['a nested item that markdown reads as a list', 'first line\n  - 1. one'],
      ['a nested item that opens a code block, with lines after it', 'first line\n  - ~~~\n    - inside\nThen more'],
      ['a line after a nested heading', 'first line\n  - ## sub\nThen more'],
    ])('keeps the normalised text (so the digest) of %s, joining what markdown would read otherwise', (_what, text) => {
      const back = parseCriteria(renderCriteria([c(text), c('next holds', true)])).criteria;
      expect(back.map((x) => normaliseText(x.text))).toEqual([normaliseText(text), 'next holds']);
    });

    it('keeps the digest of multi-line texts that were not written by parseCriteria', () => {
      const criteria = [c('The user sees an error\nwhen the password\n\n   is wrong  '), c('line one\n- a point\n\t- a sub-point', true)];
      const back = parseCriteria(renderCriteria(criteria)).criteria;
      expect(back.map((x) => normaliseText(x.text))).toEqual(criteria.map((x) => normaliseText(x.text)));
      expect(back.map((x) => x.met)).toEqual([false, true]);
      expect(computeDigest(back)).toBe(computeDigest(criteria));
    });

    it.each([
      ['text that starts like a checkbox', '[x] already ticked'],
      ['text that starts like a numbered item', '1. first'],
      ['text that starts like a heading', '# not a heading'],
      ['text with a heading on a later line', 'first line\n  - ## sub'],
      ['a nested item that starts like a checkbox', 'first line\n  - [ ] [x] both'],
      ['bold text', '**Acceptance criteria:**'],
      ['a code fence marker', 'run ```npm test```'],
      ['a Linear escape', 'shows \\[Deployment type\\]'],
      ['an HTML comment', 'hides <!-- this --> part'],
    ])('for %s', (_what, text) => {
      const criteria = [c(text), c('The next one holds', true)];
      expect(parseCriteria(renderCriteria(criteria)).criteria).toEqual(criteria);
    });
  });
});

describe('replaceCriteriaSection', () => {
  const description = [
    '# Checkout',
    '',
    'As a buyer I want to pay by card.',
    '',
    '### Acceptance Criteria',
    '',
    'Agreed with the client on 3 May.',
    '',
    '- [ ] The card form shows',
    '  - the card number',
    '- [x] A receipt is emailed',
    '',
    'Ask Dana about refunds.',
    '',
    '## Design',
    '',
    '- a list that is not criteria',
    '',
  ].join('\n');

  it('rewrites only the list, keeping the heading, the text around the list and the other sections', () => {
    const out = replaceCriteriaSection(description, [c('The card form shows the card number'), c('A receipt is emailed', true), c('A failed payment shows an error')]);
    expect(out).toBe(
      [
        '# Checkout',
        '',
        'As a buyer I want to pay by card.',
        '',
        '### Acceptance Criteria',
        '',
        'Agreed with the client on 3 May.',
        '',
        '- [ ] The card form shows the card number',
        '- [x] A receipt is emailed',
        '- [ ] A failed payment shows an error',
        '',
        'Ask Dana about refunds.',
        '',
        '## Design',
        '',
        '- a list that is not criteria',
        '',
      ].join('\n'),
    );
    expect(readBack(out)).toEqual([
      ['The card form shows the card number', false],
      ['A receipt is emailed', true],
      ['A failed payment shows an error', false],
    ]);
  });

  describe("writes back met or unmet in the author's own list", () => {
    it.each(loadCriteriaDescriptions().map((d) => [d.id, d] as const))('changes only the checkbox of the criterion that became met in %s', (_id, sample) => {
      const criteria = parseCriteria(sample.markdown).criteria.map((x, i) => ({ ...x, met: i === 1 }));
      const out = replaceCriteriaSection(sample.markdown, criteria);
      const [before, after] = [sample.markdown.split('\n'), out.split('\n')];
      const changed = after.flatMap((line, i) => (line === before[i] ? [] : [[before[i], line]]));
      expect(changed).toEqual([[expect.stringContaining(sample.criteria[1]!), expect.stringMatching(/^(?:[-*+]|\d+[.)]) \[x\] /)]]);
      expect(readBack(out)).toEqual(sample.criteria.map((text, i) => [text, i === 1]));
      expect(replaceCriteriaSection(out, criteria)).toBe(out);
    });

    it.each(loadCriteriaDescriptions().map((d) => [d.id, d] as const))('rewrites the list of %s in its own marker when a criterion is replaced, and reads it back', (_id, sample) => {
      const next = [...sample.criteria.slice(0, -1), 'A new criterion holds'].map((text, i) => c(text, i === 0));
      const out = replaceCriteriaSection(sample.markdown, next);
      const marker = (md: string): string | undefined => /^(?:[-*+]|\d+[.)]) /m.exec(md.slice(md.indexOf(sample.criteria[0]!) - 8))?.[0].replace(/\d+/, 'N');
      expect(marker(out)).toBe(marker(sample.markdown));
      expect(readBack(out)).toEqual(next.map((x) => [x.text, x.met]));
      expect(replaceCriteriaSection(out, next)).toBe(out);
    });

    it('unticks a met criterion in place and leaves an unmet item without a checkbox as it is', () => {
      const md = 'AC:\n1. [x] Export works\n2. Import works\n';
      expect(replaceCriteriaSection(md, [c('Export works'), c('Import works')])).toBe('AC:\n1. [ ] Export works\n2. Import works\n');
    });

    it('keeps a byte order mark and CRLF line endings when ticking a box in place', () => {
      const md = '\uFEFF## AC\r\n\r\n- Export works\r\n- Import works\r\n';
      expect(replaceCriteriaSection(md, [c('Export works'), c('Import works', true)])).toBe('\uFEFF## AC\r\n\r\n- Export works\r\n- [x] Import works\r\n');
    });

    it('renumbers from where the author started and indents nested lines under the number when the criteria change', () => {
      const out = replaceCriteriaSection('## AC\n\n9) old\n\nEnd\n', [c('one holds', true), c('two holds\n  - a detail')]);
      expect(out).toBe('## AC\n\n9) [x] one holds\n10) [ ] two holds\n    - a detail\n\nEnd\n');
      expect(readBack(out)).toEqual([['one holds', true], ['two holds\n  - a detail', false]]);
    });

    it("keeps the author's bullet when the criteria change", () => {
      expect(replaceCriteriaSection('**AC**\n\n* old\n', [c('new holds')])).toBe('**AC**\n\n* [ ] new holds\n');
    });
  });

  it('gives the same description back when the criteria did not change', () => {
    expect(replaceCriteriaSection(description, parseCriteria(description).criteria)).toBe(description);
  });

  it('is idempotent', () => {
    const criteria = [c('one holds'), c('two holds\n  - detail', true)];
    const once = replaceCriteriaSection('**AC:**\n- [ ] old\nNotes\n## Next\n', criteria);
    expect(replaceCriteriaSection(once, criteria)).toBe(once);
  });

  it('separates the list from a paragraph directly above and a heading directly below it', () => {
    const out = replaceCriteriaSection('**Acceptance criteria:**\n- [ ] old\n### Notes\n', [c('new holds')]);
    expect(out).toBe('**Acceptance criteria:**\n\n- [ ] new holds\n\n### Notes\n');
    expect(readBack(out)).toEqual([['new holds', false]]);
  });

  it('rewrites a bold line right under the last item with it, since markdown reads it as that item\'s text', () => {
    expect(readBack('**Acceptance criteria:**\n- [ ] old\n**Notes**\n')).toEqual([['old **Notes**', false]]);
    expect(replaceCriteriaSection('**Acceptance criteria:**\n- [ ] old\n**Notes**\n', [c('new holds')])).toBe('**Acceptance criteria:**\n\n- [ ] new holds\n');
  });

  it('keeps text indented five columns after the list out of it with an empty HTML comment', () => {
    const out = replaceCriteriaSection('## AC\n1.    old\n\n     code after the list\n', [c('new holds')]);
    expect(out).toBe('## AC\n\n1. [ ] new holds\n\n<!-- -->\n\n     code after the list\n');
    expect(readBack(out)).toEqual([['new holds', false]]);
    expect(replaceCriteriaSection(out, [c('new holds')])).toBe(out);
  });

  it('puts a first list before an indented code block that ends the section, so the lines after it read the same', () => {
    // The parser reads "2) Next" after a code block as a paragraph, here a heading that ends the section; after a list it would be a list.
    const out = replaceCriteriaSection('## AC\nTo do:\n\n    code\n2) Next\n===\n', [c('new holds')]);
    expect(out).toBe('## AC\nTo do:\n\n- [ ] new holds\n\n<!-- -->\n    code\n2) Next\n===\n');
    expect(readBack(out)).toEqual([['new holds', false]]);
  });

  it('closes a code fence left open at the end before appending a section after it', () => {
    const out = replaceCriteriaSection('# Logs\n\n```\nerror 42\n', [c('one holds')]);
    expect(out).toBe('# Logs\n\n```\nerror 42\n```\n\n## Acceptance criteria\n\n- [ ] one holds\n');
    expect(readBack(out)).toEqual([['one holds', false]]);
  });

  it('keeps a plain "Acceptance criteria:" line a section with an empty item when all criteria are removed', () => {
    const out = replaceCriteriaSection('Acceptance criteria:\n1. old\n2. older\n\nNotes\n', []);
    expect(out).toBe('Acceptance criteria:\n\n1. [ ]\n\nNotes\n');
    expect(parseCriteria(out)).toMatchObject({ found: true, criteria: [] });
    expect(replaceCriteriaSection(out, [])).toBe(out);
  });

  it('removes the items but keeps the heading when there are no criteria', () => {
    const out = replaceCriteriaSection('## AC\n- [ ] old\n- [x] older\n## Next\n- keep\n', []);
    expect(out).toBe('## AC\n\n## Next\n- keep\n');
    expect(parseCriteria(out)).toMatchObject({ found: true, criteria: [] });
  });

  it('puts the list after the existing text of a section that has no items yet, before the next heading', () => {
    const out = replaceCriteriaSection('## Acceptance criteria\nTo be agreed.\n## Notes\n', [c('one holds')]);
    expect(out).toBe('## Acceptance criteria\nTo be agreed.\n\n- [ ] one holds\n\n## Notes\n');
  });

  it('keeps an indented heading after an empty section out of the new list', () => {
    const out = replaceCriteriaSection('# AC\n\n   # Next\n- [ ] not mine\n', [c('one holds')]);
    expect(readBack(out)).toEqual([['one holds', false]]);
  });

  it('appends a section to a description that has none, leaving the description unchanged above it', () => {
    const payload = readLinearPayload('issueDescriptionEdit') as unknown as { data: { description: string } };
    const before = payload.data.description;
    const out = replaceCriteriaSection(before, [c('The canvas scrolls with CMD + click after a note is duplicated')]);
    expect(out).toBe(`${before}\n\n## Acceptance criteria\n\n- [ ] The canvas scrolls with CMD + click after a note is duplicated\n`);
    expect(readBack(out)).toEqual([['The canvas scrolls with CMD + click after a note is duplicated', false]]);
  });

  it('writes just the section into an empty description', () => {
    expect(replaceCriteriaSection('', [c('one holds')])).toBe('## Acceptance criteria\n\n- [ ] one holds\n');
    expect(replaceCriteriaSection(null as unknown as string, [c('one holds')])).toBe('## Acceptance criteria\n\n- [ ] one holds\n');
  });

  it('keeps CRLF line endings', () => {
    const out = replaceCriteriaSection('Intro\r\n\r\n## AC\r\n- [ ] old\r\n\r\n## Next\r\n', [c('new holds'), c('also holds')]);
    expect(out).toBe('Intro\r\n\r\n## AC\r\n\r\n- [ ] new holds\r\n- [ ] also holds\r\n\r\n## Next\r\n');
    expect(replaceCriteriaSection('Intro\r\n', [c('x holds')])).toBe('Intro\r\n\r\n## Acceptance criteria\r\n\r\n- [ ] x holds\r\n');
  });

  it('rewrites only the first of several sections', () => {
    const out = replaceCriteriaSection('## AC\n- [ ] a\n\n## AC\n- [ ] b\n', [c('new holds')]);
    expect(out).toBe('## AC\n\n- [ ] new holds\n\n## AC\n- [ ] b\n');
  });

  describe('on random descriptions', () => {
    const mulberry32 = (seed: number) => () => {
      let t = (seed += 0x6d2b79f5);
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const STARTS = [
      '## Acceptance criteria', '### AC', '**Acceptance criteria:**', '__AC__', '# Title', '#### Sub', '**Notes**', 'Acceptance criteria',
      '===', '---', '***', '- ', '* ', '+ ', '1. ', '2) ', '- [ ] ', '- [x] ', '* [X] ', '-', '1.', '- [ ]', '```', '~~~', '<!--', '-->',
      '> ', '| a | b |', '', '', 'text ',
    ];
    const INDENTS = ['', '', '', ' ', '  ', '   ', '    ', '      ', '\t', '\t\t', '  \t'];
    const WORDS = ['The user sees', 'and', 'x', '[ ]', '[x]', '**bold**', '\\[', '#', '##', '`code`', '```', '-->', '<!--', '😀', ':', '(AC)', '\u00a0', '---'];
    const EOLS = ['\n', '\n', '\n', '\r\n', '\r'];
    const generate = (random: () => number): string => {
      const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
      const lines = random() < 0.7 ? [pick(['## Acceptance criteria', '**AC:**', 'AC\n---'])] : [];
      const count = Math.floor(random() * 25);
      for (let i = 0; i < count; i++) {
        const words = Array.from({ length: Math.floor(random() * 5) }, () => pick(WORDS)).join(' ');
        lines.push(pick(INDENTS) + pick(STARTS) + (random() < 0.8 ? words : ''));
      }
      return lines.map((line) => line + pick(EOLS)).join('');
    };

    it('reads back the same normalised texts and met flags for 400 random multi-line criteria', () => {
      const random = mulberry32(4242);
      const pieces = ['word', 'The user sees', '```', '~~~', '---', '===', '- ', '* ', '1. ', '- [ ] ', '- [x] ', '[X] ', '# ', '**AC:**',
        '<!--', '-->', '\n', '\n', '\r\n', '\n  ', '\n    ', '\n\t', ' ', '\u00a0', 'Then', '> ', '|', '\\'];
      for (let n = 0; n < 400; n++) {
        const criteria = Array.from({ length: 1 + Math.floor(random() * 4) }, () => ({
          id: null,
          met: random() < 0.5,
          text: `x${Array.from({ length: Math.floor(random() * 12) }, () => pieces[Math.floor(random() * pieces.length)]).join('')}`,
        }));
        const back = parseCriteria(replaceCriteriaSection(generate(random), criteria)).criteria;
        expect(back.map((x) => [normaliseText(x.text), x.met])).toEqual(criteria.map((x) => [normaliseText(x.text), x.met]));
        expect(computeDigest(back)).toBe(computeDigest(criteria));
      }
    });

    it('reads back exactly the criteria it wrote, for 400 random pairs of descriptions', () => {
      const random = mulberry32(31337);
      for (let n = 0; n < 400; n++) {
        const criteria = parseCriteria(generate(random)).criteria;
        const target = generate(random);
        const out = replaceCriteriaSection(target, criteria);
        expect(parseCriteria(out).criteria).toEqual(criteria);
        expect(replaceCriteriaSection(out, criteria)).toBe(out);
      }
    });
  });
});
