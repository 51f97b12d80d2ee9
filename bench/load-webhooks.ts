import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import path from 'node:path';
import { signBody } from '../linear-adapter/ingress/verify-signature';
import { postWebhook } from './post-webhook';

// The load generator of bench/webhook-ack.ts. It runs in a child process of its own: on the
// same event loop as the server it would steal the server's CPU and delay its own timers,
// and on this 2-core machine a second process gets the other core.

const FIXTURE = path.resolve(__dirname, '../test/fixtures/linear/03-issue-update-state-change-2026.json');
// Distinct bodies (issue ids) per phase; each request still gets its own Linear-Delivery id.
const POOL_SIZE = 1_000;

/** N requests always in flight, each sent when one returns: measures throughput. */
export interface ClosedLoad {
  kind: 'closed';
  url: string;
  secret: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

/** Requests sent on a fixed schedule whatever the answers do: latency includes queueing. */
export interface OpenLoad {
  kind: 'open';
  url: string;
  secret: string;
  ratePerSecond: number;
  warmupMs: number;
  durationMs: number;
}

export type LoadSpec = ClosedLoad | OpenLoad;

export interface LoadReport {
  /** Measured requests answered (any status), warm-up excluded. */
  requests: number;
  /** Answers other than 200, and requests that failed on the network. */
  failures: number;
  elapsedMs: number;
  throughputPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Open loop only: how late the client itself sent (p99), to show it kept to the schedule. */
  sendLagP99Ms: number | null;
}

interface SignedBody {
  raw: Buffer;
  signature: string;
}

/** Signs a pool of Linear deliveries now, so each phase stays well inside the 60 s timestamp window. */
function signPool(secret: string): SignedBody[] {
  const template = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { data: Record<string, unknown> } & Record<string, unknown>;
  const now = Date.now();
  return Array.from({ length: POOL_SIZE }, (_, i) => {
    const issueId = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const raw = Buffer.from(JSON.stringify({ ...template, webhookTimestamp: now, data: { ...template.data, id: issueId } }));
    return { raw, signature: signBody(raw, secret) };
  });
}

function sendPooled(agent: Agent, target: URL, body: SignedBody): Promise<number> {
  return postWebhook(agent, target, body.raw, body.signature, randomUUID());
}

export function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * share) - 1))] ?? Number.NaN;
}

function summarise(latencies: number[], failures: number, elapsedMs: number, sendLags: number[] | null): LoadReport {
  latencies.sort((a, b) => a - b);
  sendLags?.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    failures,
    elapsedMs,
    throughputPerSecond: (latencies.length / elapsedMs) * 1000,
    latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies[latencies.length - 1] ?? Number.NaN },
    sendLagP99Ms: sendLags ? percentile(sendLags, 0.99) : null,
  };
}

async function runClosed(spec: ClosedLoad, target: URL, pool: SignedBody[], agent: Agent, durationMs: number): Promise<LoadReport> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      while (performance.now() < deadline) {
        const sent = performance.now();
        const status = await sendPooled(agent, target, pool[next++ % pool.length]!);
        latencies.push(performance.now() - sent);
        if (status !== 200) failures += 1;
      }
    }),
  );
  return summarise(latencies, failures, performance.now() - started, null);
}

async function runOpen(spec: OpenLoad, target: URL, pool: SignedBody[], agent: Agent, durationMs: number): Promise<LoadReport> {
  const latencies: number[] = [];
  const sendLags: number[] = [];
  const inFlight: Promise<void>[] = [];
  let failures = 0;
  const total = Math.round((spec.ratePerSecond * durationMs) / 1000);
  const interval = 1000 / spec.ratePerSecond;
  const started = performance.now() + 5;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      // Timers fire late by a millisecond or more: catch up on everything now due.
      for (; sent < total && started + sent * interval <= now; sent += 1) {
        const scheduled = started + sent * interval;
        sendLags.push(performance.now() - scheduled);
        inFlight.push(
          sendPooled(agent, target, pool[sent % pool.length]!).then((status) => {
            // From the scheduled time, not the actual send: a late client must not hide a slow server.
            latencies.push(performance.now() - scheduled);
            if (status !== 200) failures += 1;
          }),
        );
      }
      if (sent < total) setTimeout(tick, Math.max(0, started + sent * interval - performance.now()));
      else resolve();
    };
    setTimeout(tick, 0);
  });
  await Promise.all(inFlight);
  return summarise(latencies, failures, performance.now() - started, sendLags);
}

/** Runs one load phase (warm-up, then the measurement) against `spec.url` and reports it. */
export async function loadWebhooks(spec: LoadSpec): Promise<LoadReport> {
  const target = new URL(spec.url);
  const pool = signPool(spec.secret);
  // A fresh agent per phase: a kept-alive socket the server closed while idle would fail the first request.
  const agent = new Agent({ keepAlive: true, maxSockets: spec.kind === 'closed' ? spec.concurrency : 256 });
  try {
    if (spec.kind === 'closed') {
      await runClosed(spec, target, pool, agent, spec.warmupMs);
      return await runClosed(spec, target, pool, agent, spec.durationMs);
    }
    await runOpen(spec, target, pool, agent, spec.warmupMs);
    return await runOpen(spec, target, pool, agent, spec.durationMs);
  } finally {
    agent.destroy();
  }
}

export interface WebhookLoadProcess {
  run(spec: LoadSpec): Promise<LoadReport>;
  stop(): Promise<void>;
}

type ChildMessage = { kind: 'report'; report: LoadReport } | { kind: 'error'; message: string };

/**
 * Forks this file as the load generator. The child inherits the parent's execArgv, which
 * carries tsx's loader when the bench runs under `npx tsx`.
 */
export function forkWebhookLoad(): WebhookLoadProcess {
  const child: ChildProcess = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    run(spec) {
      return new Promise((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`load generator exited (code ${code}) before reporting`));
        child.once('exit', onExit);
        child.once('message', (message: ChildMessage) => {
          child.off('exit', onExit);
          if (message.kind === 'report') resolve(message.report);
          else reject(new Error(`load generator failed: ${message.message}`));
        });
        child.send(spec);
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.disconnect();
      await exited;
    },
  };
}

if (require.main === module && process.send) {
  process.on('message', (spec: LoadSpec) => {
    loadWebhooks(spec).then(
      (report) => process.send!({ kind: 'report', report } satisfies ChildMessage),
      (error: unknown) => process.send!({ kind: 'error', message: (error as Error).stack ?? String(error) } satisfies ChildMessage),
    );
  });
  // The parent disconnecting is the signal to leave.
  process.on('disconnect', () => process.exit(0));
}
