import { applyDraftAction, toDraft } from '../../src/frontend/apply-draft-action';
import { describeHistoryKind, historyKindLabels } from '../../src/frontend/describe-history-kind';
import { describeSignals, formatPercent } from '../../src/frontend/describe-signals';
import { formatCriterionDiff } from '../../src/frontend/format-criterion-diff';
import { isScopeEdit } from '../../src/frontend/is-scope-edit';
import { matchHints } from '../../src/frontend/match-hints';
import { parseFieldErrors } from '../../src/frontend/parse-field-errors';
import { previewHints } from '../../src/frontend/preview-hints';
import { splitList } from '../../src/frontend/split-list';

const NO_VOCABULARY = { vagueWords: [], silencedWords: [], disabledRules: [] };

describe('what the panel and pages show, in pieces', () => {
  it('shows a drift below 1% as a fraction rather than as 0%', () => {
    expect(formatPercent(0.004)).toBe('0.4%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.125)).toBe('13%');
  });

  it('marks drift of a quarter of the baseline or more as danger and lists at most 10 keys', () => {
    const keys = Array.from({ length: 12 }, (_, i) => `PROJ-${i + 1}`);
    const lines = describeSignals({
      driftShare: 0.25,
      undocumentedChanges: 1,
      withoutCriteria: keys,
      staleSignOffs: ['PROJ-3'],
      bypasses: 0,
      signOffCoverage: { covered: 3, total: 3, share: 1 },
    });
    const byLabel = Object.fromEntries(lines.map((l) => [l.label, l]));
    expect(byLabel['Scope drift']?.tone).toBe('danger');
    expect(byLabel['Undocumented scope changes']?.value).toBe('1 scope change was made without a reason.');
    expect(byLabel['Deliverables without criteria']?.value).toContain('PROJ-10 and 2 more.');
    expect(byLabel['Stale sign-offs']?.value).toContain('after it was given: PROJ-3.');
    expect(byLabel['Sign-off coverage']).toEqual({ label: 'Sign-off coverage', value: '3 of 3 deliverables have a valid sign-off (100%).', tone: 'ok' });
  });

  it('puts the diff marker on every line of a multi-line criterion', () => {
    expect(formatCriterionDiff({ kind: 'removed', before: 'Given a cart\nThen it shows a total', after: null, diff: null }).code).toBe(
      '- Given a cart\n- Then it shows a total',
    );
  });

  it('counts rewording, reordering and removal as scope edits, but not whitespace or ticking met', () => {
    const saved = [{ text: 'A shows B' }, { text: 'C shows D' }];
    expect(isScopeEdit(saved, [{ text: 'A  shows B ' }, { text: 'C shows D' }])).toBe(false);
    expect(isScopeEdit(saved, [{ text: 'C shows D' }, { text: 'A shows B' }])).toBe(true);
    expect(isScopeEdit(saved, [{ text: 'A shows B' }])).toBe(true);
    expect(isScopeEdit(saved, [{ text: 'A shows E' }, { text: 'C shows D' }])).toBe(true);
  });

  it('keeps the saved hints of a criterion that moved, and finds fresh hints for an edited one with the project vocabulary', () => {
    const saved = [
      { id: 'a', text: 'It is fast' },
      { id: 'b', text: 'It is easy' },
    ];
    const hints = [
      { criterionIndex: 0, code: 'VAGUE_WORD' as const, message: 'fast' },
      { criterionIndex: 1, code: 'VAGUE_WORD' as const, message: 'easy' },
    ];
    const [moved, edited] = matchHints(saved, hints, [{ id: 'b', text: 'It is easy' }, { id: 'a', text: 'It is snappy' }], NO_VOCABULARY);
    expect(moved).toEqual(['easy']);
    expect(edited).toEqual([]);
    const withTeamWord = matchHints(saved, hints, [{ id: 'a', text: 'It is snappy' }], { ...NO_VOCABULARY, vagueWords: ['snappy'] });
    expect(withTeamWord).toEqual([[expect.stringContaining('“snappy” is on your team’s list of vague words')]]);
  });

  it('finds no hints for an untouched saved list, so the backend hints are all it shows', () => {
    const saved = [{ id: 'a', text: 'It is fast' }];
    expect(matchHints(saved, [], saved, NO_VOCABULARY)).toEqual([[]]);
  });

  it('previews the hints of a criterion as it is typed, including that it repeats one already there', () => {
    const criteria = [{ text: 'The export lists every order' }];
    expect(previewHints(criteria, 1, '', NO_VOCABULARY)).toEqual([]);
    expect(previewHints(criteria, 1, 'The export is fast', NO_VOCABULARY)).toEqual([expect.stringContaining('“fast” cannot be tested')]);
    expect(previewHints(criteria, 1, 'The export is fast', { ...NO_VOCABULARY, silencedWords: ['fast'] })).toEqual([]);
    expect(previewHints(criteria, 1, 'The export lists every order', NO_VOCABULARY)).toEqual([expect.stringContaining('repeats criterion 1')]);
    // Editing the only criterion checks the new text in its place, not next to its old text.
    expect(previewHints(criteria, 0, 'The export lists every order', NO_VOCABULARY)).toEqual([]);
  });

  it('groups the vocabulary errors of a settings save by the list they are about', () => {
    expect(
      parseFieldErrors(['settings.vocabulary.vagueWords.0: The extra vague word “!!!” must contain a letter or digit.', 'settings.bypassPolicy: bad'], 'settings.', ['vocabulary']),
    ).toEqual({ 'vocabulary.vagueWords': ['The extra vague word “!!!” must contain a letter or digit.'], bypassPolicy: ['bad'] });
  });

  it('leaves the list unchanged when the first criterion is moved up', () => {
    const draft = toDraft([
      { id: 'a', text: 'A', met: false },
      { id: 'b', text: 'B', met: false },
    ]);
    expect(applyDraftAction(draft, { type: 'move', index: 0, by: -1 }).map((c) => c.id)).toEqual(['a', 'b']);
  });

  it('names a settings change in plain words, in the timeline and in the history filter', () => {
    expect(describeHistoryKind('settings_changed')).toBe('Settings changed');
    expect(Object.values(historyKindLabels)).toContain('Settings changed');
  });

  it('reads comma- and line-separated names once each, without blanks', () => {
    expect(splitList(' Done, Accepted,\nDone,, ')).toEqual(['Done', 'Accepted']);
  });

  it('groups resolver errors by field without the payload prefix', () => {
    expect(parseFieldErrors(['settings.approverRoles.1: too long', 'settings: missing', 'plain message'], 'settings.')).toEqual({
      approverRoles: ['too long'],
      settings: ['missing'],
      '': ['plain message'],
    });
  });
});
