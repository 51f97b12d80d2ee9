import { computeBackoffMs } from '../../src/core/compute-backoff-ms';

describe('computeBackoffMs', () => {
  const at = (attempt: number, random: number, jitter?: 'equal' | 'full') => computeBackoffMs({ attempt, random, baseMs: 1000, maxMs: 300_000, ...(jitter ? { jitter } : {}) });

  it('doubles the longest wait per failed attempt, starting at the base', () => {
    expect([1, 2, 3, 4].map((attempt) => at(attempt, 1))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('never retries at once with equal jitter: at least half the ceiling', () => {
    expect([1, 2, 3].map((attempt) => at(attempt, 0))).toEqual([500, 1000, 2000]);
  });

  it('spreads full jitter from zero to the ceiling', () => {
    expect(at(3, 0, 'full')).toBe(0);
    expect(at(3, 0.5, 'full')).toBe(2000);
  });

  it('stays at the cap however many attempts failed, even thousands', () => {
    expect(at(20, 1)).toBe(300_000);
    expect(at(5000, 1)).toBe(300_000);
    expect(at(5000, 0)).toBe(150_000);
  });

  it('treats a nonsense attempt or draw as the first attempt and the longest wait', () => {
    expect(at(0, 1)).toBe(1000);
    expect(at(Number.NaN, Number.NaN)).toBe(1000);
  });
});
