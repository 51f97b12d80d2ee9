import { computeDigest } from '../../src/core/compute-digest';
import { normaliseText } from '../../src/core/normalise-text';
import type { Criterion } from '../../src/core/schemas';

const criteria: Criterion[] = [
  { id: 'c1', text: 'The user sees an error message when the password is wrong', met: false },
  { id: 'c2', text: 'The export contains one row per order', met: true },
  { id: 'c3', text: 'Orders over 100 EUR get free shipping', met: false },
];

describe('computeDigest', () => {
  it('is a SHA-256 hex digest and the same for the same criteria', () => {
    expect(computeDigest(criteria)).toMatch(/^[0-9a-f]{64}$/);
    expect(computeDigest(criteria.map((c) => ({ ...c })))).toBe(computeDigest(criteria));
  });

  describe('normalised whitespace does not change the digest', () => {
    it.each([
      ['trailing spaces', (t: string) => `${t}   `],
      ['leading spaces', (t: string) => `  ${t}`],
      ['doubled spaces', (t: string) => t.replace(/ /g, '  ')],
      ['a line break instead of a space', (t: string) => t.replace(' ', '\n')],
      ['a CRLF line break and a tab', (t: string) => t.replace(' ', '\r\n\t')],
    ])('when a criterion gets %s', (_what, change) => {
      const changed = criteria.map((c, i) => (i === 1 ? { ...c, text: change(c.text) } : c));
      expect(computeDigest(changed)).toBe(computeDigest(criteria));
    });
  });

  describe('any change to criteria text, order or count makes a different digest', () => {
    it('when a criterion is reworded', () => {
      const changed = criteria.map((c, i) => (i === 2 ? { ...c, text: 'Orders over 150 EUR get free shipping' } : c));
      expect(computeDigest(changed)).not.toBe(computeDigest(criteria));
    });

    it('when only the case of a word changes', () => {
      const changed = criteria.map((c, i) => (i === 0 ? { ...c, text: c.text.replace('error', 'Error') } : c));
      expect(computeDigest(changed)).not.toBe(computeDigest(criteria));
    });

    it('when only punctuation changes', () => {
      const changed = criteria.map((c, i) => (i === 0 ? { ...c, text: `${c.text}.` } : c));
      expect(computeDigest(changed)).not.toBe(computeDigest(criteria));
    });

    it('when two criteria swap places', () => {
      const swapped = [criteria[1], criteria[0], criteria[2]] as Criterion[];
      expect(computeDigest(swapped)).not.toBe(computeDigest(criteria));
    });

    it('when a criterion is added', () => {
      expect(computeDigest([...criteria, { id: 'c4', text: 'Refunds are emailed', met: false }])).not.toBe(computeDigest(criteria));
    });

    it('when a criterion is removed', () => {
      expect(computeDigest(criteria.slice(0, 2))).not.toBe(computeDigest(criteria));
    });

    it('when a criterion is duplicated', () => {
      expect(computeDigest([...criteria, criteria[2] as Criterion])).not.toBe(computeDigest(criteria));
    });

    it('when text moves from one criterion to the next', () => {
      const a = [{ text: 'one two' }, { text: 'three' }];
      const b = [{ text: 'one' }, { text: 'two three' }];
      expect(computeDigest(a)).not.toBe(computeDigest(b));
    });

    it('when all criteria are removed', () => {
      expect(computeDigest([])).not.toBe(computeDigest(criteria));
      expect(computeDigest([])).not.toBe(computeDigest([{ text: '' }]));
    });
  });

  describe('the digest pins what was agreed, not progress or storage', () => {
    it('does not change when a criterion is marked met', () => {
      expect(computeDigest(criteria.map((c) => ({ ...c, met: !c.met })))).toBe(computeDigest(criteria));
    });

    it('does not change when criteria get other ids or none', () => {
      expect(computeDigest(criteria.map((c) => ({ ...c, id: null })))).toBe(computeDigest(criteria));
      expect(computeDigest(criteria.map((c, i) => ({ ...c, id: `other-${i}` })))).toBe(computeDigest(criteria));
    });
  });
});

describe('normaliseText', () => {
  it('collapses runs of whitespace of any kind into one space and trims', () => {
    expect(normaliseText('  The user\t\tsees\r\n  an  error \u00a0 ')).toBe('The user sees an error');
  });
});
