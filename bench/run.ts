import os from 'node:os';
import type { BenchResult } from './bench-result';
import { bench as benchConsoleExports } from './console-exports';
import { bench as benchGateDigest } from './gate-digest';
import { printResults } from './print-results';
import { bench as benchHistoryPage } from './history-page';
import { bench as benchForgeProjectPage } from './forge-project-page';
import { bench as benchQualityHints } from './quality-hints';
import { bench as benchRevertLatency } from './revert-latency';
import { bench as benchScopeDiff } from './scope-diff';
import { bench as benchWebhookAck } from './webhook-ack';

// `npm run bench`: every figure BENCHMARKS.md records. Benchmarks never gate CI.
const suites: [string, () => Promise<BenchResult[]>][] = [
  ['gate and digest', benchGateDigest],
  ['quality hints', benchQualityHints],
  ['scope diff', benchScopeDiff],
  ['history page', benchHistoryPage],
  ['forge project page', benchForgeProjectPage],
  ['webhook ack', benchWebhookAck],
  ['revert latency', benchRevertLatency],
  ['console exports', benchConsoleExports],
];

async function main(): Promise<void> {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(`Scopekeeper benchmarks — node ${process.version}, ${os.cpus().length} × ${cpu}, ${os.platform()} ${os.arch()}\n\n`);
  for (const [name, load] of suites) {
    const results = await load();
    printResults(results);
    if (results.length === 0) process.stdout.write(`${name}: no figures\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
