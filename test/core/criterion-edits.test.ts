import { evaluateEdits } from '../../bench/eval-edits';
import { loadCriteriaEdits } from '../fixtures/criteria-edits';

// The labelled edit pairs of test/fixtures/criteria-edits/ (npm run eval:edits prints the figures
// BENCHMARKS.md records): matchCriteria must not get worse at telling a reworded criterion from a
// replaced one.

describe('criterion matching on the labelled edit pairs', () => {
  const edits = loadCriteriaEdits();

  it('reads at least 50 labelled edits of every kind', () => {
    expect(edits.length).toBeGreaterThanOrEqual(50);
    expect(new Set(edits.map((e) => e.kind))).toEqual(new Set(['rewording', 'replacement', 'reorder', 'split', 'merge']));
  });

  it('records an everyday rewording as one modification, and takes at most 5 % of replacements for edits', () => {
    const scores = evaluateEdits(edits);
    expect(scores.replacements.mistaken / scores.replacements.total).toBeLessThanOrEqual(0.05);
    expect(scores.rewordings.recognised / scores.rewordings.total).toBeGreaterThanOrEqual(0.925);
    expect(scores.correct / scores.predicted).toBeGreaterThanOrEqual(0.95);
  });

  it('pairs a criterion reworded by two words as a modification, not a removal and an addition', () => {
    const scores = evaluateEdits(edits.filter((e) => e.id === 'rewording-01'));
    expect(scores).toMatchObject({ expected: 1, predicted: 1, correct: 1 });
  });
});
