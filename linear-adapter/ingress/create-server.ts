import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ScopeStore } from '../../src/core/store';
import type { Metrics } from '../service/create-metrics';
import type { ServiceMode } from '../config/load-config';
import type { SqlQueueStore } from '../queue/queue-store';
import type { LinearHealth } from '../service/track-linear-health';
import { secondsSince } from '../service/seconds-since';
import { receiveWebhook } from './receive-webhook';

export const WEBHOOK_PATH = '/webhooks/linear';
const LATEST_FAILURES = 5;

export interface ServerDeps {
  /** A read through the port proves the database answers and the schema is migrated. */
  store: Pick<ScopeStore, 'getHistoryHead'>;
  queue: Pick<SqlQueueStore, 'enqueueDelivery' | 'inboxBacklog' | 'inboxOldestPendingAt' | 'countFailedDeliveries' | 'countFailedActions' | 'listFailedActions' | 'outboxBacklog'>;
  /** Whether Linear answered recently; without it /healthz reports Linear as not configured. */
  linearHealth?: LinearHealth;
  /** An action waiting longer than this makes /healthz degraded. Default 120 s. */
  degradedAfterMs?: number;
  webhook: { secret: string; maxBodyBytes: number; windowMs: number };
  metrics: Metrics;
  logger: Logger;
  mode: ServiceMode;
  /** Unix milliseconds; the webhook timestamp window is checked against it. */
  now?: () => number;
  /** Takes every other route (the console: pages, sign-in, /api/); without it they are 404. */
  console?: { handle(req: IncomingMessage, res: ServerResponse): Promise<void> };
  /** Called after a new delivery was stored and answered, e.g. to wake the inbox worker. Must not throw. */
  onDeliveryStored?: (deliveryId: string) => void;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const DEFAULT_DEGRADED_AFTER_MS = 120_000;

async function checkHealth(deps: ServerDeps, nowMs: number): Promise<{ status: number; body: unknown }> {
  try {
    await deps.store.getHistoryHead('healthz');
    const [backlog, oldestDelivery, failedDeliveries, failedActions, latest, outbox] = await Promise.all([
      deps.queue.inboxBacklog(),
      deps.queue.inboxOldestPendingAt(),
      deps.queue.countFailedDeliveries(),
      deps.queue.countFailedActions(),
      deps.queue.listFailedActions(LATEST_FAILURES),
      deps.queue.outboxBacklog(),
    ]);
    const linear = deps.linearHealth?.snapshot() ?? { status: 'not_configured', viewerKnown: false, lastAnswerAt: null, since: null, lastError: null, rateLimitedUntil: null };
    const ageSeconds = (iso: string | null) => Math.round(secondsSince(iso, nowMs));
    const oldestPendingSeconds = ageSeconds(outbox.oldestCreatedAt);
    const oldestDeliverySeconds = ageSeconds(oldestDelivery);
    const degradedAfterMs = deps.degradedAfterMs ?? DEFAULT_DEGRADED_AFTER_MS;
    // Each reason in plain words; any of them makes the service degraded.
    const reasons = [
      ...(linear.status === 'unreachable' ? [`Linear cannot be reached (${linear.lastError ?? 'no answer'}); actions wait in the outbox`] : []),
      ...(linear.status === 'failing' ? [`Linear answers with server errors (${linear.lastError ?? 'unknown'}); actions wait in the outbox`] : []),
      ...(linear.status === 'rate_limited' ? [`Linear asked Scopekeeper to wait until ${linear.rateLimitedUntil ?? 'later'} (rate limit); deliveries and actions wait`] : []),
      ...(linear.status !== 'not_configured' && !linear.viewerKnown ? ["the API key's Linear user has not been read yet; deliveries wait"] : []),
      ...(outbox.pending > 0 && oldestPendingSeconds * 1000 > degradedAfterMs ? [`an action has waited ${oldestPendingSeconds} s to be sent`] : []),
      // Deliveries wait too when Linear cannot be read (an issue's facts come before any action).
      ...(backlog > 0 && oldestDeliverySeconds * 1000 > degradedAfterMs ? [`a delivery has waited ${oldestDeliverySeconds} s to be processed`] : []),
      ...(failedDeliveries > 0 ? [`${failedDeliveries} deliveries were given up on; see scopekeeper deliveries list`] : []),
      ...(failedActions > 0 ? [`${failedActions} actions were refused by Linear`] : []),
    ];
    return {
      // Degraded is worth a look, but the service still takes deliveries and a restart would not
      // help: 200 either way (docs/adr/0008-keyed-worker-retry-health.md). 503 only without a database.
      status: 200,
      body: {
        status: reasons.length > 0 ? 'degraded' : 'ok',
        ...(reasons.length > 0 ? { reasons } : {}),
        mode: deps.mode,
        database: 'ok',
        linear,
        inbox: { backlog, oldestPendingSeconds: oldestDeliverySeconds, failed: failedDeliveries },
        outbox: {
          backlog: outbox.pending,
          oldestPendingSeconds,
          failed: failedActions,
          latestFailures: latest.map((entry) => ({
            id: entry.id,
            type: entry.action?.type ?? null,
            issueId: entry.issueId,
            deliveryId: entry.deliveryId,
            attempts: entry.attempts,
            error: entry.lastError,
            createdAt: entry.createdAt,
          })),
        },
      },
    };
  } catch (error) {
    deps.logger.error({ error: (error as Error).message }, 'health check failed: database unavailable');
    return { status: 503, body: { status: 'unavailable', mode: deps.mode, database: `unavailable: ${(error as Error).message}` } };
  }
}

/**
 * The HTTP service: POST /webhooks/linear, GET /healthz, GET /metrics. A webhook is answered as
 * soon as its inbox insert is done; nothing else is awaited on that path. One catch maps
 * unexpected faults to 500 so a bug never kills the process.
 */
export function createServer(deps: ServerDeps): Server {
  const now = deps.now ?? Date.now;
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = `${req.method} ${url.pathname}`;
    void (async () => {
      if (url.pathname === WEBHOOK_PATH) {
        const answer = await receiveWebhook(
          // Stop reading at the limit without destroying the socket the 413 goes out on.
          { method: req.method ?? '', headers: req.headers, body: req.iterator({ destroyOnReturn: false }) },
          { ...deps.webhook, queue: deps.queue, now, logger: deps.logger, deliveries: deps.metrics.webhookDeliveries },
        );
        // A body left unread cannot be skipped on a kept-alive connection.
        const headers = answer.closeConnection ? { ...answer.headers, connection: 'close' } : answer.headers;
        sendJson(res, answer.status, answer.body, headers);
        if (answer.outcome === 'stored' && answer.body.deliveryId) deps.onDeliveryStored?.(answer.body.deliveryId);
        return;
      }
      if (url.pathname === '/healthz' || url.pathname === '/metrics') {
        if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: `Use GET ${url.pathname}.` }, { allow: 'GET, HEAD' });
        if (url.pathname === '/healthz') {
          const health = await checkHealth(deps, now());
          return sendJson(res, health.status, health.body);
        }
        const text = await deps.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': deps.metrics.registry.contentType, 'content-length': Buffer.byteLength(text) });
        return res.end(text);
      }
      if (deps.console) return deps.console.handle(req, res);
      return sendJson(res, 404, { error: `No route for ${route}. Try POST ${WEBHOOK_PATH}, GET /healthz or GET /metrics.` });
    })().catch((error: unknown) => {
      deps.logger.error({ route, error: (error as Error).message }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal error; see the service log.' });
      else res.end();
    });
  });
  // Linear wants an answer within 5 s; a client that trickles its request must not hold a socket for minutes.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  return server;
}
