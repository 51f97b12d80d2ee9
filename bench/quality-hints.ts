import { findQualityHints } from '../src/core/find-quality-hints';
import { loadTagger } from '../src/hints/load-tagger';
import type { BenchResult } from './bench-result';
import { runStandalone } from './print-results';

const CRITERIA = 50;
const WARMUP = 200;
const ITERATIONS = 2_000;
const GOAL = '≤ 5 ms';

/** A realistic deliverable: 50 criteria mixing Given/When/Then, EARS, checklists and weak wording. */
function buildCriteria(): { text: string }[] {
  const shapes = [
    (i: number) => `Given a signed-in customer with ${i} items in the basket\nWhen they press “Pay now”\nThen the order is placed\nAnd a confirmation e-mail is sent within 60 seconds`,
    (i: number) => `When the upload of file ${i} fails, the system shall show "Upload failed" and keep the file in the list`,
    (i: number) => `The report lists orders and returns of the last ${i} days, sorted by date`,
    () => 'The search results are relevant and the page loads fast, etc.',
    () => 'Refactor the billing module',
    (i: number) => `Admins can approve or reject comment ${i}; rejected comments are removed from the post and the author is notified by e-mail`,
    () => 'Error messages are clear and shown where appropriate',
    (i: number) => `Users with role ${i} cannot delete an invoice that is already paid`,
  ];
  return Array.from({ length: CRITERIA }, (_, i) => ({ text: shapes[i % shapes.length]!(i) }));
}

function formatMs(ms: number): string {
  return ms < 0.1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(3)} ms`;
}

export async function bench(): Promise<BenchResult[]> {
  const tagger = loadTagger();
  const criteria = buildCriteria();
  const coldStart = process.hrtime.bigint();
  let sink = findQualityHints(criteria, { tagger }); // first call builds the tagger (model load)
  const cold = Number(process.hrtime.bigint() - coldStart) / 1e6;
  for (let i = 0; i < WARMUP; i += 1) sink = findQualityHints(criteria, { tagger });
  const samples = new Float64Array(ITERATIONS);
  for (let i = 0; i < ITERATIONS; i += 1) {
    const start = process.hrtime.bigint();
    sink = findQualityHints(criteria, { tagger });
    samples[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  if (sink.length === 0) throw new Error('benchmark criteria gave no hints');
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN;
  return [
    {
      name: 'quality hints, 50 criteria',
      goal: GOAL,
      value: `${formatMs(median)} (median), ${formatMs(p99)} (p99)`,
      detail: `findQualityHints with wink-nlp tagging, ${sink.length} hints; ${ITERATIONS} calls after ${WARMUP} warm-up; first call ${formatMs(cold)} (builds the tagger)`,
    },
  ];
}

if (require.main === module) runStandalone(bench);
