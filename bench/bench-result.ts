/** One printed figure of `npm run bench`. */
export interface BenchResult {
  name: string;
  goal: string;
  /** Human-readable measured value, e.g. "0.12 ms (p50), 0.30 ms (p99)". */
  value: string;
  detail?: string;
}
