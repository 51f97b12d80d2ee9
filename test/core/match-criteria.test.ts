import { matchCriteria, measureSimilarity, readCriterionWords, tokenSet, type CriterionMatch } from '../../src/core/match-criteria';
import { readWordVectors } from '../../src/core/read-word-vectors';
import type { Criterion } from '../../src/core/schemas';

const linear = (...texts: string[]): Criterion[] => texts.map((text) => ({ id: null, text, met: false }));
const jira = (...items: [string, string][]): Criterion[] => items.map(([id, text]) => ({ id, text, met: false }));

/** "kind:before->after(+moved)" per match, for readable expectations. */
const summary = (matches: CriterionMatch[]): string[] =>
  matches.map((m) => `${m.kind}:${m.beforeIndex ?? '-'}->${m.afterIndex ?? '-'}${m.moved && m.kind === 'modified' ? '+moved' : ''}`);

describe('matchCriteria', () => {
  it('marks every criterion unchanged when nothing changed', () => {
    const criteria = linear('User can log in', 'User can log out');
    expect(summary(matchCriteria(criteria, criteria))).toEqual(['unchanged:0->0', 'unchanged:1->1']);
  });

  it('treats whitespace-only edits as unchanged, like the digest does', () => {
    expect(summary(matchCriteria(linear('User  can log in '), linear('User can\nlog in')))).toEqual(['unchanged:0->0']);
  });

  it('reports an added and a removed criterion in Linear markdown (no ids)', () => {
    const matches = matchCriteria(linear('Login works', 'Logout works'), linear('Login works', 'Password reset email is sent'));
    expect(summary(matches)).toEqual(['unchanged:0->0', 'added:-->1', 'removed:1->-']);
    expect(matches[1]!.after?.text).toBe('Password reset email is sent');
    expect(matches[2]!.before?.text).toBe('Logout works');
  });

  it('matches a reworded Linear criterion by similarity as modified, with a word diff', () => {
    const matches = matchCriteria(
      linear('Given a signed-in user, when they open settings, then they see their email'),
      linear('Given a signed-in user, when they open settings, then they see their email and phone'),
    );
    expect(summary(matches)).toEqual(['modified:0->0']);
    const m = matches[0]!;
    expect(m.matchedBy).toBe('similarity');
    expect(m.diff?.filter((p) => p.added).map((p) => p.value.trim())).toEqual(['and phone']);
  });

  it('matches a rewording that only changed word forms (a plural, "five" for "5") as modified, not removed plus added', () => {
    const matches = matchCriteria(linear('Refunds are sent within five days', 'Times are shown in UTC'), linear('A refund is sent within 5 days', 'Times are shown in UTC'));
    expect(summary(matches)).toEqual(['modified:0->0', 'unchanged:1->1']);
  });

  it('matches a rewording that uses the style guide\'s word for the same thing (admin, enable, log in) as modified', () => {
    const matches = matchCriteria(
      linear('Admins can delete users', 'Admins can enable single sign-on', 'Times are shown in UTC'),
      linear('An administrator can remove a user account', 'An administrator can turn on single sign-on', 'Times are shown in UTC'),
    );
    expect(summary(matches)).toEqual(['modified:0->0', 'modified:1->1', 'unchanged:2->2']);
  });

  it('reads "log in" as "sign in" when it is a session, not when something is logged in a log', () => {
    expect(tokenSet('Users log in with Google')).toEqual(tokenSet('Users sign in with Google'));
    expect(tokenSet('Users log out after an hour')).toEqual(tokenSet('Users sign out after an hour'));
    expect(tokenSet('Every refund is logged in the audit log')).not.toContain('sign');
  });

  it('keeps "delete" and "remove" apart, as the style guide does', () => {
    expect(tokenSet('Admins can delete users')).not.toEqual(tokenSet('Admins can remove users'));
  });

  it('matches a rewording that says the same with other words of like meaning (word vectors) as modified', () => {
    const matches = matchCriteria(linear('A receipt is sent to the buyer by email', 'Times are shown in UTC'), linear('The buyer receives a receipt by email', 'Times are shown in UTC'));
    expect(summary(matches)).toEqual(['modified:0->0', 'unchanged:1->1']);
  });

  it('reports a criterion that keeps its topic but says another thing in place of one (publish -> delete) as removed plus added', () => {
    expect(summary(matchCriteria(linear('Editors can publish an article'), linear('Editors can delete an article')))).toEqual(['added:-->0', 'removed:0->-']);
  });

  it('reads "sign in" and "sign out" as two words, not as one word "sign"', () => {
    expect(tokenSet('Users can sign in with Google')).not.toEqual(tokenSet('Users can sign out with Google'));
    expect(summary(matchCriteria(linear('Users can sign in with Google'), linear('Users can sign out with Google')))).toEqual(['added:-->0', 'removed:0->-']);
  });

  it('pairs two Given/When/Then scenarios only when their outcomes are alike, however much of the frame they share', () => {
    const before = linear('Given a draft invoice, when the owner approves it, then it is sent to the customer');
    expect(summary(matchCriteria(before, linear('Given a draft invoice, when the owner approves it, then it is locked for editing')))).toEqual(['added:-->0', 'removed:0->-']);
    expect(summary(matchCriteria(before, linear('Given a draft invoice, when its owner approves it, then the customer is sent a copy')))).toEqual(['modified:0->0']);
  });

  it('scores two criteria the same whatever their order and 1 for the same words', () => {
    const similarity = readWordVectors();
    const a = readCriterionWords('A receipt is sent to the buyer by email');
    const b = readCriterionWords('The buyer receives a receipt by email');
    expect(measureSimilarity(a, b, similarity)).toBeCloseTo(measureSimilarity(b, a, similarity), 12);
    expect(measureSimilarity(a, a, similarity)).toBe(1);
  });

  it('reports a rewrite with too few words in common as removed plus added', () => {
    expect(summary(matchCriteria(linear('Export report to CSV'), linear('Send a weekly digest by email')))).toEqual(['added:-->0', 'removed:0->-']);
  });

  it('matches Jira criteria by id, so a full rewrite of the same criterion is modified', () => {
    const matches = matchCriteria(jira(['c1', 'Export report to CSV']), jira(['c1', 'Send a weekly digest by email']));
    expect(summary(matches)).toEqual(['modified:0->0']);
    expect(matches[0]!.matchedBy).toBe('id');
  });

  it('never pairs two Jira criteria with different ids, even with identical text', () => {
    expect(summary(matchCriteria(jira(['c1', 'Login works']), jira(['c2', 'Login works'])))).toEqual(['added:-->0', 'removed:0->-']);
  });

  it('follows Jira ids through a reorder and reports the move', () => {
    const before = jira(['a', 'First'], ['b', 'Second'], ['c', 'Third']);
    const after = jira(['c', 'Third'], ['a', 'First'], ['b', 'Second']);
    expect(summary(matchCriteria(before, after))).toEqual(['moved:2->0', 'unchanged:0->1', 'unchanged:1->2']);
  });

  it('does not mark the criteria after one inserted criterion as moved', () => {
    const before = linear('A is shown', 'B is shown', 'C is shown', 'D is shown');
    const after = linear('A is shown', 'New thing appears', 'B is shown', 'C is shown', 'D is shown');
    expect(summary(matchCriteria(before, after))).toEqual(['unchanged:0->0', 'added:-->1', 'unchanged:1->2', 'unchanged:2->3', 'unchanged:3->4']);
  });

  it('reports swapped criteria as a move of one of them, not a change of text', () => {
    const matches = matchCriteria(linear('Login works', 'Logout works'), linear('Logout works', 'Login works'));
    expect(matches.map((m) => m.kind).sort()).toEqual(['moved', 'unchanged']);
    expect(matches.every((m) => m.diff === null)).toBe(true);
  });

  it('reports a criterion both reworded and reordered as modified with moved set', () => {
    const before = linear('Cart shows the total price', 'Checkout accepts cards', 'Receipt is emailed');
    const after = linear('Receipt is emailed to the buyer', 'Cart shows the total price', 'Checkout accepts cards');
    const matches = matchCriteria(before, after);
    expect(summary(matches)).toEqual(['modified:2->0+moved', 'unchanged:0->1', 'unchanged:1->2']);
    expect(matches[0]!.diff?.filter((p) => p.added).map((p) => p.value.trim())).toEqual(['to the buyer']);
  });

  it('pairs identical texts before similar ones, so two swapped look-alike criteria are not reported as reworded', () => {
    const matches = matchCriteria(linear('User can log in', 'User can log in with SSO'), linear('User can log in with SSO', 'User can log in'));
    expect(matches.every((m) => m.kind !== 'modified')).toBe(true);
    expect(matches.filter((m) => m.matchedBy === 'text')).toHaveLength(2);
  });

  it('pairs repeated identical criteria in order', () => {
    expect(summary(matchCriteria(linear('Same', 'Same'), linear('Same', 'Same', 'Same')))).toEqual(['unchanged:0->0', 'unchanged:1->1', 'added:-->2']);
  });

  it('text-matches a Jira criterion that lost its id', () => {
    const matches = matchCriteria(jira(['c1', 'Login works']), linear('Login works'));
    expect(summary(matches)).toEqual(['unchanged:0->0']);
  });

  it('classifies every criterion exactly once across a mixed edit', () => {
    const before = linear('Alpha is shown', 'Beta is shown', 'Gamma is shown', 'Delta is removed soon');
    const after = linear('Gamma is shown', 'Alpha is shown', 'Beta is shown on the dashboard', 'Epsilon is brand new here');
    const matches = matchCriteria(before, after);
    expect(matches.filter((m) => m.beforeIndex !== null).map((m) => m.beforeIndex).sort()).toEqual([0, 1, 2, 3]);
    expect(matches.filter((m) => m.afterIndex !== null).map((m) => m.afterIndex).sort()).toEqual([0, 1, 2, 3]);
    expect(new Set(matches.map((m) => m.kind))).toEqual(new Set(['moved', 'unchanged', 'modified', 'added', 'removed']));
  });

  it('pairs each reworded criterion with its closest rewording', () => {
    const before = linear('Invoices can be downloaded as PDF files', 'Users can reset their password by email');
    const after = linear('Users can reset their password by SMS', 'Invoices can be downloaded as CSV files');
    const matches = matchCriteria(before, after);
    expect(matches.map((m) => [m.kind, m.before?.text.split(' ')[0], m.after?.text.split(' ')[0]])).toEqual([
      ['modified', 'Users', 'Users'],
      ['modified', 'Invoices', 'Invoices'],
    ]);
  });

  it('skips similarity and reports removed plus added when too many criteria changed at once', () => {
    const before = linear('Report lists open invoices', 'Report lists paid invoices');
    const after = linear('Report lists open invoices today', 'Report lists paid invoices today');
    expect(summary(matchCriteria(before, after, { maxSimilarityPairs: 3 }))).toEqual(['added:-->0', 'added:-->1', 'removed:0->-', 'removed:1->-']);
    expect(summary(matchCriteria(before, after))).toEqual(['modified:0->0', 'modified:1->1']);
  });
});
