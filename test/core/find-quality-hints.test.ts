import { DEFAULT_MAX_WORDS, findQualityHints, qualityHintCodes } from '../../src/core/find-quality-hints';
import type { QualityHint, QualityHintCode } from '../../src/core/find-quality-hints';

const hintsFor = (...texts: string[]): QualityHint[] => findQualityHints(texts.map((text) => ({ text })));
const codesFor = (text: string): QualityHintCode[] => hintsFor(text).map((h) => h.code);
const withCode = (hints: QualityHint[], code: QualityHintCode): QualityHint[] => hints.filter((h) => h.code === code);

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
    'Users can search and filter products by category',
    'The quick-start guide is linked from the header',
    'The `--fast` flag is documented at https://simple.example.com',
    'The export contains:\n  - the order id\n  - the total',
  ])('gives no hints for the good criterion %j', (text) => {
    expect(hintsFor(text)).toEqual([]);
  });

  describe("'VAGUE_WORD'", () => {
    it.each([
      'fast', 'quick', 'easy', 'simple', 'user-friendly', 'intuitive', 'robust', 'scalable', 'efficient', 'flexible', 'etc.',
      'and so on', 'as appropriate', 'as needed', 'if possible', 'TBD', 'TBC', 'good', 'nice', 'appropriate', 'reasonable',
      'seamless', 'modern', 'optimal', 'correctly', 'user friendly', 'easy to use',
    ])('flags %j', (word) => {
      const hints = withCode(hintsFor(`The page is ${word} for the user`), 'VAGUE_WORD');
      expect(hints).toHaveLength(1);
      expect(hints[0]?.message).toContain(`'${word}'`);
    });

    it('names the word and suggests a measurable replacement', () => {
      expect(withCode(hintsFor('The page loads fast'), 'VAGUE_WORD')).toEqual([
        { criterionIndex: 0, code: 'VAGUE_WORD', message: "'fast' cannot be tested: say how fast, e.g. 'within 2 seconds'." },
      ]);
    });

    it('says an undecided criterion must be settled before sign-off', () => {
      expect(withCode(hintsFor('The retry limit is TBD'), 'VAGUE_WORD')[0]?.message).toMatch(/not decided yet.*before sign-off/);
    });

    it('matches whole words in any case', () => {
      expect(withCode(hintsFor('The page is FAST and Robust'), 'VAGUE_WORD').map((h) => h.message.split("'")[1])).toEqual(['FAST', 'Robust']);
      expect(withCode(hintsFor('The breakfast menu is shown and goods are listed'), 'VAGUE_WORD')).toEqual([]);
      expect(withCode(hintsFor('The dataset has a simplex solver'), 'VAGUE_WORD')).toEqual([]);
    });

    it("matches a word in quotes but not inside a hyphenated name", () => {
      expect(withCode(hintsFor("The 'fast' path is shown"), 'VAGUE_WORD')).toHaveLength(1);
      expect(withCode(hintsFor('The fast-track form is shown'), 'VAGUE_WORD')).toEqual([]);
    });

    it('reports each vague word once, in reading order, and a phrase rather than the word inside it', () => {
      const hints = withCode(hintsFor('It is easy to use, fast, easy to use again and fast, etc.'), 'VAGUE_WORD');
      expect(hints.map((h) => h.message.split("'")[1])).toEqual(['easy to use', 'fast', 'etc.']);
    });
  });

  describe("'NO_OBSERVABLE_OUTCOME'", () => {
    it.each(['Dark mode', 'Export to CSV', 'Login with Google', 'Refactor the billing module'])('flags %j', (text) => {
      expect(codesFor(text)).toContain('NO_OBSERVABLE_OUTCOME');
    });

    it('explains what to write instead', () => {
      expect(withCode(hintsFor('Dark mode'), 'NO_OBSERVABLE_OUTCOME')[0]?.message).toMatch(/does not say what anyone will be able to see or check/);
    });

    it.each([
      'Then the order appears in the list',
      'The banner should be dismissible',
      'The user will receive a receipt',
      'The report shows totals per month',
      'Response time < 500 ms',
      'Invoices are numbered without gaps',
    ])('passes %j', (text) => {
      expect(codesFor(text)).not.toContain('NO_OBSERVABLE_OUTCOME');
    });
  });

  describe("'DUPLICATE'", () => {
    it('flags the same text as an earlier criterion, ignoring case and punctuation, naming it by number', () => {
      const hints = hintsFor('The user sees the dashboard', 'Orders are listed', 'the user sees the dashboard!', 'The user, sees the dashboard.');
      expect(withCode(hints, 'DUPLICATE')).toEqual([
        { criterionIndex: 2, code: 'DUPLICATE', message: 'This criterion repeats criterion 1. Remove one of them, or reword them so the difference is clear.' },
        { criterionIndex: 3, code: 'DUPLICATE', message: 'This criterion repeats criterion 1. Remove one of them, or reword them so the difference is clear.' },
      ]);
    });

    it('ignores differences in spacing and line breaks', () => {
      expect(withCode(hintsFor('Orders are  listed', 'Orders are\nlisted'), 'DUPLICATE')).toHaveLength(1);
    });

    it('does not flag criteria that differ in a word', () => {
      expect(withCode(hintsFor('Orders are listed', 'Orders are sorted'), 'DUPLICATE')).toEqual([]);
    });
  });

  describe("'TOO_LONG'", () => {
    const words = (n: number): string => `The user sees ${Array.from({ length: n - 3 }, (_, i) => `w${i}`).join(' ')}`;

    it(`flags a criterion of more than ${DEFAULT_MAX_WORDS} words and says how long it is`, () => {
      expect(withCode(hintsFor(words(DEFAULT_MAX_WORDS)), 'TOO_LONG')).toEqual([]);
      expect(withCode(hintsFor(words(DEFAULT_MAX_WORDS + 1)), 'TOO_LONG')).toEqual([
        {
          criterionIndex: 0,
          code: 'TOO_LONG',
          message: 'This criterion is 61 words long (the limit is 60). Shorten it, or split it into several criteria so each can be checked on its own.',
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

  describe("'MULTIPLE_OUTCOMES'", () => {
    it.each([
      ['two "and"-joined outcomes', 'The system sends an email and shows a confirmation banner', 2],
      ['outcomes joined by ";"', 'The order is saved; the stock is reduced', 2],
      ['several sentences, each with an outcome', 'The report is generated. The email is sent. The log is written.', 3],
      ['several results after "Then"', 'Given a cart, when I pay, then the order is saved and the receipt is emailed', 2],
      ['modal outcomes', 'The user can log in and can reset the password', 2],
      ['results on separate lines after "Then"', 'Given a cart\nWhen I pay\nThen the order is saved\nAnd the receipt is emailed', 2],
    ])('flags %s', (_what, text, count) => {
      expect(withCode(hintsFor(text), 'MULTIPLE_OUTCOMES')).toEqual([
        {
          criterionIndex: 0,
          code: 'MULTIPLE_OUTCOMES',
          message: `This criterion describes ${count} separate outcomes. Split it into ${count} criteria so each one can be checked and signed off on its own.`,
        },
      ]);
    });

    it.each([
      ['a single outcome with a condition', 'The user sees an error message when the password is wrong'],
      ['conditions joined by "and"', 'When the cart is empty and the user is a guest, the checkout button is disabled'],
      ['a trailing condition with "and"', 'The checkout button is disabled if the cart is empty and the user is a guest'],
      ['a list of things', 'The invoice shows the name and the address and the VAT number'],
      ['one verb shared by two objects', 'Users can search and filter products'],
      ['Given/When/Then steps with one result', 'Given a user is logged in. When they click log out. Then the sign-in page is shown.'],
      ['nested items under one criterion', 'The export:\n  - is a CSV file\n  - is sent by email'],
      ['Given/When/Then on separate lines with one result', 'Given a user is logged in\nWhen they click log out\nThen the sign-in page is shown'],
    ])('does not flag %s', (_what, text) => {
      expect(withCode(hintsFor(text), 'MULTIPLE_OUTCOMES')).toEqual([]);
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
    const hints = hintsFor('Fast dark mode, TBD', 'Fast dark mode, TBD', `The page is shown and the email is sent ${'x '.repeat(70)}`);
    expect(hints.length).toBeGreaterThanOrEqual(5);
    for (const hint of hints) expect(hint.message).toMatch(/^['A-Z].*[.]$/);
  });

  it('never throws and gives well-formed hints for 300 random texts', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pieces = ['fast', 'and', 'is', 'shown', ';', '.', ' ', '\n  - ', 'Then', 'when', 'TBD', 'etc.', '`x`', 'http://a.b', "'", '-', '😀', '\u00a0', 'a'.repeat(5_000)];
    for (let n = 0; n < 300; n++) {
      const criteria = Array.from({ length: Math.floor(random() * 5) }, () => ({
        text: Array.from({ length: Math.floor(random() * 30) }, () => pieces[Math.floor(random() * pieces.length)]).join(' '),
      }));
      const hints = findQualityHints(criteria, { maxWords: 1 + Math.floor(random() * 40) });
      for (const hint of hints) {
        expect(hint.criterionIndex).toBeGreaterThanOrEqual(0);
        expect(hint.criterionIndex).toBeLessThan(criteria.length);
        expect(qualityHintCodes).toContain(hint.code);
        expect(hint.message).toMatch(/^['A-Z].*[.]$/);
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
  });
});
