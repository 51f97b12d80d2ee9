import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createLogger } from '../linear-adapter/service/create-logger';
import { loadConfig } from '../linear-adapter/config/load-config';
import { startService } from '../linear-adapter/service/start-service';
import { verifySignature } from '../linear-adapter/ingress/verify-signature';
import type { OpenStoreOptions } from '../src/store/open-store';
import { openStore } from '../src/store/open-store';
import type { BenchResult } from './bench-result';
import { forkWebhookLoad, type LoadReport, type WebhookLoadProcess } from './load-webhooks';
import { runStandalone } from './print-results';

// POST /webhooks/linear: how fast the service acks with durable storage, against a bare Node
// server doing only the unavoidable part (HMAC over the raw bytes, JSON.parse). The service
// runs WITHOUT its inbox worker and outbox sender, so only ingress is measured. Servers run in
// this process; the load generator runs in a forked child (see load-webhooks.ts).

const SECRET = 'bench-webhook-secret';
const CONCURRENCY = 32;
const WARMUP_MS = 1_000;
const DURATION_MS = 5_000;
const OPEN_RATE = 1_000;
const THROUGHPUT_GOAL = '≥ 20 % of the bare server';
const LATENCY_GOAL = 'p99 ≤ 25 ms at 1,000 deliveries/s';

/** The floor any webhook receiver pays: read the body, check the HMAC, parse the JSON, answer. */
async function startBareServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const header = req.headers['linear-signature'];
      if (!verifySignature(raw, Array.isArray(header) ? header[0] : header, SECRET)) {
        res.writeHead(401).end();
        return;
      }
      JSON.parse(raw.toString('utf8'));
      const text = JSON.stringify({ status: 'ok' });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/linear`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The real service (HTTP server, verification, dedupe, inbox insert) over the given store. */
async function startIngress(store: OpenStoreOptions, dataDir: string): Promise<{ url: string; close(): Promise<void> }> {
  const config = loadConfig({ PORT: '0', SCOPEKEEPER_DATA_DIR: dataDir, LINEAR_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'silent' });
  if (!config.ok) throw new Error(config.errors.join('; '));
  const service = await startService(config.value, { logger: createLogger({ level: 'silent' }), openStore: () => openStore(store) });
  return { url: `${service.url}/webhooks/linear`, close: () => service.stop() };
}

function formatLatency(report: LoadReport): string {
  const { p50, p99, max } = report.latencyMs;
  return `${p50.toFixed(2)} ms (p50), ${p99.toFixed(2)} ms (p99), ${max.toFixed(1)} ms (max)`;
}

function describeRun(report: LoadReport): string {
  const failed = report.failures === 0 ? 'all answered 200' : `${report.failures} NOT answered 200`;
  return `${report.requests.toLocaleString('en')} requests in ${(report.elapsedMs / 1000).toFixed(1)} s, ${failed}`;
}

async function measureService(label: string, load: WebhookLoadProcess, store: OpenStoreOptions, bare: LoadReport): Promise<BenchResult[]> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-bench-ack-'));
  const service = await startIngress(store, dataDir);
  try {
    const closed = await load.run({ kind: 'closed', url: service.url, secret: SECRET, concurrency: CONCURRENCY, warmupMs: WARMUP_MS, durationMs: DURATION_MS });
    const open = await load.run({ kind: 'open', url: service.url, secret: SECRET, ratePerSecond: OPEN_RATE, warmupMs: WARMUP_MS, durationMs: DURATION_MS });
    const share = (closed.throughputPerSecond / bare.throughputPerSecond) * 100;
    return [
      {
        name: `webhook ack throughput, ${CONCURRENCY} in flight: service, inbox on ${label}`,
        goal: THROUGHPUT_GOAL,
        value: `${Math.round(closed.throughputPerSecond).toLocaleString('en')} req/s = ${share.toFixed(1)} % of bare; ${formatLatency(closed)}`,
        detail: `closed loop, ${describeRun(closed)}; ingress only (no inbox worker or outbox sender running)`,
      },
      {
        name: `webhook ack latency at ${OPEN_RATE.toLocaleString('en')} deliveries/s: service, inbox on ${label}`,
        goal: LATENCY_GOAL,
        value: formatLatency(open),
        detail:
          `open loop (sends scheduled by time, latency from the scheduled send, so queueing counts), ${describeRun(open)}; ` +
          `client send lag p99 ${open.sendLagP99Ms?.toFixed(2)} ms; ingress only`,
      },
    ];
  } finally {
    await service.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
}

/** The bare server's closed-loop throughput right now: the reference for the service measured next. */
async function measureBare(load: WebhookLoadProcess, before: string): Promise<{ report: LoadReport; result: BenchResult }> {
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const bareServer = await startBareServer();
  try {
    const report = await load.run({ kind: 'closed', url: bareServer.url, secret: SECRET, concurrency: CONCURRENCY, warmupMs: WARMUP_MS, durationMs: DURATION_MS });
    return {
      report,
      result: {
        name: `webhook ack throughput, ${CONCURRENCY} in flight: bare Node server (HMAC + JSON.parse only), just before ${before}`,
        goal: 'reference for the service',
        value: `${Math.round(report.throughputPerSecond).toLocaleString('en')} req/s; ${formatLatency(report)}`,
        detail: `closed loop, ${describeRun(report)}; load generator in a forked child process, keep-alive agent; 1-min load average ${loadBefore.toFixed(2)} before the run`,
      },
    };
  } finally {
    await bareServer.close();
  }
}

export async function bench(): Promise<BenchResult[]> {
  const load = forkWebhookLoad();
  try {
    // Other work on the machine moves the bare server's figure a lot (it is the cheapest, so the
    // most sensitive), so each service is compared with a bare run made just before it.
    const results: BenchResult[] = [];
    const pgliteDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-bench-pglite-'));
    try {
      const bare = await measureBare(load, 'PGlite');
      results.push(bare.result, ...(await measureService('PGlite', load, { dataDir: pgliteDir }, bare.report)));
    } finally {
      await rm(pgliteDir, { recursive: true, force: true });
    }

    const databaseUrl = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
    if (databaseUrl) {
      const schema = `sk_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
      try {
        const bare = await measureBare(load, 'PostgreSQL');
        results.push(bare.result, ...(await measureService('PostgreSQL', load, { databaseUrl, schema }, bare.report)));
      } finally {
        await dropSchema(databaseUrl, schema);
      }
    } else {
      results.push({ name: 'webhook ack (PostgreSQL)', goal: `${THROUGHPUT_GOAL}; ${LATENCY_GOAL}`, value: 'not run', detail: 'set DATABASE_URL or TEST_DATABASE_URL to measure PostgreSQL' });
    }
    return results;
  } finally {
    await load.stop();
  }
}

if (require.main === module) runStandalone(bench);
