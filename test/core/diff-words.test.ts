import { diffWords } from '../../src/core/diff-words';

const render = (parts: { value: string; added: boolean; removed: boolean }[] | null): string =>
  (parts ?? []).map((p) => (p.added ? `{+${p.value}+}` : p.removed ? `[-${p.value}-]` : p.value)).join('');

describe('diffWords', () => {
  it('shows the reworded words of a criterion as removed and added', () => {
    const result = diffWords('The user can export the report as CSV', 'The admin can export the report as PDF');
    expect(result.replaced).toBe(false);
    expect(render(result.parts)).toBe('The [-user-]{+admin+} can export the report as [-CSV-]{+PDF+}');
  });

  it('keeps exactly value, added and removed on each part so stored records hash the same after a round trip', () => {
    const result = diffWords('a b c', 'a x c');
    for (const part of result.parts ?? []) expect(Object.keys(part).sort()).toEqual(['added', 'removed', 'value']);
  });

  it('returns one unchanged part when the texts are identical', () => {
    expect(diffWords('Given a cart', 'Given a cart')).toEqual({ parts: [{ value: 'Given a cart', added: false, removed: false }], replaced: false });
  });

  it('reports an added text as a single insertion when there was nothing before', () => {
    expect(diffWords('', 'New criterion')).toEqual({ parts: [{ value: 'New criterion', added: true, removed: false }], replaced: false });
  });

  it('degrades to replaced without a diff when the input is huge', () => {
    const huge = 'lorem ipsum dolor '.repeat(5_000);
    const result = diffWords(huge, `${huge} sit amet`);
    expect(result).toEqual({ parts: null, replaced: true });
  });

  it('degrades to replaced when two texts differ in more words than the edit budget', () => {
    const words = (prefix: string) => Array.from({ length: 150 }, (_, i) => `${prefix}${i}`).join(' ');
    const result = diffWords(words('alpha'), words('omega'));
    expect(result).toEqual({ parts: null, replaced: true });
  });

  it('honours a smaller maxEditLength given by the caller', () => {
    expect(diffWords('one two three four', 'five six seven eight', { maxEditLength: 2 })).toEqual({ parts: null, replaced: true });
    expect(diffWords('one two three four', 'five six seven eight').replaced).toBe(false);
  });

  it('still diffs a long criterion with a small edit inside the budgets', () => {
    const long = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const result = diffWords(long, long.replace('word200', 'changed200'));
    expect(result.replaced).toBe(false);
    expect(result.parts?.filter((p) => p.added).map((p) => p.value)).toEqual(['changed200']);
  });
});
