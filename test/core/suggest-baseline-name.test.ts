import { suggestBaselineName } from '../../src/core/suggest-baseline-name';

describe('suggestBaselineName', () => {
  it('counts up the last number of the name when the name is taken', () => {
    expect(suggestBaselineName('SRS v1.1', ['SRS v1.1'])).toBe('SRS v1.2');
    expect(suggestBaselineName('SRS v1.0', [])).toBe('SRS v1.1');
    expect(suggestBaselineName('SRS v1.9', [])).toBe('SRS v1.10');
  });

  it('keeps the number’s width and the text after it', () => {
    expect(suggestBaselineName('Release 09 (draft)', [])).toBe('Release 10 (draft)');
    expect(suggestBaselineName('Sprint 007', [])).toBe('Sprint 008');
  });

  it('skips every name already taken, in any case and spacing', () => {
    expect(suggestBaselineName('SRS v1.1', ['SRS v1.1', 'srs  V1.2', 'SRS v1.3'])).toBe('SRS v1.4');
  });

  it('adds a number to a name without one', () => {
    expect(suggestBaselineName('Agreed scope', ['Agreed scope'])).toBe('Agreed scope 2');
    expect(suggestBaselineName('Agreed scope', ['Agreed scope', 'Agreed scope 2'])).toBe('Agreed scope 3');
  });

  it('handles numbers too long for a float', () => {
    expect(suggestBaselineName('Build 99999999999999999999', [])).toBe('Build 100000000000000000000');
  });
});
