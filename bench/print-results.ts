import type { BenchResult } from './bench-result';

/** Prints figures the way BENCHMARKS.md quotes them. */
export function printResults(results: readonly BenchResult[]): void {
  for (const r of results) {
    process.stdout.write(`${r.name}\n  measured: ${r.value}\n  goal:     ${r.goal}\n${r.detail ? `  ${r.detail}\n` : ''}\n`);
  }
}

/** Runs one bench file on its own (`npx tsx bench/<name>.ts`). */
export function runStandalone(bench: () => Promise<BenchResult[]>): void {
  bench()
    .then(printResults)
    .catch((error: unknown) => {
      process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
}
