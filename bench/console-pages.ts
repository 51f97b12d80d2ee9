import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { chainHistory } from '../src/core/chain-history';
import { computeDigest } from '../src/core/compute-digest';
import { createBaseline } from '../src/core/create-baseline';
import { encodeHistoryCursor } from '../src/core/encode-history-cursor';
import { closurePolicySchema, type Actor, type DeliverableState, type HistoryDraft } from '../src/core/schemas';
import { snapshotScope } from '../src/core/snapshot-scope';
import { buildEvidenceBundle } from '../src/reports/build-evidence-bundle';
import type { SqlStore } from '../src/store/sql-store';
import { verifyBundleCommand } from '../linear-adapter/commands/verify-bundle-command';
import { createConsole } from '../linear-adapter/console/create-console';
import { loadConsoleConfig } from '../linear-adapter/console/load-console-config';
import { linearScopeId } from '../linear-adapter/decide/linear-scope-id';
import type { BenchResult } from './bench-result';
import { runStandalone } from './print-results';
import { withPgliteStore, withPostgresStore } from './with-bench-store';

// The console's pages and exports on one Linear team with 5,000 deliverables and 100,000
// history records, over HTTP on loopback, on PGlite and (DATABASE_URL or TEST_DATABASE_URL) on
// PostgreSQL in a fresh schema. Server time is from the request's arrival to the response's
// last byte handed to the socket ('finish'). `npm run bench:console`.

const DELIVERABLES = 5_000;
const RECORDS = 100_000;
const WARMUP = 5;
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const TEAM = { id: 'team-bench', key: 'BEN' };
const SCOPE = linearScopeId(TEAM.id);
const TOKEN = 'b'.repeat(64);
const ACTORS: Actor[] = ['u-ana', 'u-ravi', 'u-li', 'u-sam'].map((id) => ({ id, name: id.slice(2), email: null }));
const START = Date.parse('2025-01-01T00:00:00.000Z');

function deliverable(i: number): DeliverableState {
  const criteria = (i % 100 === 7 ? [] : [0, 1, 2]).map((c) => ({ id: null, text: `Given invoice ${i}, when step ${c} runs, then the total is exact to the cent`, met: c === 0 }));
  return {
    platform: 'linear',
    id: `issue-${i}`,
    key: `${TEAM.key}-${i + 1}`,
    scopeId: SCOPE,
    title: `Invoices: part ${i + 1} of the billing rework`,
    assigneeId: ACTORS[i % ACTORS.length]!.id,
    criteria,
    // Every third signed off over the criteria as they stand (valid), every ninth over older text (stale).
    signOff: i % 3 === 0 ? { id: `so-${i}`, signer: ACTORS[0]!, role: 'approver', at: new Date(START).toISOString(), note: null, digest: computeDigest(i % 9 === 0 ? [] : criteria) } : null,
    inScope: i % 50 !== 49,
    updatedAt: new Date(START).toISOString(),
  };
}

/** After the baseline: scope changes (every 10th without a reason, half of those documented later), closures, bypasses. */
function buildDrafts(count: number): HistoryDraft[] {
  return Array.from({ length: count }, (_, n): HistoryDraft => {
    const i = n + 1;
    const base = { id: `rec-${i}`, scopeId: SCOPE, at: new Date(START + 86_400_000 + i * 300_000).toISOString(), actor: ACTORS[i % ACTORS.length] ?? null, deliverableId: `issue-${i % DELIVERABLES}` };
    if (i % 20 === 5) return { ...base, deliverableId: null, kind: 'reason_attached', data: { changeIds: [`rec-${i - 5}`], reason: 'Agreed with the client' } };
    if (i % 7 === 3) return { ...base, kind: 'closure_allowed', data: { toState: 'Done' } };
    if (i % 97 === 1) return { ...base, kind: 'closure_bypassed', data: { action: 'recorded', toState: 'Done', reasons: [{ code: 'NO_SIGNOFF', message: 'Not signed off' }] } };
    return {
      ...base,
      kind: 'scope_changed',
      data: {
        changeId: `rec-${i}`, kind: 'criterion_modified', deliverableKey: `${TEAM.key}-${(i % DELIVERABLES) + 1}`, criterionId: null,
        before: `Given invoice ${i}, when step 1 runs, then the total is exact to the cent`,
        after: `Given invoice ${i}, when step 1 runs, then the total is exact to the cent within ${i % 60} seconds`,
        diff: null, replaced: false, fromIndex: 1, toIndex: 1, source: 'linear-webhook', reason: i % 10 === 0 ? null : 'Client request',
      },
    };
  });
}

export async function seed(store: SqlStore): Promise<number> {
  const started = Date.now();
  const states = Array.from({ length: DELIVERABLES }, (_, i) => deliverable(i));
  for (let i = 0; i < states.length; i += 500) {
    const result = await store.commit({ scopeId: SCOPE, deliverables: states.slice(i, i + 500).map((state) => ({ state, expectedVersion: null })) });
    if (!result.ok) throw new Error(result.message);
  }
  const created = createBaseline({ id: 'bl-1', scopeId: SCOPE, name: 'SRS v1.0', now: new Date(START).toISOString(), approvedBy: ACTORS[0]!, deliverables: snapshotScope(states, SCOPE), current: null });
  if (!created.ok) throw new Error(created.message);
  const committed = await store.commit({ scopeId: SCOPE, baseline: created.value.baseline, history: [created.value.draft] });
  if (!committed.ok) throw new Error(committed.message);
  // Chained in memory and appended in bulk: a commit per record would take many minutes.
  const records = chainHistory(await store.getHistoryHead(SCOPE), buildDrafts(RECORDS - 1));
  for (let i = 0; i < records.length; i += 10_000) await store.appendChainedHistory(SCOPE, records.slice(i, i + 10_000));
  return Date.now() - started;
}

function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * share) - 1)] ?? Number.NaN;
}

async function measure(label: string, store: SqlStore): Promise<BenchResult[]> {
  const config = loadConsoleConfig({});
  if (!config.ok) throw new Error(config.errors.join('; '));
  const app = createConsole({
    store, token: TOKEN, config: config.value, logger: pino({ level: 'silent' }),
    policyDefaults: closurePolicySchema.parse({ approverUserIds: ['u-ana'], doneStateTypes: ['completed'], doneStateNames: [] }),
  });
  let lastServerMs = 0;
  const server = createServer((req, res) => {
    const t0 = process.hrtime.bigint();
    res.on('finish', () => (lastServerMs = Number(process.hrtime.bigint() - t0) / 1e6));
    void app.handle(req, res).catch((e: unknown) => res.destroy(e as Error));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const session = await app.sessions.create({ kind: 'token', actor: { id: 'scopekeeper-console', name: 'Service operator', email: null } });
  const cookie = `scopekeeper_session=${session.id}`;
  const results: BenchResult[] = [];
  try {
    const get = async (url: string, headers: Record<string, string> = { cookie }) => {
      const res = await fetch(`${base}${url}`, { headers, redirect: 'manual' });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body.slice(0, 300)}`);
      return body;
    };
    const deep = encodeHistoryCursor(50_000);
    const pages: [string, string, string][] = [
      ['overview page', '/', '≤ 100 ms'],
      ['team page', `/teams/${TEAM.key}`, '≤ 100 ms'],
      ['history, first page', `/teams/${TEAM.key}/history`, '≤ 50 ms'],
      ['history, deep cursor page (seq 50,000)', `/teams/${TEAM.key}/history?cursor=${deep}`, '≤ 50 ms'],
      ['history, first page, undocumented only', `/teams/${TEAM.key}/history?undocumented=1`, '≤ 50 ms'],
      ['history, first page, one deliverable', `/teams/${TEAM.key}/history?deliverable=${TEAM.key}-43`, '≤ 50 ms'],
      ['history, deep page, scope changes of one author', `/teams/${TEAM.key}/history?kind=scope_changed&author=u-li&cursor=${deep}`, '≤ 50 ms'],
    ];
    for (const [name, url, goal] of pages) {
      for (let i = 0; i < WARMUP; i += 1) await get(url);
      const samples: number[] = [];
      let bytes = 0;
      for (let i = 0; i < RUNS; i += 1) {
        bytes = (await get(url)).length;
        samples.push(lastServerMs);
      }
      samples.sort((a, b) => a - b);
      results.push({
        name: `${name} (${label})`,
        goal: `p99 ${goal}`,
        value: `${percentile(samples, 0.5).toFixed(1)} ms (p50), ${percentile(samples, 0.99).toFixed(1)} ms (p99)`,
        detail: `server time over ${RUNS} runs after ${WARMUP} warm-up; ${(bytes / 1024).toFixed(0)} KB page`,
      });
    }

    // The CSV export of the whole history, read by a client as it streams.
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const t0 = performance.now();
    const res = await fetch(`${base}/api/teams/${TEAM.key}/history.csv`, { headers: { authorization: `Bearer ${TOKEN}` } });
    let bytes = 0;
    let lines = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (const byte of chunk) if (byte === 10) lines += 1;
    }
    const csvMs = performance.now() - t0;
    clearInterval(sampler);
    results.push(
      { name: `CSV export of ${RECORDS.toLocaleString('en')} records (${label})`, goal: '≤ 3 s', value: `${(csvMs / 1000).toFixed(2)} s`, detail: `${(bytes / 1e6).toFixed(1)} MB, ${lines.toLocaleString('en')} lines, over HTTP` },
      { name: `CSV export peak RSS growth (${label})`, goal: '≤ 50 MB', value: `${((peak - rssBefore) / 1e6).toFixed(1)} MB`, detail: 'server and client in one process, RSS sampled every 5 ms' },
    );
    return results;
  } finally {
    server.close();
  }
}

/**
 * The CSV export's memory as the service pays it: a console in a process of its own
 * (serve-console-child.ts) on the seeded store, its RSS read from /proc every 5 ms while a
 * client here streams the export. Growth is from the RSS just before the request (after one
 * small page, so the process is warm) to the peak. The in-process figure above also counts the
 * seeding's and the page runs' garbage, which V8 collects when it likes.
 */
async function measureExportInChild(label: string, args: string[]): Promise<BenchResult[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'serve-console-child.ts'), TOKEN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [first] = (await once(child.stdout, 'data')) as [Buffer];
    const base = `http://127.0.0.1:${first.toString().trim()}`;
    const headers = { authorization: `Bearer ${TOKEN}` };
    const rssOf = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? Number.NaN) * 1024;
    await (await fetch(`${base}/api/teams`, { headers })).text();
    const before = rssOf();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf())), 5);
    // Twice: if memory grew with the records, the second export would grow past the first's peak.
    const runs: { ms: number; bytes: number; peak: number }[] = [];
    for (let run = 0; run < 2; run += 1) {
      const t0 = performance.now();
      const res = await fetch(`${base}/api/teams/${TEAM.key}/history.csv`, { headers });
      let bytes = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
      runs.push({ ms: performance.now() - t0, bytes, peak });
    }
    clearInterval(sampler);
    const [once1, once2] = runs as [(typeof runs)[0], (typeof runs)[0]];
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    return [
      { name: `CSV export of ${RECORDS.toLocaleString('en')} records, service in its own process (${label})`, goal: '≤ 3 s', value: `${(once1.ms / 1000).toFixed(2)} s`, detail: `${mb(once1.bytes)} over HTTP; the same export again: ${(once2.ms / 1000).toFixed(2)} s` },
      {
        name: `CSV export peak RSS growth, service in its own process (${label})`, goal: '≤ 50 MB', value: mb(once1.peak - before),
        detail: `the service's RSS from ${mb(before)} before the request to its peak, read from /proc every 5 ms; a second export right after it grew ${mb(once2.peak - once1.peak)} past the first's peak`,
      },
    ];
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
}

/** `scopekeeper verify` of the team's 100,000-record bundle, from a file as a user runs it. */
async function measureVerify(store: SqlStore): Promise<BenchResult> {
  const baseline = await store.getActiveBaseline(SCOPE);
  if (!baseline) throw new Error('no baseline seeded');
  let text = '';
  for await (const chunk of buildEvidenceBundle({ scope: { id: SCOPE, key: TEAM.key, name: TEAM.key }, baseline, pages: store.readHistoryPagesSince(SCOPE, 0), keys: new Map(), generatedAt: new Date().toISOString() })) text += chunk;
  const dir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-bench-bundle-'));
  try {
    const file = path.join(dir, 'bundle.json');
    await writeFile(file, text);
    const failures: string[] = [];
    const t0 = performance.now();
    const code = await verifyBundleCommand(file, () => {}, (line) => failures.push(line));
    const ms = performance.now() - t0;
    if (code !== 0) throw new Error(`bench bundle did not verify: ${failures.join(' ')}`);
    return { name: `verify of a ${RECORDS.toLocaleString('en')}-record bundle`, goal: '≤ 2 s', value: `${(ms / 1000).toFixed(2)} s`, detail: `${(text.length / 1e6).toFixed(1)} MB bundle with a ${DELIVERABLES.toLocaleString('en')}-deliverable baseline, read from a file` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const benchPglite = () =>
  withPgliteStore(async (store, { dataDir }) => {
    const seedMs = await seed(store);
    const results = await measure('PGlite', store);
    results.push(await measureVerify(store));
    // One process per PGlite directory: this one lets go before the child opens it.
    await store.close();
    results.push(...(await measureExportInChild('PGlite', [dataDir])));
    results.push({ name: 'seeding (PGlite)', goal: '–', value: `${(seedMs / 1000).toFixed(1)} s`, detail: `${DELIVERABLES} deliverables, ${RECORDS} records` });
    return results;
  });

const benchPostgres = (databaseUrl: string) =>
  withPostgresStore(databaseUrl, async (store, { schema }) => {
    const seedMs = await seed(store);
    const results = await measure('PostgreSQL', store);
    results.push(...(await measureExportInChild('PostgreSQL', ['postgres', databaseUrl, schema])));
    results.push({ name: 'seeding (PostgreSQL)', goal: '–', value: `${(seedMs / 1000).toFixed(1)} s`, detail: `${DELIVERABLES} deliverables, ${RECORDS} records` });
    return results;
  });

export async function bench(): Promise<BenchResult[]> {
  const results = process.env.BENCH_BACKEND === 'postgres' ? [] : await benchPglite();
  const databaseUrl = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (databaseUrl && process.env.BENCH_BACKEND !== 'pglite') results.push(...(await benchPostgres(databaseUrl)));
  else results.push({ name: 'console pages (PostgreSQL)', goal: '–', value: 'not run', detail: 'set DATABASE_URL or TEST_DATABASE_URL to measure PostgreSQL' });
  return results;
}

if (require.main === module) runStandalone(bench);
