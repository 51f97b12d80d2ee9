import { chainHistory } from '../src/core/chain-history';
import type { Actor, HistoryDraft } from '../src/core/schemas';
import type { HistoryQuery } from '../src/core/store';
import type { SqlStore } from '../src/store/sql-store';
import type { BenchResult } from './bench-result';
import { runStandalone } from './print-results';
import { withPgliteStore, withPostgresStore } from './with-bench-store';

const RECORDS = 100_000;
const WARMUP = 5;
const RUNS = 200;
const GOAL = '≤ 50 ms';
const SCOPE = 'bench-scope';
const ACTORS: Actor[] = ['u-ana', 'u-ravi', 'u-li', 'u-sam'].map((id) => ({ id, name: id.slice(2), email: null }));

/**
 * A scope's history as a busy year would leave it: one baseline, then mostly scope changes
 * (every 10th without a reason, half of those documented later), closures and sign-offs,
 * spread over 500 deliverables and four people.
 */
function buildDrafts(): HistoryDraft[] {
  const start = Date.parse('2025-01-01T00:00:00.000Z');
  const base = (i: number) => ({
    id: `rec-${i}`,
    scopeId: SCOPE,
    at: new Date(start + i * 300_000).toISOString(),
    actor: ACTORS[i % ACTORS.length] ?? null,
    deliverableId: `issue-${i % 500}`,
  });
  return Array.from({ length: RECORDS }, (_, i): HistoryDraft => {
    if (i === 0) {
      return { ...base(i), deliverableId: null, kind: 'baseline_created', data: { baselineId: 'bl-1', name: 'SRS v1.0', deliverableCount: 500, criterionCount: 2_000 } };
    }
    if (i % 20 === 5) return { ...base(i), deliverableId: null, kind: 'reason_attached', data: { changeIds: [`change-${i - 5}`], reason: 'Agreed with the client' } };
    if (i % 7 === 3) return { ...base(i), kind: 'closure_allowed', data: { toState: 'Done' } };
    return {
      ...base(i),
      kind: 'scope_changed',
      data: {
        changeId: `change-${i}`,
        kind: 'criterion_modified',
        deliverableKey: `PROJ-${i % 500}`,
        criterionId: `c-${i % 4}`,
        before: 'Given a customer, when they pay, then a receipt is sent',
        after: `Given a customer, when they pay, then a receipt is sent within ${i % 60} seconds`,
        diff: null,
        replaced: false,
        fromIndex: null,
        toIndex: null,
        source: 'jira-panel',
        reason: i % 10 === 0 ? null : 'Client request',
      },
    };
  });
}

async function timeQuery(store: SqlStore, query: HistoryQuery): Promise<number[]> {
  for (let i = 0; i < WARMUP; i += 1) await store.queryHistory(query);
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = process.hrtime.bigint();
    const page = await store.queryHistory(query);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (page.records.length === 0) throw new Error(`benchmark query returned no records: ${JSON.stringify(query)}`);
  }
  return samples.sort((a, b) => a - b);
}

function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * share) - 1)] ?? Number.NaN;
}

async function measureBackend(label: string, store: SqlStore, fillMs: number): Promise<BenchResult[]> {
  const cases: [string, HistoryQuery][] = [
    ['first page', { scopeId: SCOPE, limit: 50 }],
    ['first page, undocumented only', { scopeId: SCOPE, limit: 50, undocumentedOnly: true }],
    ['first page, one deliverable', { scopeId: SCOPE, limit: 50, deliverableId: 'issue-42' }],
  ];
  const results: BenchResult[] = [];
  for (const [name, query] of cases) {
    const sorted = await timeQuery(store, query);
    results.push({
      name: `history ${name}, ${RECORDS.toLocaleString('en')} records (${label})`,
      goal: GOAL,
      value: `${percentile(sorted, 0.5).toFixed(2)} ms (median), ${percentile(sorted, 0.99).toFixed(2)} ms (p99)`,
      detail: `queryHistory limit 50 over ${RUNS} runs after ${WARMUP} warm-up; filled in ${(fillMs / 1000).toFixed(1)} s`,
    });
  }
  return results;
}

async function fill(store: SqlStore): Promise<number> {
  const started = Date.now();
  // Chained in memory and inserted in bulk: a commit per record would take minutes.
  await store.appendChainedHistory(SCOPE, chainHistory(null, buildDrafts()));
  return Date.now() - started;
}

const benchPglite = () => withPgliteStore(async (store) => measureBackend('PGlite', store, await fill(store)));

const benchPostgres = (databaseUrl: string) => withPostgresStore(databaseUrl, async (store) => measureBackend('PostgreSQL', store, await fill(store)));

export async function bench(): Promise<BenchResult[]> {
  const results = await benchPglite();
  const databaseUrl = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (databaseUrl) results.push(...(await benchPostgres(databaseUrl)));
  else results.push({ name: 'history first page (PostgreSQL)', goal: GOAL, value: 'not run', detail: 'set DATABASE_URL or TEST_DATABASE_URL to measure PostgreSQL' });
  return results;
}

if (require.main === module) runStandalone(bench);
