import { diffScope } from '../src/core/diff-scope';
import type { Criterion, DeliverableSnapshot } from '../src/core/schemas';
import type { BenchResult } from './bench-result';
import { runStandalone } from './print-results';

const DELIVERABLES = 5_000;
const CRITERIA = 10;
const CHANGED_SHARE = 0.05;
const WARMUP = 2;
const RUNS = 10;
const GOAL = '≤ 1 s';

/** mulberry32: deterministic, so every run and every machine diffs the same scope. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const actors = ['a signed-in customer', 'an administrator', 'a guest visitor', 'a support agent', 'a finance manager', 'a returning buyer'];
const situations = ['has items in the basket', 'opens the billing page', 'has an expired card on file', 'is on a slow mobile connection', 'belongs to two workspaces', 'has not verified their e-mail'];
const actions = ['presses “Pay now”', 'exports the monthly report', 'changes the delivery address', 'uploads a 20 MB attachment', 'requests a refund', 'switches the language to German'];
const outcomes = ['the order is placed and a confirmation e-mail is sent', 'a CSV file with one row per invoice is downloaded', 'the new address is used for open orders only', 'a progress bar shows and the upload can be cancelled', 'the refund appears as pending within one minute', 'every label and date format follows the chosen locale'];
const limits = ['within 60 seconds', 'without a page reload', 'and an audit entry is written', 'on every supported browser', 'and screen readers announce it', 'unless the account is suspended'];

function sentence(rand: () => number): string {
  const pick = (words: string[]): string => words[Math.floor(rand() * words.length)]!;
  return `Given ${pick(actors)} who ${pick(situations)}, when they ${pick(actions)}, then ${pick(outcomes)} ${pick(limits)}`;
}

/** Half Jira-style (stable criterion ids), half Linear-style (ids null, matched by text). */
function buildScope(rand: () => number): DeliverableSnapshot[] {
  return Array.from({ length: DELIVERABLES }, (_, d) => {
    const jira = d % 2 === 0;
    const criteria: Criterion[] = Array.from({ length: CRITERIA }, (_, c) => ({
      id: jira ? `ac-${d}-${c}` : null,
      // The numeric tag keeps criteria of one deliverable distinct, as real ones are.
      text: `${sentence(rand)} (case ${c + 1})`,
      met: rand() < 0.3,
    }));
    return { id: `iss-${d}`, key: `${jira ? 'PROJ' : 'ENG'}-${d + 1}`, title: `Deliverable ${d + 1}`, criteria };
  });
}

/** Changes 5 % of deliverables: reworded, added, removed and reordered criteria, plus a few added and removed deliverables. */
function changeScope(previous: DeliverableSnapshot[], rand: () => number): DeliverableSnapshot[] {
  const next = structuredClone(previous);
  const changed = Math.round(DELIVERABLES * CHANGED_SHARE);
  const step = Math.floor(DELIVERABLES / changed);
  for (let k = 0; k < changed; k += 1) {
    const d = next[k * step]!;
    const c = d.criteria;
    switch (k % 5) {
      case 0: c[3] = { ...c[3]!, text: c[3]!.text.replace('then', 'then, after confirmation,') }; break;
      case 1: c.splice(5, 0, { id: d.id.length % 2 ? null : `ac-new-${k}`, text: sentence(rand), met: false }); break;
      case 2: c.splice(7, 1); break;
      case 3: c.unshift(c.pop()!); break;
      case 4: c[1] = { ...c[1]!, text: `${c[1]!.text} and the team lead is notified` }; [c[2], c[8]] = [c[8]!, c[2]!]; break;
    }
  }
  next.splice(1, 3); // removed deliverables
  for (let i = 0; i < 5; i += 1) {
    next.push({ id: `iss-new-${i}`, key: `ENG-${DELIVERABLES + i + 1}`, title: 'Added after baseline', criteria: [{ id: null, text: sentence(rand), met: false }] });
  }
  return next;
}

export async function bench(): Promise<BenchResult[]> {
  const rand = seededRandom(20250301);
  const previous = buildScope(rand);
  const next = changeScope(previous, rand);
  let changes = 0;
  for (let i = 0; i < WARMUP; i += 1) changes = diffScope(previous, next).length;
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = process.hrtime.bigint();
    changes = diffScope(previous, next).length;
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const median = (samples[(RUNS - 1) >> 1]! + samples[RUNS >> 1]!) / 2;
  const max = samples[RUNS - 1]!;
  return [{
    name: `scope diff: ${DELIVERABLES.toLocaleString('en')} deliverables × ${CRITERIA} criteria, ${CHANGED_SHARE * 100} % changed`,
    goal: GOAL,
    value: `${median.toFixed(1)} ms (median), ${max.toFixed(1)} ms (max) over ${RUNS} runs`,
    detail: `${changes} scope changes found per run (criteria modified, added, removed, moved; deliverables added and removed); ${WARMUP} warm-up runs`,
  }];
}

if (require.main === module) runStandalone(bench);
