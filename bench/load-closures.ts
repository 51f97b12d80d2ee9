import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import path from 'node:path';
import { signBody } from '../linear-adapter/ingress/verify-signature';
import { startLinearStandIn, type LinearSeed, type LinearStandIn, type SeedIssue } from '../test/support/linear-stand-in';
import { postWebhook } from './post-webhook';

// "Linear's side" of bench/revert-latency.ts, in a child process: the local Linear stand-in
// and the webhook sender. Both stamp times with the same clock (performance.timeOrigin + now),
// so send time and the revert's arrival compare exactly, and neither competes with the
// service's event loop for CPU.

export const API_KEY = 'lin_api_bench';
export const TEAM = { id: '70c49a0d-6973-4563-a743-8504f1a5171b', key: 'ENG', name: 'Engineering' };
export const STATES = {
  started: { id: 'state-started', name: 'In Progress', type: 'started', teamId: TEAM.id },
  completed: { id: 'state-completed', name: 'Done', type: 'completed', teamId: TEAM.id },
};
const DEVELOPER = { id: 'user-dev', name: 'Dev Kumar', email: 'dev@vendor.example' };
// Criteria the quality hints are happy with, so creating the issues sends nothing to Linear.
const DESCRIPTION = [
  'Customers pay open invoices online.',
  '',
  '## Acceptance criteria',
  '- [ ] The invoice list shows each open invoice with its amount and due date',
  '- [ ] Paying an invoice shows a receipt number within 5 seconds',
].join('\n');
const FIXTURE = path.resolve(__dirname, '../test/fixtures/linear/02-issue-create-2026.json');

export function issueIdOf(index: number): string {
  return `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

/** A signed-ready Issue webhook for issue `index`, built on a recorded payload as Linear sends it. */
export function buildIssueWebhook(index: number, action: 'create' | 'update'): Record<string, unknown> {
  const base = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { data: Record<string, unknown> } & Record<string, unknown>;
  const state = action === 'create' ? STATES.started : STATES.completed;
  return {
    ...base,
    action,
    webhookTimestamp: Date.now(),
    actor: { id: DEVELOPER.id, name: DEVELOPER.name, email: DEVELOPER.email, type: 'user' },
    data: {
      ...base.data,
      id: issueIdOf(index),
      identifier: `ENG-${index + 1}`,
      number: index + 1,
      title: `Deliverable ${index + 1}`,
      description: DESCRIPTION,
      teamId: TEAM.id,
      team: TEAM,
      state: { id: state.id, name: state.name, type: state.type, color: '#000000' },
      stateId: state.id,
      assigneeId: DEVELOPER.id,
      labelIds: [],
      labels: [],
    },
    // A developer moved it to Done; Linear names the state it came from.
    ...(action === 'update' ? { updatedFrom: { stateId: STATES.started.id, updatedAt: '2026-06-20T00:24:05.106Z' } } : {}),
  };
}

export interface ClosureRun {
  serviceUrl: string;
  secret: string;
  issues: number;
  ratePerSecond: number;
  /** How long to wait for the last reverts after the last send. */
  timeoutMs: number;
}

export interface ClosureReport {
  sent: number;
  /** Closures not answered 200 by the service. */
  notAcked: number;
  reverts: number;
  /** issueUpdate calls beyond the first per issue: should be 0. */
  extraReverts: number;
  /** Send of each closure to its revert reaching the stand-in, ms, ascending. */
  latenciesMs: number[];
  sendSeconds: number;
  /** CPU the stand-in process used from the first send to the last revert, as a share of one core. */
  standInCpuShare: number;
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

/** First successful revert (issueUpdate back to the started state) per issue, and how many more came. */
function findReverts(linear: LinearStandIn): { firstAt: Map<string, number>; extra: number } {
  const firstAt = new Map<string, number>();
  let extra = 0;
  for (const op of linear.operations()) {
    if (!/\bissueUpdate\s*\(/.test(op.query) || op.errors.length > 0) continue;
    const input = op.variables.input as { stateId?: unknown } | undefined;
    if (input?.stateId !== STATES.started.id || typeof op.variables.id !== 'string') continue;
    if (firstAt.has(op.variables.id)) extra += 1;
    else firstAt.set(op.variables.id, op.receivedAt);
  }
  return { firstAt, extra };
}

/**
 * Sends one refused closure per issue at a fixed rate, scheduled by time, then waits for every
 * revert (or the timeout) and matches each to its closure by issue id.
 */
export async function loadClosures(linear: LinearStandIn, run: ClosureRun): Promise<ClosureReport> {
  const target = new URL(`${run.serviceUrl}/webhooks/linear`);
  const bodies = Array.from({ length: run.issues }, (_, i) => Buffer.from(JSON.stringify(buildIssueWebhook(i, 'update'))));
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const sentAt = new Map<string, number>();
  const acks: Promise<number>[] = [];
  const interval = 1000 / run.ratePerSecond;
  const cpuBefore = process.cpuUsage();
  const started = performance.now() + 5;
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = (): void => {
      for (; next < run.issues && started + next * interval <= performance.now(); next += 1) {
        const issueId = issueIdOf(next);
        // In Linear the move to Done happens before the webhook is sent.
        linear.updateIssue(issueId, { stateId: STATES.completed.id });
        sentAt.set(issueId, now());
        acks.push(postWebhook(agent, target, bodies[next]!, signBody(bodies[next]!, run.secret), `bench-closure-${next}`));
      }
      if (next < run.issues) setTimeout(tick, Math.max(0, started + next * interval - performance.now()));
      else resolve();
    };
    setTimeout(tick, 0);
  });
  const sendSeconds = (performance.now() - started) / 1000;
  const statuses = await Promise.all(acks);
  agent.destroy();

  const deadline = Date.now() + run.timeoutMs;
  let reverts = findReverts(linear);
  while (reverts.firstAt.size < run.issues && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    reverts = findReverts(linear);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const standInCpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - started);
  const latenciesMs = [...reverts.firstAt].map(([issueId, at]) => at - (sentAt.get(issueId) ?? Number.NaN)).sort((a, b) => a - b);
  return {
    sent: run.issues,
    notAcked: statuses.filter((s) => s !== 200).length,
    reverts: reverts.firstAt.size,
    extraReverts: reverts.extra,
    latenciesMs,
    sendSeconds,
    standInCpuShare,
  };
}

type ParentMessage = { kind: 'run'; run: ClosureRun };
type ChildMessage = { kind: 'ready'; linearUrl: string } | { kind: 'report'; report: ClosureReport } | { kind: 'error'; message: string };

export interface ClosureLoadProcess {
  linearUrl: string;
  run(run: ClosureRun): Promise<ClosureReport>;
  stop(): Promise<void>;
}

/**
 * Forks this file: a Linear stand-in seeded with `issues` issues in the started state, plus
 * the closure sender. The child inherits execArgv, which carries tsx's loader under `npx tsx`.
 */
export async function forkClosureLoad(issues: number): Promise<ClosureLoadProcess> {
  const child: ChildProcess = fork(__filename, [String(issues)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = () =>
    new Promise<ChildMessage>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`Linear stand-in process exited (code ${code})`));
      child.once('exit', onExit);
      child.once('message', (message: ChildMessage) => {
        child.off('exit', onExit);
        if (message.kind === 'error') reject(new Error(`Linear stand-in process failed: ${message.message}`));
        else resolve(message);
      });
    });
  const ready = await next();
  if (ready.kind !== 'ready') throw new Error(`unexpected first message ${ready.kind}`);
  return {
    linearUrl: ready.linearUrl,
    async run(run) {
      const answer = next();
      child.send({ kind: 'run', run } satisfies ParentMessage);
      const message = await answer;
      if (message.kind !== 'report') throw new Error(`unexpected message ${message.kind}`);
      return message.report;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.disconnect();
      await exited;
    },
  };
}

/** The stand-in's seed for `issueCount` issues in the started state (the soak uses it too). */
export function closureSeed(issueCount: number): LinearSeed {
  const issues: SeedIssue[] = Array.from({ length: issueCount }, (_, i) => ({
    id: issueIdOf(i),
    teamId: TEAM.id,
    stateId: STATES.started.id,
    identifier: `ENG-${i + 1}`,
    title: `Deliverable ${i + 1}`,
    description: DESCRIPTION,
    assigneeId: DEVELOPER.id,
  }));
  return { users: [DEVELOPER], teams: [TEAM], states: Object.values(STATES), issues };
}

async function serveAsChild(issueCount: number): Promise<void> {
  const linear = await startLinearStandIn(closureSeed(issueCount), { apiKey: API_KEY });
  process.on('message', (message: ParentMessage) => {
    loadClosures(linear, message.run).then(
      (report) => process.send!({ kind: 'report', report } satisfies ChildMessage),
      (error: unknown) => process.send!({ kind: 'error', message: (error as Error).stack ?? String(error) } satisfies ChildMessage),
    );
  });
  // The parent stops the service first, then disconnects: the stand-in closes last.
  process.on('disconnect', () => void linear.close().finally(() => process.exit(0)));
  process.send!({ kind: 'ready', linearUrl: linear.url } satisfies ChildMessage);
}

if (require.main === module && process.send) {
  serveAsChild(Number(process.argv[2])).catch((error: unknown) => {
    process.send!({ kind: 'error', message: (error as Error).stack ?? String(error) } satisfies ChildMessage);
    process.exit(1);
  });
}
