import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../linear-adapter/commands/cli';
import { startLinearStandIn } from '../test/support/linear-stand-in';

// `npx tsx bench/backfill-requests.ts [issues]`: how many Linear requests `scopekeeper baseline`
// and `scopekeeper reconcile --all` make for a team, against the local Linear stand-in and an
// embedded PGlite, and so how long the backfill takes within the default request budget
// (LINEAR_REQUESTS_PER_HOUR 2,000). Pacing is off for the run itself (budget 0).

const ISSUES = Number(process.argv[2] ?? 200);
const BUDGET = 2_000;

async function main(): Promise<void> {
  const linear = await startLinearStandIn(
    {
      viewer: { id: 'user-po', name: 'Priya Owner', email: 'priya@example.com', admin: true },
      teams: [{ id: 'team-eng', key: 'ENG', name: 'Engineering' }],
      states: [{ id: 'st-doing', name: 'In Progress', type: 'started', teamId: 'team-eng' }],
      issues: Array.from({ length: ISSUES }, (_, i) => ({
        id: `iss-${i + 1}`,
        teamId: 'team-eng',
        stateId: 'st-doing',
        title: `Issue ${i + 1}`,
        // Every tenth issue has no criteria yet: it gets the label as well as the status comment.
        description: (i + 1) % 10 === 0 ? 'Context only.' : `## Acceptance criteria\n- [ ] Report ${i + 1} lists every open invoice\n`,
      })),
    },
    { apiKey: 'lin_api_bench', budgets: false },
  );
  const dataDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-bench-backfill-'));
  const env = { LINEAR_API_KEY: 'lin_api_bench', LINEAR_API_URL: linear.url, SCOPEKEEPER_DATA_DIR: dataDir, LINEAR_REQUESTS_PER_HOUR: '0' };
  const quiet = { env, stdout: () => undefined, stderr: (text: string) => process.stderr.write(text) };
  try {
    process.stdout.write(`backfill requests — node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    for (const [name, argv] of [
      ['reconcile --all', ['reconcile', '--all', '--team', 'ENG']],
      ['baseline', ['baseline', '--team', 'ENG', '--name', 'SRS v1.0', '--approved-by', 'priya@example.com']],
    ] as const) {
      linear.reset();
      const started = process.hrtime.bigint();
      const code = await runCli([...argv], quiet);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const requests = linear.operations().length;
      process.stdout.write(
        `${name}: ${ISSUES} issues, exit ${code}, ${requests} requests (${(requests / ISSUES).toFixed(2)} an issue), ${(ms / 1000).toFixed(1)} s unpaced; ` +
          `within ${BUDGET} requests an hour: ${((requests / BUDGET) * 60).toFixed(1)} min\n`,
      );
    }
  } finally {
    await linear.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
