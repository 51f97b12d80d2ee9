import { computeDigest } from '../src/core/compute-digest';
import { evaluateClosure } from '../src/core/evaluate-closure';
import type { ClosurePolicy, DeliverableState } from '../src/core/schemas';
import type { BenchResult } from './bench-result';
import { runStandalone } from './print-results';

const CRITERIA = 50;
const WARMUP = 2_000;
const ITERATIONS = 20_000;
const GOAL = '≤ 1 ms';

/** A realistic worst case for the gate: 50 Given/When/Then criteria, a current sign-off, every policy option on. */
function buildDeliverable(): { state: DeliverableState; policy: ClosurePolicy } {
  const criteria = Array.from({ length: CRITERIA }, (_, i) => ({
    id: `ac-${i}`,
    text: `Given a signed-in customer with ${i} items in the basket, when they press “Pay now”, then the order is placed and a confirmation e-mail is sent within 60 seconds`,
    met: i % 7 !== 0,
  }));
  const signer = { id: 'u-ana', name: 'Ana Silva', email: 'ana@example.com' };
  const state: DeliverableState = {
    platform: 'jira',
    id: '10001',
    key: 'PROJ-12',
    scopeId: 'jira:PROJ',
    title: 'Checkout',
    assigneeId: 'u-dev',
    criteria,
    signOff: { id: 's-1', signer, role: 'Product Owner', at: '2026-11-03T10:00:00Z', note: null, digest: computeDigest(criteria) },
    inScope: true,
    updatedAt: '2026-11-03T10:00:00Z',
  };
  const policy: ClosurePolicy = {
    requireAllMet: true,
    forbidSelfSignOff: true,
    approverUserIds: ['ana@example.com'],
    approverRoles: ['Product Owner'],
    doneStateNames: ['Done'],
    doneStateTypes: ['done', 'completed'],
  };
  return { state, policy };
}

/** Times `fn` call by call, so p99 reflects single-call latency rather than an average. */
function measure(name: string, detail: string, fn: () => unknown): BenchResult {
  let sink: unknown;
  for (let i = 0; i < WARMUP; i += 1) sink = fn();
  const samples = new Float64Array(ITERATIONS);
  for (let i = 0; i < ITERATIONS; i += 1) {
    const start = process.hrtime.bigint();
    sink = fn();
    samples[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  if (sink === undefined) throw new Error('benchmark body returned nothing');
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((t, v) => t + v, 0) / sorted.length;
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN;
  return { name, goal: GOAL, value: `${formatMs(mean)} (mean), ${formatMs(p99)} (p99)`, detail: `${detail}; ${ITERATIONS} calls after ${WARMUP} warm-up` };
}

function formatMs(ms: number): string {
  return ms < 0.1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(3)} ms`;
}

export async function bench(): Promise<BenchResult[]> {
  const { state, policy } = buildDeliverable();
  return [
    measure('closure gate, 50 criteria', 'evaluateClosure with every policy option, digest included', () => evaluateClosure({ state, policy })),
    measure('criteria digest, 50 criteria', 'computeDigest alone', () => computeDigest(state.criteria)),
  ];
}

if (require.main === module) runStandalone(bench);
