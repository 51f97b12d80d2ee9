import { chainHistory } from '../src/core/chain-history';
import type { Baseline, HistoryDraft, HistoryRecord } from '../src/core/schemas';
import { buildEvidenceBundle } from '../src/reports/build-evidence-bundle';
import { streamHistoryExport } from '../src/reports/stream-history-export';
import { verifyEvidenceBundle } from '../src/reports/verify-evidence-bundle';
import { openStore } from '../src/store/open-store';
import type { BenchResult } from './bench-result';
import { runStandalone } from './print-results';

// The console's exports on a team with 100,000 history records (embedded PGlite, in memory):
// the CSV export through the store, one page at a time, with its peak RSS growth; and
// `scopekeeper verify` of a 100,000-record evidence bundle.

const RECORDS = 100_000;
const SCOPE = 'linear:bench-team';
const ANA = { id: 'u-ana', name: 'Ana Silva', email: null };

function buildDrafts(): HistoryDraft[] {
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  return Array.from({ length: RECORDS }, (_, i): HistoryDraft => {
    const base = { id: `rec-${i}`, scopeId: SCOPE, at: new Date(start + i * 60_000).toISOString(), actor: ANA, deliverableId: `issue-${i % 5000}` };
    if (i === 0) return { ...base, deliverableId: null, kind: 'baseline_created', data: { baselineId: 'bl-1', name: 'SRS v1.0', deliverableCount: 0, criterionCount: 0 } };
    return {
      ...base,
      kind: 'scope_changed',
      data: {
        changeId: `rec-${i}`, kind: 'criterion_modified', deliverableKey: `BEN-${i % 5000}`, criterionId: null,
        before: `Given an invoice, when it is paid, then a receipt shows within ${i % 9} seconds`,
        after: `Given an invoice, when it is paid, then a receipt shows within ${(i % 9) + 1} seconds`,
        diff: null, replaced: false, fromIndex: 0, toIndex: 0, source: 'linear-webhook', reason: i % 10 === 0 ? null : 'Agreed with the client',
      },
    };
  });
}

export async function bench(): Promise<BenchResult[]> {
  const store = await openStore({ dataDir: 'memory://' });
  try {
    const records: HistoryRecord[] = chainHistory(null, buildDrafts());
    for (let i = 0; i < records.length; i += 5000) await store.appendChainedHistory(SCOPE, records.slice(i, i + 5000));

    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    let bytes = 0;
    const t0 = performance.now();
    for await (const chunk of streamHistoryExport({ pages: store.readHistoryPagesSince(SCOPE, 0), findUndocumented: (r) => store.findUndocumented(SCOPE, r), keys: new Map() }, 'csv')) {
      bytes += chunk.length;
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    const csvMs = performance.now() - t0;
    clearInterval(sampler);

    const baseline: Baseline = { id: 'bl-1', scopeId: SCOPE, name: 'SRS v1.0', major: 1, createdAt: records[0]!.at, approvedBy: ANA, deliverables: [] };
    let text = '';
    for await (const chunk of buildEvidenceBundle({ scope: { id: SCOPE, key: 'BEN', name: 'BEN' }, baseline, pages: store.readHistoryPagesSince(SCOPE, 0), keys: new Map(), generatedAt: new Date().toISOString() })) text += chunk;
    const bundle = Buffer.from(text, 'utf8');
    const t1 = performance.now();
    const verdict = verifyEvidenceBundle(bundle);
    const verifyMs = performance.now() - t1;
    if (!verdict.ok) throw new Error(`bench bundle did not verify: ${verdict.message}`);
    return [
      { name: `CSV export of ${RECORDS.toLocaleString('en')} records (PGlite)`, goal: '≤ 3 s', value: `${(csvMs / 1000).toFixed(2)} s`, detail: `${(bytes / 1e6).toFixed(1)} MB` },
      { name: 'CSV export peak RSS growth', goal: '≤ 50 MB', value: `${((peak - rssBefore) / 1e6).toFixed(1)} MB` },
      { name: `verify of a ${RECORDS.toLocaleString('en')}-record bundle`, goal: '≤ 2 s', value: `${(verifyMs / 1000).toFixed(2)} s`, detail: `${(bundle.length / 1e6).toFixed(1)} MB bundle` },
    ];
  } finally {
    await store.close();
  }
}

if (require.main === module) runStandalone(bench);
