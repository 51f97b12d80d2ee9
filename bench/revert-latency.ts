import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { Client } from 'pg';
import { createLogger } from '../linear-adapter/service/create-logger';
import { linearScopeId } from '../linear-adapter/decide/linear-scope-id';
import { loadConfig } from '../linear-adapter/config/load-config';
import { startService, type RunningService } from '../linear-adapter/service/start-service';
import { startWorkers } from '../linear-adapter/queue/start-workers';
import { signBody } from '../linear-adapter/ingress/verify-signature';
import { openStore, type OpenStoreOptions } from '../src/store/open-store';
import type { BenchResult } from './bench-result';
import { API_KEY, buildIssueWebhook, forkClosureLoad, TEAM, type ClosureReport } from './load-closures';
import { percentile } from './load-webhooks';
import { runStandalone } from './print-results';

// From a refused closure's receipt (the POST's send time) to the revert (issueUpdate back to
// the previous state) reaching the local Linear stand-in, with the whole service as `npm start`
// runs it: ingress, inbox worker, outbox sender, real @linear/sdk. The service runs in this
// process; the stand-in and the webhook sender run in a forked child (see load-closures.ts).

const SECRET = 'bench-webhook-secret';
const RATE = 100;
const DURATION_S = 10;
// One closure per issue, so every issue gets exactly one.
const ISSUES = RATE * DURATION_S;
const CREATE_CONCURRENCY = 8;
const REVERT_TIMEOUT_MS = 60_000;
const SETTLE_TIMEOUT_MS = 90_000;
const GOAL = 'p99 ≤ 1 s at 100 deliveries/s';

async function startEnforcingService(linearUrl: string, store: OpenStoreOptions, dataDir: string): Promise<RunningService> {
  const config = loadConfig({
    PORT: '0',
    SCOPEKEEPER_DATA_DIR: dataDir,
    LINEAR_WEBHOOK_SECRET: SECRET,
    LINEAR_API_KEY: API_KEY,
    LINEAR_API_URL: linearUrl,
    SCOPEKEEPER_MODE: 'enforce',
    LOG_LEVEL: 'silent',
  });
  if (!config.ok) throw new Error(config.errors.join('; '));
  return startService(config.value, { onStart: startWorkers, logger: createLogger({ level: 'silent' }), openStore: () => openStore(store) });
}

/** Sends an Issue create for every issue, so the timed closures hit issues the service knows. */
async function createIssues(service: RunningService): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      for (let i = next++; i < ISSUES; i = next++) {
        const raw = JSON.stringify(buildIssueWebhook(i, 'create'));
        const res = await fetch(`${service.url}/webhooks/linear`, {
          method: 'POST',
          body: raw,
          headers: { 'content-type': 'application/json', 'linear-delivery': `bench-create-${i}`, 'linear-event': 'Issue', 'linear-signature': signBody(raw, SECRET) },
        });
        if (res.status !== 200) throw new Error(`creating issue ${i} was answered ${res.status}: ${await res.text()}`);
      }
    }),
  );
  // Before the timed phase: every create processed and anything it sent to Linear gone out.
  const { store, queue } = service.context;
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const known = (await store.listDeliverables(linearScopeId(TEAM.id))).length;
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from linear_outbox where status = 'pending'`.execute(store.database);
    if (known === ISSUES && (await queue.inboxBacklog()) === 0 && rows[0]?.n === 0) return;
    if (Date.now() > deadline) throw new Error(`issues not settled after ${SETTLE_TIMEOUT_MS} ms: ${known} of ${ISSUES} stored`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function measure(label: string, store: OpenStoreOptions): Promise<BenchResult> {
  // Other work on the machine moves these figures a lot; the load average says how quiet it was.
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const linear = await forkClosureLoad(ISSUES);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-bench-revert-'));
  try {
    const service = await startEnforcingService(linear.linearUrl, store, dataDir);
    try {
      const createStarted = Date.now();
      await createIssues(service);
      const createSeconds = (Date.now() - createStarted) / 1000;
      const cpuBefore = process.cpuUsage();
      const runStarted = performance.now();
      const report = await linear.run({ serviceUrl: service.url, secret: SECRET, issues: ISSUES, ratePerSecond: RATE, timeoutMs: REVERT_TIMEOUT_MS });
      const cpu = process.cpuUsage(cpuBefore);
      const serviceCpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - runStarted);
      return describeReport(label, report, { createSeconds, serviceCpuShare, loadBefore });
    } finally {
      await service.stop();
    }
  } finally {
    await linear.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function describeReport(label: string, report: ClosureReport, run: { createSeconds: number; serviceCpuShare: number; loadBefore: number }): BenchResult {
  const sorted = report.latenciesMs;
  const ms = (share: number) => `${percentile(sorted, share).toFixed(0)} ms`;
  const missing = report.sent - report.reverts;
  return {
    name: `refused closure to revert at ${RATE} deliveries/s (inbox on ${label})`,
    goal: GOAL,
    value: `${ms(0.5)} (p50), ${ms(0.99)} (p99), ${(sorted[sorted.length - 1] ?? Number.NaN).toFixed(0)} ms (max); ${report.reverts} of ${report.sent} reverts arrived`,
    detail:
      `${report.sent} closures without sign-off, one per issue, sent over ${report.sendSeconds.toFixed(1)} s on a fixed schedule` +
      `${report.notAcked > 0 ? ` (${report.notAcked} NOT answered 200)` : ''}; ` +
      `${missing > 0 ? `${missing} reverts missing after ${REVERT_TIMEOUT_MS / 1000} s; ` : ''}` +
      `${report.extraReverts > 0 ? `${report.extraReverts} duplicate reverts; ` : ''}` +
      `whole service (ingress, inbox worker, outbox sender, @linear/sdk) in one process, enforce mode; ` +
      `Linear stand-in and sender in a child process; ${ISSUES} issues created first in ${run.createSeconds.toFixed(1)} s (untimed); ` +
      `CPU while timed: service ${Math.round(run.serviceCpuShare * 100)} %, stand-in ${Math.round(report.standInCpuShare * 100)} % of one core; ` +
      `1-min load average ${run.loadBefore.toFixed(2)} before the run`,
  };
}

async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
}

export async function bench(): Promise<BenchResult[]> {
  const pgliteDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-bench-pglite-'));
  const results: BenchResult[] = [];
  try {
    results.push(await measure('PGlite', { dataDir: pgliteDir }));
  } finally {
    await rm(pgliteDir, { recursive: true, force: true });
  }
  const databaseUrl = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (databaseUrl) {
    const schema = `sk_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    try {
      results.push(await measure('PostgreSQL', { databaseUrl, schema }));
    } finally {
      await dropSchema(databaseUrl, schema);
    }
  } else {
    results.push({ name: `refused closure to revert (PostgreSQL)`, goal: GOAL, value: 'not run', detail: 'set DATABASE_URL or TEST_DATABASE_URL to measure PostgreSQL' });
  }
  return results;
}

if (require.main === module) runStandalone(bench);
