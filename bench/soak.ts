import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../linear-adapter/config/load-config';
import { signBody } from '../linear-adapter/ingress/verify-signature';
import { startWorkers } from '../linear-adapter/queue/start-workers';
import { createLogger } from '../linear-adapter/service/create-logger';
import { startService, type RunningService } from '../linear-adapter/service/start-service';
import { openStore } from '../src/store/open-store';
import { startLinearStandIn, type LinearStandIn, type OutageKind } from '../test/support/linear-stand-in';
import type { BenchResult } from './bench-result';
import { API_KEY, buildIssueWebhook, closureSeed, issueIdOf, STATES } from './load-closures';
import { postWebhook } from './post-webhook';
import { runStandalone } from './print-results';

// `npm run soak`: the Linear service through outages and crashes, on loopback only, bounded in
// time and requests (docs/adr/0008-keyed-worker-retry-health.md, BENCHMARKS.md "Reliability").
//   - Linear answering 500, rate limiting with Retry-After, down, and down at start, for
//     SOAK_OUTAGE_SECONDS (default 150; rate limiting 60): refused closures arrive meanwhile;
//     counted: reverts lost, mutations sent twice, drain time after recovery, /healthz samples.
//   - kill -9 of `npm start` (tsx main.ts, a child process) during a burst of SOAK_BURST (1,000)
//     closures, on PGlite and on PostgreSQL (TEST_DATABASE_URL, if set), SOAK_RUNS times (3):
//     acknowledged closures whose revert never came, mutations sent twice, restart to last revert.
// Every request goes to 127.0.0.1. The stand-in's hourly budgets are off (the loads exceed them).

const SECRET = 'soak-webhook-secret';
const OUTAGE_S = Number(process.env.SOAK_OUTAGE_SECONDS ?? 150);
const RATELIMIT_S = Number(process.env.SOAK_RATELIMIT_SECONDS ?? 60);
const OUTAGE_CLOSURES = 50;
const BURST = Number(process.env.SOAK_BURST ?? 1000);
const RUNS = Number(process.env.SOAK_RUNS ?? 3);
const DRAIN_TIMEOUT_MS = 10 * 60_000;
const root = path.resolve(__dirname, '..');

const progress = (text: string) => process.stderr.write(`soak ${new Date().toISOString().slice(11, 19)} ${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.timeOrigin + performance.now();

async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = DRAIN_TIMEOUT_MS, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`soak: timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Successful mutations beyond the first, per issue (reverts) and per comment id. */
function duplicates(linear: LinearStandIn): { reverts: number; comments: number; revertsByIssue: Map<string, number> } {
  const revertsByIssue = new Map<string, number>();
  const comments = new Map<string, number>();
  for (const op of linear.operations()) {
    if (op.errors.length > 0) continue;
    if (op.operationName === 'updateIssue') revertsByIssue.set(String(op.variables.id), (revertsByIssue.get(String(op.variables.id)) ?? 0) + 1);
    if (op.operationName === 'createComment') {
      const id = String((op.variables.input as { id?: string }).id);
      comments.set(id, (comments.get(id) ?? 0) + 1);
    }
  }
  const extra = (counts: Map<string, number>) => [...counts.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  return { reverts: extra(revertsByIssue), comments: extra(comments), revertsByIssue };
}

const reverted = (linear: LinearStandIn, count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => linear.issue(issueIdOf(from + i))?.stateId === STATES.started.id).filter(Boolean).length;

async function deliver(agent: Agent, url: string, index: number, action: 'create' | 'update', deliveryId: string): Promise<number> {
  const raw = Buffer.from(JSON.stringify(buildIssueWebhook(index, action)));
  return postWebhook(agent, new URL(`${url}/webhooks/linear`), raw, signBody(raw, SECRET), deliveryId);
}

interface HealthSample {
  at: number;
  status: string;
  linear: string;
}

async function sampleHealth(url: string): Promise<HealthSample> {
  try {
    const body = (await (await fetch(`${url}/healthz`)).json()) as { status: string; linear: { status: string } };
    return { at: now(), status: body.status, linear: body.linear.status };
  } catch {
    return { at: now(), status: 'no answer', linear: 'no answer' };
  }
}

// ---------------------------------------------------------------------------------------------
// Outages (service in this process, PGlite in memory).

async function outage(kind: OutageKind, label: string, seconds: number, atStart: boolean): Promise<BenchResult> {
  const linear = await startLinearStandIn(closureSeed(OUTAGE_CLOSURES), { apiKey: API_KEY, budgets: false });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-soak-'));
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  let service: RunningService | null = null;
  try {
    if (atStart) await linear.outage(kind, { retryAfterSeconds: 5 });
    const config = loadConfig({
      PORT: '0', SCOPEKEEPER_DATA_DIR: dataDir, LINEAR_WEBHOOK_SECRET: SECRET, LINEAR_API_KEY: API_KEY, LINEAR_API_URL: linear.url,
      SCOPEKEEPER_MODE: 'enforce', LOG_LEVEL: 'silent', LINEAR_TIMEOUT_MS: '5000', SCOPEKEEPER_DEGRADED_AFTER_SECONDS: '30',
    });
    if (!config.ok) throw new Error(config.errors.join('; '));
    service = await startService(config.value, { onStart: startWorkers, logger: createLogger({ level: process.env.SOAK_LOG_LEVEL ?? 'silent' }), openStore: () => openStore({ dataDir: 'memory://' }) });
    const url = service.url;
    progress(`${label}: service started`);
    for (let i = 0; i < OUTAGE_CLOSURES; i += 1) await deliver(agent, url, i, 'create', `soak-create-${i}`);
    if (!atStart) {
      await waitUntil('the creates to be processed', async () => (await service!.context.queue.inboxBacklog()) === 0);
      await linear.outage(kind, { retryAfterSeconds: 5 });
    }
    const outageStarted = now();
    progress(`${label}: outage on, sending ${OUTAGE_CLOSURES} closures`);
    const samples: HealthSample[] = [];
    let acked = 0;
    // Closures spread over the first half of the outage.
    for (let i = 0; i < OUTAGE_CLOSURES; i += 1) {
      linear.updateIssue(issueIdOf(i), { stateId: STATES.completed.id });
      if ((await deliver(agent, url, i, 'update', `soak-close-${i}`)) === 200) acked += 1;
      if (i % 10 === 0) samples.push(await sampleHealth(url));
      await sleep((seconds * 500) / OUTAGE_CLOSURES);
    }
    while (now() - outageStarted < seconds * 1000) {
      samples.push(await sampleHealth(url));
      await sleep(1000);
    }
    await linear.outage(null);
    const recovered = now();
    progress(`${label}: outage over, draining`);
    const after: HealthSample[] = [];
    await waitUntil('every revert and comment', async () => {
      after.push(await sampleHealth(url));
      const backlog = await service!.context.queue.outboxBacklog();
      if (after.length % 20 === 0) progress(`${label}: ${reverted(linear, OUTAGE_CLOSURES)} reverted, ${linear.comments().length} comments, outbox ${backlog.pending}, inbox ${await service!.context.queue.inboxBacklog()}`);
      return reverted(linear, OUTAGE_CLOSURES) === OUTAGE_CLOSURES && linear.comments().length >= OUTAGE_CLOSURES && backlog.pending === 0;
    }, DRAIN_TIMEOUT_MS, 500);
    const drainSeconds = (now() - recovered) / 1000;
    const final = await sampleHealth(url);
    const dup = duplicates(linear);
    // Truthful: once Linear had been tried (the first 15 s allow for the call timeout and the
    // probe's backoff; rate limiting shows once an action waited past the 30 s threshold), every
    // sample says degraded; after the drain it says ok.
    const grace = kind === 'ratelimit' ? 35_000 : 15_000;
    const judged = samples.filter((s) => s.at - outageStarted > grace);
    const degraded = judged.filter((s) => s.status === 'degraded').length;
    const lost = OUTAGE_CLOSURES - reverted(linear, OUTAGE_CLOSURES);
    return {
      name: `Linear ${label} for ${seconds} s`,
      goal: '0 lost, 0 sent twice, /healthz truthful',
      value: `${lost} reverts lost, ${dup.reverts + dup.comments} mutations sent twice, drained ${drainSeconds.toFixed(1)} s after recovery; /healthz degraded in ${degraded} of ${judged.length} samples after the first ${grace / 1000} s, ${final.status} after the drain`,
      detail: `${OUTAGE_CLOSURES} refused closures (${acked} answered 200) during the outage${atStart ? ', which began before the service started' : ''}; linear status seen: ${[...new Set(samples.map((s) => s.linear))].join(', ')}; ${linear.operations().length} requests to the stand-in`,
    };
  } finally {
    agent.destroy();
    await service?.stop();
    await linear.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// kill -9 during a burst (the service as `npm start` runs it, in a child process).

interface Child {
  process: ChildProcess;
  listening: Promise<number>;
}

function startChild(env: Record<string, string>): Child {
  // Node itself with tsx's loader, not the tsx CLI: kill -9 must hit the service's own process.
  const child = spawn(process.execPath, ['--import', 'tsx', 'linear-adapter/service/main.ts'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // SOAK_CHILD_LOG: the service's JSON log lines also go to this file (to see where time goes).
  const logFile = process.env.SOAK_CHILD_LOG;
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (logFile) appendFileSync(logFile, chunk);
      out = (out + chunk.toString()).slice(-20_000);
      if (/"msg":"scopekeeper listening"/.test(out)) resolve(now());
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code, signal) => reject(new Error(`service exited (${code ?? signal}): ${out.slice(-2000)}`)));
  });
  listening.catch(() => undefined);
  return { process: child, listening };
}

interface KillRunResult {
  lost: number;
  twice: number;
  resent: number;
  restartToLastRevertS: number;
  ackedBeforeKill: number;
  /** Closures answered 200 before the kill whose revert had not been sent: the crash's unfinished work. */
  interrupted: number;
  /** From the restart until the last of those was reverted: how fast a restarted instance reclaims its own work. */
  restartToInterruptedS: number;
  /** From the restart until the last re-sent closure was answered: the soak's share (it plays Linear's retries). */
  restartToResentS: number;
  /** Requests the restarted service made to Linear: what LINEAR_REQUESTS_PER_HOUR (off here) would pace. */
  requestsAfterRestart: number;
  load: number;
}

/**
 * The wait the service's own request budget would add (LINEAR_REQUESTS_PER_HOUR, default 2,000,
 * a leaky bucket holding as many, full at start): every request beyond the bucket waits its
 * share of the hour.
 */
function budgetBoundS(requests: number, perHour = 2_000): number {
  return (Math.max(0, requests - perHour) * 3_600) / perHour;
}

async function killRun(backend: 'PGlite' | 'PostgreSQL', run: number): Promise<KillRunResult> {
  const linear = await startLinearStandIn(closureSeed(BURST), { apiKey: API_KEY, budgets: false });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-soak-kill-'));
  const port = 39_000 + Math.floor(Math.random() * 1000);
  let database: string | null = null;
  let admin: Client | null = null;
  let schema: string | null = null;
  if (backend === 'PostgreSQL') {
    schema = `soak_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.searchParams.set('options', `-c search_path=${schema}`);
    database = url.toString();
  }
  const env: Record<string, string> = {
    PORT: String(port), HOST: '127.0.0.1', SCOPEKEEPER_DATA_DIR: dataDir, LINEAR_WEBHOOK_SECRET: SECRET, LINEAR_API_KEY: API_KEY,
    LINEAR_API_URL: linear.url, SCOPEKEEPER_MODE: 'enforce', LOG_LEVEL: 'info', LINEAR_REQUESTS_PER_HOUR: '0', SCOPEKEEPER_INSTANCE_ID: `soak-${run}`,
    DATABASE_URL: database ?? '',
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const url = `http://127.0.0.1:${port}`;
  let child = startChild(env);
  try {
    await child.listening;
    progress(`kill -9 on ${backend}, run ${run}: creating ${BURST} issues`);
    await Promise.all(Array.from({ length: 8 }, async (_, w) => {
      for (let i = w; i < BURST; i += 8) await deliver(agent, url, i, 'create', `soak-create-${i}`);
    }));
    await waitUntil('the creates to be processed', async () => (await sampleBacklog(url)) === 0);

    // The burst: every issue moved to Done, then its webhook; kill -9 once a third are answered.
    const acked = new Set<number>();
    let killedAt = 0;
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      for (let i = next++; i < BURST; i = next++) {
        linear.updateIssue(issueIdOf(i), { stateId: STATES.completed.id });
        if ((await deliver(agent, url, i, 'update', `soak-close-${i}`)) === 200) acked.add(i);
        if (killedAt === 0 && acked.size >= BURST / 3) {
          killedAt = now();
          child.process.kill('SIGKILL');
        }
      }
    }));
    const ackedBeforeKill = acked.size;
    const interruptedSet = [...acked].filter((i) => linear.issue(issueIdOf(i))?.stateId !== STATES.started.id);
    await new Promise((resolve) => (child.process.exitCode !== null || child.process.signalCode !== null ? resolve(null) : child.process.once('exit', resolve)));
    progress(`kill -9 on ${backend}, run ${run}: killed after ${acked.size} answered 200; restarting`);
    child = startChild(env);
    const restarted = await child.listening;
    const requestsBefore = linear.operations().length;
    // Linear retries what was not answered 200 (after 1 minute; here at once, to keep it short),
    // 8 at a time: sent one by one, the re-sends alone took minutes under load.
    const unanswered = Array.from({ length: BURST }, (_, i) => i).filter((i) => !acked.has(i));
    let cursor = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let k = cursor++; k < unanswered.length; k = cursor++) {
        const i = unanswered[k]!;
        if ((await deliver(agent, url, i, 'update', `soak-close-${i}`)) === 200) acked.add(i);
      }
    }));
    const resentAt = now();
    await waitUntil('every revert', () => [...acked].every((i) => linear.issue(issueIdOf(i))?.stateId === STATES.started.id), 5 * 60_000, 200);
    const revertedAt = new Map<string, number>();
    for (const o of linear.operations()) {
      if (o.operationName === 'updateIssue' && o.errors.length === 0 && !revertedAt.has(String(o.variables.id))) revertedAt.set(String(o.variables.id), o.receivedAt);
    }
    const lastInterrupted = Math.max(restarted, ...interruptedSet.map((i) => revertedAt.get(issueIdOf(i)) ?? restarted));
    const lastRevert = Math.max(...linear.operations().filter((o) => o.operationName === 'updateIssue' && o.errors.length === 0).map((o) => o.receivedAt));
    await waitUntil('the outbox to drain', async () => (await sampleBacklog(url)) === 0, 5 * 60_000, 500);
    const dup = duplicates(linear);
    const resent = linear.operations().filter((o) => o.operationName === 'createComment' && o.errors.length > 0).length;
    const lost = [...acked].filter((i) => linear.issue(issueIdOf(i))?.stateId !== STATES.started.id).length;
    const requestsAfterRestart = linear.operations().length - requestsBefore;
    return {
      lost, twice: dup.reverts + dup.comments, resent, restartToLastRevertS: Math.max(0, lastRevert - restarted) / 1000, ackedBeforeKill,
      interrupted: interruptedSet.length, restartToInterruptedS: (lastInterrupted - restarted) / 1000,
      restartToResentS: (resentAt - restarted) / 1000, requestsAfterRestart, load: loadavg()[0] ?? 0,
    };
  } finally {
    agent.destroy();
    if (child.process.exitCode === null && child.process.signalCode === null) {
      const exited = new Promise((resolve) => child.process.once('exit', resolve));
      child.process.kill('SIGTERM');
      await exited;
    }
    await linear.close();
    await rm(dataDir, { recursive: true, force: true });
    // Each run's schema goes with it: left behind, 100,000s of rows a run piled up in the test database.
    if (schema) await admin?.query(`drop schema if exists ${schema} cascade`);
    await admin?.end();
  }
}

async function sampleBacklog(url: string): Promise<number> {
  const body = (await (await fetch(`${url}/healthz`)).json()) as { inbox: { backlog: number }; outbox: { backlog: number } };
  return body.inbox.backlog + body.outbox.backlog;
}

async function killScenario(backend: 'PGlite' | 'PostgreSQL'): Promise<BenchResult> {
  const runs = [];
  for (let run = 1; run <= RUNS; run += 1) runs.push(await killRun(backend, run));
  return {
    name: `kill -9 during a burst of ${BURST} refused closures, ${backend}`,
    goal: '0 lost, 0 sent twice, restart to last revert ≤ 10 s',
    value: runs
      .map((r, i) => `run ${i + 1}: ${r.lost} lost, ${r.twice} sent twice, ${r.restartToInterruptedS.toFixed(1)} s restart to the last revert the crash interrupted (${r.interrupted} closures), ${r.restartToLastRevertS.toFixed(1)} s to the last revert of all (${r.restartToResentS.toFixed(1)} s of it re-sending the unanswered closures)`)
      .join('; '),
    detail:
      runs
        .map((r, i) => `run ${i + 1}: killed after ${r.ackedBeforeKill} answered 200, ${r.resent} comment creates re-sent and refused by Linear as duplicate ids, ${r.requestsAfterRestart} requests to Linear after the restart (${(r.requestsAfterRestart / BURST).toFixed(1)} a closure; with the default budget of 2,000 an hour the last would go no sooner than ${budgetBoundS(r.requestsAfterRestart).toFixed(0)} s after the restart), 1-min load average ${r.load.toFixed(2)}`)
        .join('; '),
  };
}

async function soak(): Promise<BenchResult[]> {
  const only = process.env.SOAK_ONLY?.split(',');
  const want = (name: string) => !only || only.includes(name);
  const results: BenchResult[] = [];
  const report = (result: BenchResult) => {
    results.push(result);
    process.stderr.write(`soak: ${result.name}: ${result.value}\n`);
  };
  if (want('500')) report(await outage('server-error', 'answering 500', OUTAGE_S, false));
  if (want('429')) report(await outage('ratelimit', 'rate limiting (HTTP 400 RATELIMITED, Retry-After: 5)', RATELIMIT_S, false));
  if (want('down')) report(await outage('down', 'down (connections refused)', OUTAGE_S, false));
  if (want('down-at-start')) report(await outage('down', 'down at start', 60, true));
  if (want('kill-pglite')) report(await killScenario('PGlite'));
  if (want('kill-postgres') && process.env.TEST_DATABASE_URL) report(await killScenario('PostgreSQL'));
  return results;
}

runStandalone(soak);
