import { randomUUID } from 'node:crypto';
import Module, { createRequire } from 'node:module';
import { computeDigest } from '../src/core/compute-digest';
import { createBaseline } from '../src/core/create-baseline';
import type { Actor, Criterion, DeliverableState, HistoryDraft, SignOff } from '../src/core/schemas';
import type { ResolverName, ResolverPayloads, ResolverResults } from '../src/forge/resolvers/resolver-contract';
import type * as ForgeApiStandIn from '../test/mocks/forge-api';
import type * as ForgeKvsStandIn from '../test/mocks/forge-kvs';
import type { BenchResult } from './bench-result';
import { runStandalone } from './print-results';

// Storage and Jira calls of the project page for 100,000 history records and 5,000 issues,
// counted with the same stand-ins the tests use (test/mocks/forge-kvs.ts, forge-api.ts). Counted,
// not timed: the stand-in's cost per query is not the platform's. Bytes are those of the
// stand-in's answers; "read units" rounds each read up to 10 KB, as limits-kvs-ce counts them.

// FORGE_BENCH_RECORDS runs a smaller history (e.g. 20000) on a busy machine.
const RECORDS = Number(process.env.FORGE_BENCH_RECORDS ?? 100_000);
const ISSUES = 5_000;
const CRITERIA = 8;
const RECORDS_PER_COMMIT = 100;
const DELIVERABLES_PER_COMMIT = 20;
const UNIT = 10 * 1024;
const READ_PATHS = new Set(['/api/v1/get', '/api/v1/secret/get', '/api/v1/entity/get', '/api/v1/batch/get', '/api/v1/query', '/api/v1/entity/query']);

type Load = (id: string) => unknown;
type ModuleLoad = (this: unknown, request: string, parent: unknown, isMain: boolean) => unknown;

interface Meter {
  requests: number;
  bytesRead: number;
  readUnits: number;
  largestRead: number;
}

/**
 * jest.mock is not there outside Jest, so `@forge/kvs` and `@forge/api` are swapped for the
 * stand-ins with a Module._load hook, and `jest.requireActual` (which the stand-ins use to reach
 * the real SDKs) loads the real package. Every answer of the storage stand-in is metered.
 */
function installStandIns(): { kvs: ForgeKvsStandIn.FakeKvsService; jira: ForgeApiStandIn.FakeJira; meter: Meter; load: Load } {
  const load: Load = createRequire(__filename);
  let actual = 0;
  const requireActual = (id: string) => {
    actual += 1;
    try {
      return load(id);
    } finally {
      actual -= 1;
    }
  };
  (globalThis as unknown as { jest: { requireActual: Load } }).jest = { requireActual };
  const kvsStandIn = load('../test/mocks/forge-kvs') as typeof ForgeKvsStandIn;
  const apiStandIn = load('../test/mocks/forge-api') as typeof ForgeApiStandIn;

  const kvs = kvsStandIn.installForgeKvsMock();
  const meter: Meter = { requests: 0, bytesRead: 0, readUnits: 0, largestRead: 0 };
  const answer = kvs.fetch;
  Object.defineProperty(kvs, 'fetch', {
    value: async (path: string, init?: { body?: unknown }) => {
      const response = await answer(path, init);
      const text = await response.text();
      meter.requests += 1;
      if (READ_PATHS.has(path)) {
        const bytes = Buffer.byteLength(text, 'utf8');
        meter.bytesRead += bytes;
        meter.readUnits += Math.max(1, Math.ceil(bytes / UNIT));
        meter.largestRead = Math.max(meter.largestRead, bytes);
      }
      return { ...response, text: async () => text, json: async () => JSON.parse(text) as unknown };
    },
  });

  const replaced = new Map<string, () => unknown>([
    ['@forge/kvs', () => kvsStandIn.mockForgeKvsModule()],
    ['@forge/api', () => apiStandIn.mockForgeApiModule()],
  ]);
  const built = new Map<string, unknown>();
  const hooked = Module as unknown as { _load: ModuleLoad };
  const original = hooked._load;
  hooked._load = function (request, parent, isMain) {
    const build = actual === 0 ? replaced.get(request) : undefined;
    if (!build) return original.call(this, request, parent, isMain);
    if (!built.has(request)) built.set(request, build());
    return built.get(request);
  };
  return { kvs, jira: apiStandIn.installForgeApiMock(), meter, load };
}

const ANNA: Actor = { id: '5b10a2844c20165700ede21g', name: 'Anna Product Owner', email: null };
const RAVI: Actor = { id: '5b10ac8d82e05b22cc7d4ef5', name: 'Ravi Engineer', email: null };

function criteriaOf(i: number, revised: boolean): Criterion[] {
  return Array.from({ length: CRITERIA }, (_, c) => ({
    id: `c-${i}-${c}`,
    text: `Given order ${i} in state ${c}, when the customer confirms it, then a receipt is sent within ${5 + c} seconds${revised && c === 2 ? ' and logged' : ''}`,
    met: c % 3 === 0,
  }));
}

/** 5,000 deliverables: 5 % revised since the baseline (their sign-off stale), 1 % without criteria, 80 % signed off. */
function buildDeliverables(scopeId: string, now: string): { baselined: Criterion[][]; states: DeliverableState[] } {
  const baselined: Criterion[][] = [];
  const states = Array.from({ length: ISSUES }, (_, i): DeliverableState => {
    const original = criteriaOf(i, false);
    baselined.push(original);
    const criteria = i % 100 === 7 ? [] : criteriaOf(i, i % 20 === 0);
    const signOff: SignOff | null =
      i % 5 === 0 ? null : { id: `so-${i}`, signer: ANNA, role: 'Client approvers', at: now, note: null, digest: computeDigest(i % 20 === 0 ? original : criteria) };
    return { platform: 'jira', id: String(30_000 + i), key: `PROJ-${100 + i}`, scopeId, title: `Deliverable ${i}`, assigneeId: RAVI.id, criteria, signOff, inScope: true, updatedAt: now };
  });
  return { baselined, states };
}

/** The history after the baseline: scope changes (every 10th without a reason, half of those documented later), closures, a few bypasses. */
function buildHistory(scopeId: string, states: readonly DeliverableState[]): HistoryDraft[] {
  const start = Date.parse('2026-01-05T00:00:00.000Z');
  return Array.from({ length: RECORDS - 1 }, (_, n): HistoryDraft => {
    const i = n + 1;
    const state = states[i % states.length] as DeliverableState;
    const base = { id: `rec-${i}`, scopeId, at: new Date(start + i * 120_000).toISOString(), actor: i % 3 === 0 ? ANNA : RAVI, deliverableId: state.id };
    if (i % 20 === 5) return { ...base, kind: 'reason_attached', data: { changeIds: [`rec-${i - 5}`], reason: 'Agreed with the client in the weekly review' } };
    if (i % 97 === 3) {
      return { ...base, kind: 'closure_bypassed', data: { toState: 'Done', reasons: [{ code: 'NO_SIGNOFF', message: 'Nobody has signed off the acceptance criteria yet.' }], action: 'recorded' } };
    }
    if (i % 7 === 3) return { ...base, kind: 'closure_allowed', data: { toState: 'Done' } };
    return {
      ...base,
      kind: 'scope_changed',
      data: {
        changeId: `rec-${i}`,
        kind: 'criterion_modified',
        deliverableKey: state.key,
        criterionId: `c-${i % states.length}-2`,
        before: 'Given an order, when the customer confirms it, then a receipt is sent within 7 seconds',
        after: `Given an order, when the customer confirms it, then a receipt is sent within ${i % 60} seconds`,
        diff: null,
        replaced: false,
        fromIndex: null,
        toIndex: null,
        source: i % 4 === 0 ? 'jira-trigger' : 'jira-panel',
        reason: i % 10 === 0 ? null : 'Client request',
      },
    };
  });
}

interface Measured {
  calls: number;
  kvsReads: number;
  kvsWrites: number;
  requests: number;
  bytesRead: number;
  readUnits: number;
  largestRead: number;
  largestQueryLimit: number;
  jiraCalls: number;
  responseBytes: number;
}

const mb = (bytes: number) => `${(bytes / 1_000_000).toFixed(2)} MB`;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

function describe(m: Measured): string {
  return (
    `${m.requests} storage requests (${m.kvsReads} reads, ${m.kvsWrites} writes), ${kb(m.bytesRead)} read = ${m.readUnits} read units, ` +
    `largest answer ${kb(m.largestRead)}, largest query page ${m.largestQueryLimit}; ${m.jiraCalls} Jira calls; resolver answer ${kb(m.responseBytes)}`
  );
}

export async function bench(): Promise<BenchResult[]> {
  const { kvs, jira, meter, load } = installStandIns();
  const { createInvoker } = load('../test/forge/forge-harness') as typeof import('../test/forge/forge-harness');
  const { createForgeDeps } = load('../src/forge/entry/create-forge-deps') as typeof import('../src/forge/entry/create-forge-deps');
  const { PROJECT_PAGE_LIMITS, DELIVERABLE_COUNT_MAX_AGE_MS } = load('../src/forge/resolvers/create-project-resolvers') as typeof import('../src/forge/resolvers/create-project-resolvers');
  const { PROJ, PEOPLE } = load('../test/mocks/forge-api') as typeof ForgeApiStandIn;

  let clock = Date.parse('2026-11-21T09:00:00.000Z');
  const deps = createForgeDeps({ now: () => new Date(clock).toISOString(), newId: () => randomUUID(), log: () => undefined });
  const invoke = createInvoker(deps);
  const scopeId = PROJ.id;
  const viewer = PEOPLE.pat.accountId;

  // ---- fill: one baseline of 5,000 deliverables, then 99,999 more records --------------------
  const filled = Date.now();
  const now = new Date(clock).toISOString();
  const { baselined, states } = buildDeliverables(scopeId, now);
  const created = createBaseline({
    id: 'bl-1',
    scopeId,
    name: 'SRS v1.0',
    now,
    approvedBy: ANNA,
    deliverables: states.map((s, i) => ({ id: s.id, key: s.key, title: s.title, criteria: baselined[i] as Criterion[] })),
    current: null,
  });
  if (!created.ok) throw new Error(created.message);
  const baselineCommit = await deps.store.commit({ scopeId, baseline: created.value.baseline, history: [created.value.draft] });
  if (!baselineCommit.ok) throw new Error(baselineCommit.message);
  for (let i = 0; i < states.length; i += DELIVERABLES_PER_COMMIT) {
    const slice = states.slice(i, i + DELIVERABLES_PER_COMMIT);
    const caches = Object.fromEntries(slice.map((s, k) => [`jira:${s.id}`, { baselineId: 'bl-1', criteria: baselined[i + k] as Criterion[] }]));
    const result = await deps.store.commitWith({ scopeId, deliverables: slice.map((state) => ({ state, expectedVersion: null })) }, { baselineCaches: caches });
    if (!result.ok) throw new Error(result.message);
  }
  const drafts = buildHistory(scopeId, states);
  for (let i = 0; i < drafts.length; i += RECORDS_PER_COMMIT) {
    const result = await deps.store.commit({ scopeId, history: drafts.slice(i, i + RECORDS_PER_COMMIT) });
    if (!result.ok) throw new Error(result.message);
  }
  const fillSeconds = (Date.now() - filled) / 1000;

  async function measure<N extends ResolverName>(calls: { name: N; payload: ResolverPayloads[N] }[]): Promise<{ measured: Measured; results: ResolverResults[N][] }> {
    kvs.resetCounts();
    jira.resetCalls();
    Object.assign(meter, { requests: 0, bytesRead: 0, readUnits: 0, largestRead: 0 });
    const results: ResolverResults[N][] = [];
    let responseBytes = 0;
    for (const { name, payload } of calls) {
      const result = await invoke(name, payload, viewer, { project: true });
      if (!result.ok) throw new Error(`${name} was refused: ${result.message}`);
      responseBytes = Math.max(responseBytes, Buffer.byteLength(JSON.stringify(result), 'utf8'));
      results.push(result);
    }
    const counts = kvs.counts();
    return {
      measured: {
        calls: calls.length,
        kvsReads: counts.reads,
        kvsWrites: counts.writes,
        requests: meter.requests,
        bytesRead: meter.bytesRead,
        readUnits: meter.readUnits,
        largestRead: meter.largestRead,
        largestQueryLimit: counts.largestQueryLimit,
        jiraCalls: jira.counts().total,
        responseBytes,
      },
      results,
    };
  }

  /** Calls refreshSignals until the signals are complete; the worst call and the sum. */
  async function countToTheEnd(): Promise<{ calls: number; worst: Measured; total: Measured }> {
    let calls = 0;
    let worst: Measured | null = null;
    const total: Measured = { calls: 0, kvsReads: 0, kvsWrites: 0, requests: 0, bytesRead: 0, readUnits: 0, largestRead: 0, largestQueryLimit: 0, jiraCalls: 0, responseBytes: 0 };
    for (;;) {
      const { measured, results } = await measure([{ name: 'refreshSignals', payload: {} }]);
      calls += 1;
      if (!worst || measured.readUnits > worst.readUnits) worst = measured;
      for (const key of Object.keys(total) as (keyof Measured)[]) {
        total[key] = key.startsWith('largest') || key === 'responseBytes' ? Math.max(total[key], measured[key]) : total[key] + measured[key];
      }
      const view = results[0];
      if (view?.ok && view.signalsStatus.complete) return { calls, worst, total };
      if (calls > 1_000) throw new Error('the signals never completed');
    }
  }

  const results: BenchResult[] = [];
  const push = (name: string, goal: string, m: Measured, detail?: string) => results.push({ name, goal, value: describe(m), ...(detail ? { detail } : {}) });

  // What one page load read before: the whole history and every deliverable.
  {
    kvs.resetCounts();
    Object.assign(meter, { requests: 0, bytesRead: 0, readUnits: 0, largestRead: 0 });
    let records = 0;
    for await (const _record of deps.store.readHistory(scopeId)) records += 1;
    const listed = await deps.store.listDeliverables(scopeId);
    const counts = kvs.counts();
    results.push({
      name: `before: whole history (${records.toLocaleString('en')} records) and all ${listed.length.toLocaleString('en')} deliverables, as each page load read them`,
      goal: 'for comparison',
      value: `${meter.requests} storage requests, ${mb(meter.bytesRead)} read = ${meter.readUnits} read units, largest answer ${kb(meter.largestRead)}, largest query page ${counts.largestQueryLimit}`,
    });
  }

  const first = await measure([{ name: 'getProjectOverview', payload: {} }]);
  push('first page load of a project never counted (getProjectOverview)', '≤ one slice of work; answer ≪ 5 MB', first.measured, `folds ${PROJECT_PAGE_LIMITS.historySlice} records and ${PROJECT_PAGE_LIMITS.deliverablePages} deliverable pages`);
  const catchUp = await countToTheEnd();
  results.push({
    name: 'catching up that project (refreshSignals until complete)',
    goal: 'one-off; each call ≤ one slice',
    value: `${catchUp.calls} calls; worst call: ${describe(catchUp.worst)}`,
    detail: `all calls: ${catchUp.total.requests} storage requests, ${mb(catchUp.total.bytesRead)} read = ${catchUp.total.readUnits} read units`,
  });

  const steady = await measure<'getProjectOverview' | 'getHistoryPage'>([
    { name: 'getProjectOverview', payload: {} },
    { name: 'getHistoryPage', payload: { filters: {}, cursor: null } },
  ]);
  push('page load, counted project (getProjectOverview + first getHistoryPage)', 'constant in history length', steady.measured, '2 invocations');

  const closure: HistoryDraft = { id: 'rec-extra', scopeId, at: new Date(clock).toISOString(), actor: RAVI, deliverableId: states[0]?.id ?? null, kind: 'closure_allowed', data: { toState: 'Done' } };
  const oneMore = await deps.store.commit({ scopeId, history: [closure] });
  if (!oneMore.ok) throw new Error(oneMore.message);
  const afterOne = await measure([{ name: 'getProjectOverview', payload: {} }]);
  push('page load after one new record (getProjectOverview)', 'one record folded', afterOne.measured);

  const undocumented = await measure([{ name: 'getHistoryPage', payload: { filters: { undocumentedOnly: true }, cursor: null } }]);
  push('timeline page, "undocumented changes only" (getHistoryPage)', '≤ 25 rows', undocumented.measured);

  clock += DELIVERABLE_COUNT_MAX_AGE_MS + 1;
  const recount = await countToTheEnd();
  results.push({
    name: `deliverable figures counted again (${DELIVERABLE_COUNT_MAX_AGE_MS / 60_000} minutes on, refreshSignals until complete)`,
    goal: 'each call ≤ one slice',
    value: `${recount.calls} calls; worst call: ${describe(recount.worst)}`,
    detail: `all calls: ${recount.total.requests} storage requests, ${mb(recount.total.bytesRead)} read = ${recount.total.readUnits} read units`,
  });

  const csv = await measure([{ name: 'exportHistoryCsv', payload: { filters: {}, cursor: null } }]);
  const csvPart = csv.results[0];
  const nextCursor = csvPart?.ok ? csvPart.nextCursor : null;
  push(`CSV export, first part (${csvPart?.ok ? csvPart.rowCount : 0} rows)`, `≤ ${PROJECT_PAGE_LIMITS.exportRows} rows, ≤ ${mb(PROJECT_PAGE_LIMITS.exportBytes)}`, csv.measured, `${Math.ceil(RECORDS / PROJECT_PAGE_LIMITS.exportRows)} parts for the whole history`);
  const csvNext = await measure([{ name: 'exportHistoryCsv', payload: { filters: {}, cursor: nextCursor } }]);
  push('CSV export, second part', 'same as the first', csvNext.measured);
  const json = await measure([{ name: 'exportHistoryJson', payload: { filters: {}, cursor: null } }]);
  push('JSON export, first part', `≤ ${PROJECT_PAGE_LIMITS.exportRows} rows`, json.measured);

  let checks = 0;
  let check = await measure([{ name: 'verifyWholeHistory', payload: { restart: true } }]);
  let worstCheck = check.measured;
  let checkReads = check.measured.readUnits;
  for (;;) {
    checks += 1;
    const step = check.results[0];
    if (!step?.ok || step.check.done) break;
    check = await measure([{ name: 'verifyWholeHistory', payload: { restart: false } }]);
    checkReads += check.measured.readUnits;
    if (check.measured.readUnits > worstCheck.readUnits) worstCheck = check.measured;
  }
  results.push({ name: 'full check of the hash chain (verifyWholeHistory until done)', goal: 'on request only', value: `${checks} calls; worst call: ${describe(worstCheck)}`, detail: `all calls: ${checkReads} read units` });

  // The evidence bundle of the baseline, a part per call until the last, joined and verified.
  {
    const { verifyEvidenceBundle } = load('../src/reports/verify-evidence-bundle') as typeof import('../src/reports/verify-evidence-bundle');
    const started = Date.now();
    const parts: string[] = [];
    let worst: Measured | null = null;
    let readUnits = 0;
    let calls = 0;
    let cursor: string | null = null;
    do {
      const answer: { measured: Measured; results: ResolverResults['exportEvidenceBundle'][] } = await measure([{ name: 'exportEvidenceBundle', payload: { baselineId: 'bl-1', cursor } }]);
      const { measured } = answer;
      const part = answer.results[0];
      if (!part?.ok) throw new Error('the evidence bundle was refused');
      calls += 1;
      readUnits += measured.readUnits;
      if (!worst || measured.readUnits > worst.readUnits) worst = measured;
      parts.push(part.text);
      cursor = part.nextCursor;
    } while (cursor !== null);
    const seconds = (Date.now() - started) / 1000;
    const bundle = Buffer.from(parts.join(''), 'utf8');
    const verdict = verifyEvidenceBundle(bundle);
    results.push({
      name: 'evidence bundle of the baseline (exportEvidenceBundle until the last part)',
      goal: `each call ≤ ${PROJECT_PAGE_LIMITS.exportRows} records / ${mb(PROJECT_PAGE_LIMITS.exportBytes)}`,
      value: `${calls} calls (${parts.filter((p) => p !== '').length} parts to copy); worst call: ${worst ? describe(worst) : '-'}`,
      detail: `all calls: ${readUnits} read units; bundle ${mb(bundle.length)}, verify: ${verdict.ok ? `${verdict.records} records, ${verdict.signatures} sign-offs` : verdict.message}; ${seconds.toFixed(1)} s wall on the stand-ins`,
    });
  }

  results.push({ name: 'fill', goal: '—', value: `${RECORDS.toLocaleString('en')} records, ${ISSUES.toLocaleString('en')} deliverables, baseline of ${ISSUES * CRITERIA} criteria in ${fillSeconds.toFixed(0)} s` });
  return results;
}

if (require.main === module) runStandalone(bench);
