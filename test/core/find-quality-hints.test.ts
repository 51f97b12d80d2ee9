import {
  DEFAULT_MAX_WORDS,
  findQualityHints as findQualityHintsWith,
  qualityHintCodes,
  qualityRuleIds,
  qualityRules,
  resolveTeamVocabulary,
  teamVocabularySchema,
} from '../../src/core/find-quality-hints';
import type { FindQualityHintsOptions, QualityHint, QualityHintCode } from '../../src/core/find-quality-hints';
import { loadTagger } from '../../src/hints/load-tagger';

type Options = Omit<FindQualityHintsOptions, 'tagger'>;
const tagger = loadTagger();
const findQualityHints = (criteria: Parameters<typeof findQualityHintsWith>[0], options: Options = {}): QualityHint[] =>
  findQualityHintsWith(criteria, { ...options, tagger });

const hintsFor = (...texts: string[]): QualityHint[] => findQualityHints(texts.map((text) => ({ text })));
const codesFor = (text: string, options?: Options): QualityHintCode[] => findQualityHints([{ text }], options).map((h) => h.code);
const withCode = (hints: QualityHint[], code: QualityHintCode): QualityHint[] => hints.filter((h) => h.code === code);
const vagueWords = (text: string, options?: Options): string[] =>
  withCode(findQualityHints([{ text }], options), 'VAGUE_WORD').map((h) => h.message.split(/[“”]/)[1] ?? '');

describe('findQualityHints', () => {
  it.each([
    'The user sees an error message when the password is wrong',
    'Given a logged-in user, when they click "Log out", then they see the sign-in page',
    'The export contains one row per order',
    'Orders over 100 EUR get free shipping',
    'An admin can deactivate a user account',
    'The search returns results within 2 seconds for 10,000 products',
    'Password reset email sent within 1 minute',
    'Page load under 2 seconds on a 4G connection',
    'Users cannot delete an invoice that is already paid',
    'The total equals the sum of the line items',
    'The report lists orders and returns of the last 30 days',
    'Checkout is disabled when the cart is empty and the user is a guest',
    'The quick-start guide is linked from the header',
    'The `--fast` flag is documented at https://simple.example.com',
    'The export contains:\n  - the order id\n  - the total',
    // Checkable statements an earlier version took for criteria without an outcome.
    'Valid credentials grant access',
    'Escape dismisses modals/dropdowns',
    'Color contrast ratios meet standards (4.5:1 minimum)',
    'Cart total recalculates',
    'Toggle button in the header',
    'Ability to delete users',
    'No flash of the wrong theme on load',
    'Display a success message on successful registration',
  ])('gives no hints for the good criterion %j', (text) => {
    expect(hintsFor(text)).toEqual([]);
  });

  it('names the rule of every hint, in the message and in `rule`', () => {
    const hints = hintsFor('The page is fast', 'Dark mode', 'The order is saved and the email is sent', `The user sees ${'x '.repeat(50)}`);
    expect(hints.map((h) => h.rule)).toEqual(['INCOSE-R7', 'ISO29148-VERIFIABLE', 'INCOSE-R19', 'INCOSE-R18']);
    for (const hint of hints) expect(hint.message).toContain(qualityRules[hint.rule!].cite);
  });

  describe("'VAGUE_WORD' (INCOSE R7, R8, R9, R17; ISO/IEC/IEEE 29148 complete)", () => {
    it.each([
      'fast', 'quick', 'easy', 'simple', 'user-friendly', 'intuitive', 'robust', 'scalable', 'efficient', 'flexible', 'etc.',
      'and so on', 'as appropriate', 'as needed', 'if possible', 'TBD', 'TBC', 'good', 'nice', 'appropriate', 'reasonable',
      'seamless', 'modern', 'optimal', 'correctly', 'user friendly', 'easy to use', 'clear', 'relevant', 'accurate', 'accurately',
      'responsive', 'consistent', 'meaningful', 'if applicable', 'where appropriate', 'and/or',
    ])('flags %j', (word) => {
      const hints = withCode(hintsFor(`The page is ${word} for the user`), 'VAGUE_WORD');
      expect(hints).toHaveLength(1);
      expect(hints[0]?.message).toContain(`“${word}”`);
    });

    it.each([
      ['The error message is clear', 'clear'],
      ['Search results are relevant', 'relevant'],
      ['Prices are shown accurately', 'accurately'],
      ['Feature works as expected', 'as expected'],
      ['Layout looks correct', 'looks correct'],
      ['Data is analyzed and used to identify areas for improvement', 'areas for improvement'],
      ['Filtering works', 'works'],
    ])('flags the weak wording in %j', (text, word) => {
      expect(vagueWords(text)).toEqual([word]);
    });

    it('flags "semantic and accessible" as two vague words', () => {
      expect(vagueWords('Markup is semantic and accessible')).toEqual(['semantic', 'accessible']);
    });

    it('says which rule a word breaks, how to fix it, and gives a rewrite', () => {
      expect(withCode(hintsFor('The page loads fast'), 'VAGUE_WORD')).toEqual([
        {
          criterionIndex: 0,
          code: 'VAGUE_WORD',
          rule: 'INCOSE-R7',
          message: '“fast” cannot be tested (INCOSE R7, vague terms): say how fast, e.g. rewrite “The page loads fast” as “The page loads within 2 seconds on a 4G connection”.',
        },
      ]);
      expect(withCode(hintsFor('Errors are logged where possible'), 'VAGUE_WORD')[0]).toMatchObject({ rule: 'INCOSE-R8' });
      expect(withCode(hintsFor('Upload accepts images (JPG, PNG, etc.)'), 'VAGUE_WORD')[0]).toMatchObject({ rule: 'INCOSE-R9' });
      expect(withCode(hintsFor('Approved by product and/or design'), 'VAGUE_WORD')[0]).toMatchObject({ rule: 'INCOSE-R17' });
    });

    it('says an undecided criterion must be settled before sign-off', () => {
      const hint = withCode(hintsFor('The retry limit is TBD'), 'VAGUE_WORD')[0];
      expect(hint?.rule).toBe('ISO29148-COMPLETE');
      expect(hint?.message).toMatch(/not decided yet.*before sign-off/);
    });

    it('flags a standard or requirement that is not named, unless a figure or a name is given', () => {
      expect(withCode(hintsFor('Meets accessibility standards'), 'VAGUE_WORD')[0]).toMatchObject({ rule: 'ISO29148-COMPLETE' });
      expect(vagueWords('Users can edit roles per requirements')).toEqual(['per requirements']);
      expect(vagueWords('Color contrast ratios meet standards (4.5:1 minimum)')).toEqual([]);
      expect(vagueWords('The form meets WCAG 2.1 AA standards')).toEqual([]);
    });

    it('reads the part of speech: "clear" as a verb and "secure cookie" are not vague', () => {
      expect(vagueWords('The user can clear the search field')).toEqual([]);
      expect(vagueWords('The session token is stored in a secure cookie')).toEqual([]);
      expect(vagueWords('Payments are processed securely')).toEqual(['securely']);
      expect(vagueWords('The report is accessible only by admin users')).toEqual([]);
    });

    it('accepts a vague word that a measured share of users judges', () => {
      expect(vagueWords('At least 80% of tested users state that the site is easily navigated')).toEqual([]);
    });

    it('matches whole words in any case', () => {
      expect(vagueWords('The page is FAST and Robust')).toEqual(['FAST', 'Robust']);
      expect(vagueWords('The breakfast menu is shown and goods are listed')).toEqual([]);
      expect(vagueWords('The dataset has a simplex solver')).toEqual([]);
    });

    it('matches a word in quotes but not inside a hyphenated name', () => {
      expect(withCode(hintsFor("The 'fast' path is shown"), 'VAGUE_WORD')).toHaveLength(1);
      expect(withCode(hintsFor('The fast-track form is shown'), 'VAGUE_WORD')).toEqual([]);
    });

    it('ignores words in inline code, links and double-quoted interface text', () => {
      expect(vagueWords('The `fast` flag is shown at https://easy.example.com with the label "Quick start"')).toEqual([]);
    });

    it('reports each vague word once, in reading order, and a phrase rather than the word inside it', () => {
      expect(vagueWords('It is easy to use, fast, easy to use again and fast, etc.')).toEqual(['easy to use', 'fast', 'etc.']);
    });
  });

  describe("'NO_OBSERVABLE_OUTCOME' (ISO/IEC/IEEE 29148 verifiable; INCOSE R16)", () => {
    it.each([
      ['a topic', 'Dark mode'],
      ['a feature name', 'Export to CSV'],
      ['a feature name', 'Login with Google'],
      ['work to do', 'Refactor the billing module'],
      ['work to do', 'Validate all form fields for the registration form'],
      ['work said to be done', 'API errors are handled'],
      ['work said to be done', 'Implementation completed'],
      ['a test step', 'Expand the hamburger menu'],
      ['only a condition', 'When it is implemented'],
    ])('flags %s: %j', (_what, text) => {
      expect(codesFor(text)).toContain('NO_OBSERVABLE_OUTCOME');
    });

    it('says why and how to fix it, with a rewrite', () => {
      expect(withCode(hintsFor('Refactor the billing module'), 'NO_OBSERVABLE_OUTCOME')).toEqual([
        {
          criterionIndex: 0,
          code: 'NO_OBSERVABLE_OUTCOME',
          rule: 'ISO29148-VERIFIABLE',
          message:
            '“refactor” describes work to do, so this criterion does not say what anyone will be able to see or check once it is done (ISO/IEC/IEEE 29148, verifiable). Describe the result, e.g. rewrite “Refactor the billing module” as “Invoices show the same totals as before for all 3 tax rates”.',
        },
      ]);
      expect(withCode(hintsFor('Dark mode'), 'NO_OBSERVABLE_OUTCOME')[0]?.message).toMatch(/does not say what anyone will be able to see or check/);
    });

    it('flags what must merely not happen (INCOSE R16), unless a condition bounds it', () => {
      expect(withCode(hintsFor('The app does not crash'), 'NO_OBSERVABLE_OUTCOME')[0]).toMatchObject({ rule: 'INCOSE-R16' });
      expect(codesFor('Does not drain battery')).toContain('NO_OBSERVABLE_OUTCOME');
      expect(codesFor('The import does not fail when the file is empty')).not.toContain('NO_OBSERVABLE_OUTCOME');
      expect(codesFor('Users cannot delete an invoice that is already paid')).not.toContain('NO_OBSERVABLE_OUTCOME');
    });

    it.each([
      'Then the order appears in the list',
      'The banner should be dismissible',
      'The user will receive a receipt',
      'The report shows totals per month',
      'Response time < 500 ms',
      'Invoices are numbered without gaps',
      'Order confirmed',
      'Preference persisted across sessions',
      'Unit tests complete (90% coverage)',
      'code merged into master',
      'Limit access to the Admin role',
      'Verify that the X button dismisses the wizard',
    ])('passes the observable %j', (text) => {
      expect(codesFor(text)).not.toContain('NO_OBSERVABLE_OUTCOME');
    });
  });

  describe('Given/When/Then and EARS structure', () => {
    it('flags a Given/When without a Then', () => {
      expect(withCode(hintsFor('Given a logged-in user\nWhen they open the cart'), 'NO_OBSERVABLE_OUTCOME')).toEqual([
        expect.objectContaining({ rule: 'GHERKIN-THEN', message: expect.stringContaining('has no Then step') }),
      ]);
      expect(codesFor('Given a logged-in user, when they open the cart')).toContain('NO_OBSERVABLE_OUTCOME');
    });

    it('reads the outcome from the Then step only', () => {
      expect(codesFor('Given a cart with 3 items and a coupon\nWhen I pay\nThen I see the order number')).toEqual([]);
      expect(codesFor('Given a cart\nWhen I pay\nThen the payment')).toContain('NO_OBSERVABLE_OUTCOME');
    });

    it('counts each And or But after Then as another outcome', () => {
      const hints = withCode(hintsFor('Given I am on the login page\nWhen I submit valid credentials\nThen I see the dashboard\nAnd a welcome message is shown\nBut no banner is shown'), 'MULTIPLE_OUTCOMES');
      expect(hints[0]?.message).toMatch(/^This criterion describes 3 separate outcomes/);
    });

    it('reads a one-line scenario with capitalised And steps', () => {
      expect(codesFor('Given the user is on the login page When the user clicks "Login" Then the user is redirected to the dashboard And a welcome message is displayed')).toEqual(['MULTIPLE_OUTCOMES']);
    });

    it('does not count And steps of the Given or When as outcomes', () => {
      expect(codesFor('Given a registered user\nAnd an empty cart\nWhen they add a book\nAnd they open the cart\nThen the cart shows 1 item')).toEqual([]);
    });

    it('reads EARS statements: the condition is not an outcome, the response is', () => {
      expect(codesFor('While offline, the app shall queue every change')).toEqual([]);
      expect(codesFor('When the card is declined and the user is a guest, the system shall show "Card declined"')).toEqual([]);
      expect(codesFor('If the card is declined, then the system shall show "Card declined"')).toEqual([]);
      expect(codesFor('When the user saves the form, the system shall show a confirmation and send an email')).toEqual(['MULTIPLE_OUTCOMES']);
    });
  });

  describe("'MULTIPLE_OUTCOMES' (INCOSE R19; ISO/IEC/IEEE 29148 singular)", () => {
    it.each([
      ['two "and"-joined outcomes', 'The system sends an email and shows a confirmation banner', 2],
      ['outcomes joined by ";"', 'The order is saved; the stock is reduced', 2],
      ['several sentences, each with an outcome', 'The report is generated. The email is sent. The log is written.', 3],
      ['several results after "Then"', 'Given a cart, when I pay, then the order is saved and the receipt is emailed', 2],
      ['modal outcomes', 'The user can log in and can reset the password', 2],
      ['results on separate lines after "Then"', 'Given a cart\nWhen I pay\nThen the order is saved\nAnd the receipt is emailed', 2],
      ['two capabilities joined by "or"', 'Admins can approve or reject comments', 2],
      ['two properties', 'Focus order is deterministic and visible', 2],
      ['comma-joined clauses', 'Users can check out, all items are validated, and payment is taken', 3],
    ])('flags %s', (_what, text, count) => {
      const hints = withCode(hintsFor(text), 'MULTIPLE_OUTCOMES');
      expect(hints).toHaveLength(1);
      expect(hints[0]?.rule).toBe('INCOSE-R19');
      expect(hints[0]?.message).toMatch(new RegExp(`^This criterion describes ${count} separate outcomes .*Split it into ${count} criteria`));
    });

    it('quotes the outcomes it would split', () => {
      expect(withCode(hintsFor('The order is saved; the stock is reduced'), 'MULTIPLE_OUTCOMES')[0]?.message).toBe(
        "This criterion describes 2 separate outcomes (INCOSE R19, combinators). Split it into 2 criteria so each one can be checked and signed off on its own, e.g. “The order is saved” and “The stock is reduced”.",
      );
    });

    it.each([
      ['a single outcome with a condition', 'The user sees an error message when the password is wrong'],
      ['conditions joined by "and"', 'When the cart is empty and the user is a guest, the checkout button is disabled'],
      ['a trailing condition with "and"', 'The checkout button is disabled if the cart is empty and the user is a guest'],
      ['a list of things', 'The invoice shows the name and the address and the VAT number'],
      ['a list of subjects', 'A summary of all items, quantities, and the final total is visible'],
      ['two ways to trigger one result', 'All drop-down menus can be dismissed by clicking outside of them or pressing Escape'],
      ['Given/When/Then steps with one result', 'Given a user is logged in. When they click log out. Then the sign-in page is shown.'],
      ['nested items under one criterion', 'The export:\n  - is a CSV file\n  - is sent by email'],
      ['Given/When/Then on separate lines with one result', 'Given a user is logged in\nWhen they click log out\nThen the sign-in page is shown'],
      ['"and" inside quoted interface text', 'The dialog shows "Save and close"'],
    ])('does not flag %s', (_what, text) => {
      expect(withCode(hintsFor(text), 'MULTIPLE_OUTCOMES')).toEqual([]);
    });
  });

  describe("'TOO_LONG' (INCOSE R18)", () => {
    const words = (n: number): string => `The user sees ${Array.from({ length: n - 3 }, (_, i) => `w${i}`).join(' ')}`;

    it(`flags a criterion of more than ${DEFAULT_MAX_WORDS} words and says how long it is`, () => {
      expect(withCode(hintsFor(words(DEFAULT_MAX_WORDS)), 'TOO_LONG')).toEqual([]);
      expect(withCode(hintsFor(words(DEFAULT_MAX_WORDS + 1)), 'TOO_LONG')).toEqual([
        {
          criterionIndex: 0,
          code: 'TOO_LONG',
          rule: 'INCOSE-R18',
          message: `This criterion is ${DEFAULT_MAX_WORDS + 1} words long (the limit is ${DEFAULT_MAX_WORDS}; INCOSE R18, single thought). Shorten it, or split it into several criteria so each can be checked on its own, e.g. one per Then step.`,
        },
      ]);
    });

    it('uses options.maxWords', () => {
      expect(withCode(findQualityHints([{ text: words(11) }], { maxWords: 10 }), 'TOO_LONG')).toHaveLength(1);
      expect(withCode(findQualityHints([{ text: words(10) }], { maxWords: 10 }), 'TOO_LONG')).toEqual([]);
    });

    it('falls back to the default for a maxWords that is not a positive number', () => {
      expect(withCode(findQualityHints([{ text: words(20) }], { maxWords: 0 }), 'TOO_LONG')).toEqual([]);
      expect(withCode(findQualityHints([{ text: words(20) }], { maxWords: Number.NaN }), 'TOO_LONG')).toEqual([]);
    });

    it('does not count punctuation as words', () => {
      expect(withCode(findQualityHints([{ text: 'The user sees - - - - - - - it' }], { maxWords: 4 }), 'TOO_LONG')).toEqual([]);
    });
  });

  describe("'DUPLICATE' (INCOSE R30)", () => {
    it('flags the same text as an earlier criterion, ignoring case and punctuation, naming it by number', () => {
      const hints = hintsFor('The user sees the dashboard', 'Orders are listed', 'the user sees the dashboard!', 'The user, sees the dashboard.');
      const message = 'This criterion repeats criterion 1 (INCOSE R30, unique expression). Remove one of them, or reword them so the difference is clear.';
      expect(withCode(hints, 'DUPLICATE')).toEqual([
        { criterionIndex: 2, code: 'DUPLICATE', rule: 'INCOSE-R30', message },
        { criterionIndex: 3, code: 'DUPLICATE', rule: 'INCOSE-R30', message },
      ]);
    });

    it('ignores differences in spacing and line breaks', () => {
      expect(withCode(hintsFor('Orders are  listed', 'Orders are\nlisted'), 'DUPLICATE')).toHaveLength(1);
    });

    it('does not flag criteria that differ in a word', () => {
      expect(withCode(hintsFor('Orders are listed', 'Orders are sorted'), 'DUPLICATE')).toEqual([]);
    });
  });

  describe('team vocabulary', () => {
    it('adds the team’s own vague words', () => {
      expect(vagueWords('The page is snappy', { vocabulary: { vagueWords: ['snappy', 'blazing fast'] } })).toEqual(['snappy']);
      expect(withCode(findQualityHints([{ text: 'The page is snappy' }], { vocabulary: { vagueWords: ['snappy'] } }), 'VAGUE_WORD')[0]?.message).toMatch(
        /^“snappy” is on your team’s list of vague words \(INCOSE R7, vague terms\)/,
      );
    });

    it('silences words the team accepts, built-in or its own, in any case', () => {
      expect(vagueWords('The fast lane is fast', { vocabulary: { silencedWords: ['Fast'] } })).toEqual([]);
      expect(vagueWords('Errors are logged as needed', { vocabulary: { silencedWords: ['as needed'] } })).toEqual([]);
      expect(vagueWords('The page is fast and simple', { vocabulary: { silencedWords: ['fast'] } })).toEqual(['simple']);
    });

    it('treats a vague word inside an accepted phrase as part of a name, and still flags it elsewhere', () => {
      expect(vagueWords('Fast lane orders ship first', { vocabulary: { silencedWords: ['fast lane'] } })).toEqual([]);
      expect(vagueWords('The fast lane page is fast', { vocabulary: { silencedWords: ['Fast Lane'] } })).toEqual(['fast']);
    });

    it('switches off whole rules', () => {
      const text = 'The page is fast, etc.';
      expect(vagueWords(text, { vocabulary: { disabledRules: ['INCOSE-R9'] } })).toEqual(['fast']);
      expect(codesFor('Dark mode', { vocabulary: { disabledRules: ['ISO29148-VERIFIABLE'] } })).toEqual([]);
      expect(codesFor('Given a cart\nWhen I pay', { vocabulary: { disabledRules: ['GHERKIN-THEN'] } })).toEqual([]);
    });

    it('validates a vocabulary with the exported schema', () => {
      expect(teamVocabularySchema.parse({ vagueWords: [' snappy '] })).toEqual({ vagueWords: ['snappy'], silencedWords: [], disabledRules: [] });
      expect(teamVocabularySchema.safeParse({ vagueWords: [''] }).success).toBe(false);
      expect(teamVocabularySchema.safeParse({ disabledRules: ['R99'] }).success).toBe(false);
      expect(teamVocabularySchema.safeParse({ silencedWords: ['x'.repeat(61)] }).success).toBe(false);
      expect(qualityRuleIds.every((id) => teamVocabularySchema.safeParse({ disabledRules: [id] }).success)).toBe(true);
    });

    it('keeps the valid part of a vocabulary that was not validated, and never throws on one', () => {
      expect(resolveTeamVocabulary({ vagueWords: ['snappy', '', 7], disabledRules: ['INCOSE-R9', 'R99'] })).toEqual({
        vagueWords: ['snappy'],
        silencedWords: [],
        disabledRules: ['INCOSE-R9'],
      });
      for (const vocabulary of [null, 'words', 42, { vagueWords: 'snappy' }, { vagueWords: ['(', '*', '\\'] }]) {
        expect(() => findQualityHints([{ text: 'The page is snappy (fast)' }], { vocabulary: vocabulary as never })).not.toThrow();
      }
    });
  });

  describe('options.disabled', () => {
    const bad = ['Fast dark mode, etc.', 'Fast dark mode, etc.', `The page is shown and the email is sent ${'x '.repeat(70)}`];

    it('gives every code when nothing is disabled', () => {
      expect(new Set(findQualityHints(bad.map((text) => ({ text }))).map((h) => h.code))).toEqual(new Set(qualityHintCodes));
    });

    it.each(qualityHintCodes.map((code) => [code]))('switches off %s and nothing else', (code) => {
      const all = findQualityHints(bad.map((text) => ({ text })));
      const some = findQualityHints(bad.map((text) => ({ text })), { disabled: [code] });
      expect(some).toEqual(all.filter((h) => h.code !== code));
    });

    it('switches off several codes', () => {
      expect(findQualityHints(bad.map((text) => ({ text })), { disabled: [...qualityHintCodes] })).toEqual([]);
    });
  });

  it('orders hints by criterion, then in a fixed order of codes', () => {
    const hints = hintsFor('Dark mode', 'Fast dark mode', 'Dark mode');
    expect(hints.map((h) => [h.criterionIndex, h.code])).toEqual([
      [0, 'NO_OBSERVABLE_OUTCOME'],
      [1, 'VAGUE_WORD'],
      [1, 'NO_OBSERVABLE_OUTCOME'],
      [2, 'NO_OBSERVABLE_OUTCOME'],
      [2, 'DUPLICATE'],
    ]);
  });

  it('writes every message as a full sentence', () => {
    const hints = hintsFor('Fast dark mode, TBD', 'Fast dark mode, TBD', `The page is shown and the email is sent ${'x '.repeat(70)}`, 'Click Save', 'The app does not crash');
    expect(hints.length).toBeGreaterThanOrEqual(7);
    for (const hint of hints) expect(hint.message).toMatch(/^[“A-Z].*[.]$/);
  });

  it('never throws and gives well-formed hints for 300 random texts', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pieces = [
      'fast', 'and', 'is', 'shown', ';', '.', ' ', '\n  - ', 'Then', 'when', 'Given', 'And', 'TBD', 'etc.', '`x`', 'http://a.b', "'",
      '"', '(', ')', '-', ':', 'the', 'user', 'sees', 'can', 'not', 'no', '😀', '\u00a0', 'a'.repeat(5_000), 'and/or', 'If', ',',
    ];
    for (let n = 0; n < 300; n++) {
      const criteria = Array.from({ length: Math.floor(random() * 5) }, () => ({
        text: Array.from({ length: Math.floor(random() * 30) }, () => pieces[Math.floor(random() * pieces.length)]).join(' '),
      }));
      const hints = findQualityHints(criteria, { maxWords: 1 + Math.floor(random() * 40), vocabulary: { vagueWords: ['user'], silencedWords: ['fast'] } });
      for (const hint of hints) {
        expect(hint.criterionIndex).toBeGreaterThanOrEqual(0);
        expect(hint.criterionIndex).toBeLessThan(criteria.length);
        expect(qualityHintCodes).toContain(hint.code);
        expect(qualityRuleIds).toContain(hint.rule);
        expect(hint.message).toMatch(/^[“A-Z].*[.]$/);
      }
    }
  });

  it('passes a criterion with a passive outcome and handles a very long word', () => {
    expect(codesFor('Order confirmed')).toEqual([]);
    expect(codesFor(`Logo ${'a'.repeat(100_000)}`)).toEqual(['NO_OBSERVABLE_OUTCOME']);
  });

  it('gives no hints for empty input and skips criteria without text', () => {
    expect(findQualityHints([])).toEqual([]);
    expect(hintsFor('', '   ')).toEqual([]);
    expect(findQualityHints([{ text: null as unknown as string }])).toEqual([]);
    expect(findQualityHints(null as unknown as [])).toEqual([]);
  });
});
