import type { QualityRuleId } from './rules';
import type { Token } from './tag-words';

// Words and phrases that leave the pass/fail line to opinion. Each group cites its rule and says
// how to fix the criterion, with a rewrite. Matching is by whole word; a few words are only vague
// in some uses, which `guard` checks on the tagged words (part of speech and the next word).

export interface VagueGroup {
  rule: QualityRuleId;
  words: string[];
  advice: string;
  before: string;
  after: string;
  /** Returns false when this use of the word is not vague. */
  guard?: (word: string, token: Token | undefined, next: Token | undefined, previous: Token | undefined) => boolean;
}

const MODALS = new Set(['can', 'could', 'will', 'would', 'should', 'must', 'may', 'might', 'shall']);
const notVerb = (_w: string, t: Token | undefined): boolean => t === undefined || t.pos !== 'VERB';
const nextNotIn =
  (words: readonly string[]) =>
  (_w: string, _t: Token | undefined, next: Token | undefined): boolean =>
    next === undefined || !words.includes(next.lower);

export const VAGUE_GROUPS: VagueGroup[] = [
  {
    rule: 'INCOSE-R7',
    words: ['fast', 'faster', 'quick', 'quickly', 'quicker', 'rapid', 'rapidly', 'speedy', 'instant', 'instantly', 'performant',
      'as soon as possible', 'asap', 'timely', 'in a timely manner', 'in real[- ]time'],
    advice: 'say how fast',
    before: 'The page loads fast',
    after: 'The page loads within 2 seconds on a 4G connection',
  },
  {
    rule: 'INCOSE-R7',
    words: ['efficient', 'efficiently', 'effective', 'effectively', 'optimal', 'optimally', 'optimi[sz]ed?', 'optimi[sz]es'],
    advice: 'say what is measured and the limit',
    before: 'Imports run efficiently',
    after: 'An import of 10,000 rows finishes within 1 minute',
  },
  {
    rule: 'INCOSE-R7',
    words: ['easy to use', 'easy', 'easily', 'easier', 'simple', 'user[- ]friendly', 'mobile[- ]friendly', 'intuitive',
      'intuitively', 'straightforward', 'convenient', 'conveniently', 'seamless', 'seamlessly', 'smooth', 'smoothly'],
    advice: 'say what the user must manage to do',
    before: 'Sign-up is easy',
    after: 'A first-time user completes sign-up in at most 3 steps without help',
  },
  {
    rule: 'INCOSE-R7',
    words: ['robust', 'reliable', 'reliably', 'stable', 'resilient', 'scalable', 'flexible', 'secure', 'securely', 'safely'],
    advice: 'say what must keep working, or what must be refused, and under which condition',
    before: 'Payments are processed securely',
    after: 'Card numbers are never stored; the payment form is only served over HTTPS',
    guard: nextNotIn(['cookie', 'cookies', 'flag', 'context', 'connection', 'channel', 'hash', 'enclave', 'attribute', 'element']),
  },
  {
    rule: 'INCOSE-R7',
    words: ['correct', 'correctly', 'accurate', 'accurately', 'proper', 'properly', 'right'],
    advice: 'state the expected result',
    before: 'The total is calculated correctly',
    after: 'The total equals the sum of the line items plus 20 % VAT',
    guard: (word, _t, next) => {
      if (word.toLowerCase() === 'right') return next !== undefined && ['information', 'data', 'place', 'page', 'format', 'result', 'results', 'value', 'values', 'way', 'time'].includes(next.lower);
      return next === undefined || !['password', 'passwords', 'credentials', 'pin', 'otp', 'code', 'answer', 'username', 'email'].includes(next.lower);
    },
  },
  {
    rule: 'INCOSE-R7',
    words: ['clear', 'clearly', 'understandable', 'meaningful', 'informative', 'helpful', 'useful', 'readable', 'explanatory',
      'descriptive', 'user[- ]readable', 'human[- ]readable', 'understand', 'understands'],
    advice: 'say what the text or screen must contain',
    before: 'A clear error message is shown',
    after: 'The error names the field and the rule, e.g. ‘Email must contain @’',
    // "clear" is a verb after a modal or before its object ("can clear the field").
    guard: (word, token, next, previous) =>
      !/^clear$/i.test(word) ||
      !(token?.pos === 'VERB' || MODALS.has(previous?.lower ?? '') || previous?.lower === 'to' || next?.pos === 'DET' || next?.pos === 'PRON'),
  },
  {
    rule: 'INCOSE-R7',
    words: ['relevant', 'irrelevant', 'appropriate', 'appropriately', 'inappropriate', 'suitable', 'adequate', 'adequately',
      'sufficient', 'sufficiently', 'reasonable', 'reasonably', 'acceptable', 'satisfactory'],
    advice: 'say exactly which items, condition or value count',
    before: 'Search shows relevant results',
    after: 'Every result contains the search term in its title or tags',
  },
  {
    rule: 'INCOSE-R7',
    words: ['responsive', 'responsively', 'adapts?', 'adjusts? properly', 'optimi[sz]ed for mobile'],
    advice: 'name the screen widths and what changes at each',
    before: 'The page is responsive',
    after: 'Below 600 px wide the menu collapses into one button and no text scrolls sideways',
    guard: (word, _t, next) => !/^adapts?$/i.test(word) || next === undefined || next.lower === 'to',
  },
  {
    rule: 'INCOSE-R7',
    words: ['accessible', 'semantic', 'semantically', 'operable', 'perceivable'],
    advice: 'name the standard and the check',
    before: 'The form is accessible',
    after: 'An axe scan of the form reports no WCAG 2.1 AA violations and every field has a label',
    guard: nextNotIn(['by', 'to', 'from', 'via', 'only', 'through', 'at', 'on', 'in', 'with', 'under', 'within', 'after']),
  },
  {
    rule: 'INCOSE-R7',
    words: ['consistent', 'consistently', 'good', 'nice', 'clean', 'beautiful', 'polished', 'modern', 'professional',
      'attractive', 'appealing', 'well[- ]formatted', 'well[- ]designed', 'well[- ]structured', 'high[- ]quality',
      'state[- ]of[- ]the[- ]art', 'flawless', 'flawlessly', 'perfect', 'perfectly', 'visually identifiable'],
    advice: 'describe what someone will see or measure',
    guard: notVerb,
    before: 'The report looks professional',
    after: 'The report uses the company template, with one table per region and totals in bold',
  },
  {
    rule: 'INCOSE-R7',
    words: ['as expected', 'as intended', 'as designed', 'as it should',
      '(?:looks?|looking|appears?|seems?|feels?) (?:good|correct|right|fine|ok|okay|nice|great|clean|professional|polished|consistent|better|modern)',
      '(?:works?|working|functions?|functioning|behaves?|behaving|operates?|performs?|runs?) (?:well|fine|properly|correctly|smoothly|seamlessly|flawlessly|normally|reliably|perfectly|ok|okay|end[- ]to[- ]end)'],
    advice: 'state the result that shows it works',
    before: 'Checkout works as expected',
    after: 'After paying, the customer sees the order number and receives a receipt email',
  },
  {
    rule: 'INCOSE-R7',
    words: ['better', 'improved', 'enhanced', 'more efficient', 'more reliable', 'higher quality', 'areas? (?:for|of) improvement'],
    advice: 'say compared with what and by how much',
    before: 'Search is improved',
    after: 'Search answers in half the time it takes today (median under 300 ms)',
  },
  {
    rule: 'INCOSE-R7',
    words: ['some', 'several', 'many', 'few', 'a few', 'various', 'varying', 'numerous', 'a lot of', 'lots of', 'significant',
      'significantly', 'substantial', 'substantially', 'considerable', 'minimal', 'approximately', 'roughly', 'nearly', 'almost',
      'different', 'representative'],
    advice: 'give the number or list the cases',
    before: 'The page works on different devices',
    after: 'The page works on iPhone 13, Pixel 7 and a 1280 px desktop browser',
    guard: (word, _t, next) => word.toLowerCase() !== 'different' || (next !== undefined && (next.pos === 'NOUN' || next.pos === 'ADJ')),
  },
  {
    rule: 'INCOSE-R8',
    words: ['as appropriate', 'where appropriate', 'if appropriate', 'when appropriate', 'as needed', 'if needed', 'when needed',
      'where needed', 'as required', 'if required', 'when required', 'as necessary', 'if necessary', 'where necessary',
      'when necessary', 'if possible', 'where possible', 'when possible', 'as much as possible', 'as far as possible',
      'to the extent possible', 'if applicable', 'where applicable', 'as applicable', 'when applicable', 'if practical',
      'where practical', 'if practicable', 'where feasible', 'if feasible', 'if any'],
    advice: 'say exactly when it applies, or drop the clause',
    before: 'Error details are logged where possible',
    after: 'Every failed payment writes its error code and order id to the log',
  },
  {
    rule: 'INCOSE-R9',
    words: ['etc\\.?', 'and so on', 'and so forth', 'among others', 'including but not limited to', 'but not limited to',
      'and more', 'or similar', 'and the like'],
    advice: 'list every case that must work, because nobody can accept a list that is left open',
    before: 'Upload accepts images (JPG, PNG, etc.)',
    after: 'Upload accepts JPG, PNG and WebP files',
  },
  {
    rule: 'INCOSE-R17',
    words: ['and/or'],
    advice: 'say whether both are needed or either one is enough',
    before: 'Approved by product and/or design',
    after: 'Approved by the product owner and by the lead designer',
  },
  {
    rule: 'ISO29148-COMPLETE',
    words: ['tbd', 'tbc', 'todo', 'to be decided', 'to be defined', 'to be determined', 'to be confirmed', '\\?\\?\\?'],
    advice: 'settle it before sign-off, because nobody can accept what is still open',
    before: 'The retry limit is TBD',
    after: 'A failed upload is retried at most 3 times',
  },
];

/** A reference to a standard or requirement that is not named ("meets standards", "per requirements"). */
export const UNNAMED_STANDARD = new RegExp(
  [
    '\\b(?:meets?|met|meeting|follows?|following|compl(?:y|ies) with|conforms? to|adheres? to|satisf(?:y|ies))\\s+(?:(?:the|all|our|existing|relevant|current|ui/ux|ux|ui|design|industry|security|performance|accessibility|quality|project|business)\\s+)*(?:standards?|best practices|guidelines|requirements|benchmarks|expectations|criteria)\\b',
    '\\b(?:standards|benchmarks|requirements|expectations|guidelines)\\s+(?:are|is|were|have been|has been|should be|must be)\\s+met\\b',
    '\\b(?:as\\s+)?per\\s+(?:the\\s+)?requirements\\b',
    '\\baccording to (?:the\\s+)?requirements\\b',
    '\\bindustry[- ]standard\\b',
    '\\bbest practices\\b',
    '\\b(?:does |do |works )?(?:the )?same (?:as|way as) (?:the )?(?:existing|current|old|previous|legacy)\\b',
  ].join('|'),
  'i',
);
// A figure or a named standard makes the reference concrete ("meet standards (4.5:1 minimum)").
export const NAMED_STANDARD = /\d|\b(?:WCAG|ISO|IEC|IEEE|RFC|OWASP|PCI|GDPR|HIPAA|AAA?|W3C|ADA|SOC ?2|NIST|SLA|CODE|LINK)\b/;
