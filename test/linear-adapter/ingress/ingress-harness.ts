import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { createLogger } from '../../../linear-adapter/service/create-logger';
import { loadConfig } from '../../../linear-adapter/config/load-config';
import { startService, type RunningService, type StartServiceDeps } from '../../../linear-adapter/service/start-service';
import { signBody } from '../../../linear-adapter/ingress/verify-signature';
import { openStore } from '../../../src/store/open-store';
import { readLinearPayload, readLinearPayloadBytes, type LinearPayloadName } from '../../fixtures/linear';

// Runs the real service (HTTP server, inbox on in-memory PGlite) for the ingress tests, with
// its JSON log captured, and signs the recorded Linear payloads as Linear would.

export const SECRET = 'test-webhook-secret-3f9a';
export const FIXTURE_NAMES = [
  'commentCreate',
  'issueCreate',
  'issueStateChange',
  'issueDescriptionEdit',
] as const satisfies readonly LinearPayloadName[];

export type Payload = Record<string, unknown> & { data: Record<string, unknown> };

/** A recorded payload with a fresh `webhookTimestamp`, as if Linear sent it now. */
export function freshPayload(name: LinearPayloadName, now = Date.now()): Payload {
  const payload = readLinearPayload(name) as Payload;
  return { ...payload, webhookTimestamp: now };
}

export function readFixtureText(name: LinearPayloadName): string {
  return readLinearPayloadBytes(name).toString('utf8');
}

export interface InboxRow {
  delivery_id: string;
  event_type: string;
  action: string;
  ordering_key: string | null;
  raw_body: string;
  status: string;
}

export interface Harness {
  url: string;
  service: RunningService;
  /** Every log line the service wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  /** POSTs exactly these bytes to /webhooks/linear; a header set to undefined is left out. */
  post(raw: string, headers?: Record<string, string | undefined>): Promise<Response>;
  /** Signs the bytes with the webhook secret and POSTs them with Linear's headers. */
  deliver(payload: object | string, options?: { deliveryId?: string; headers?: Record<string, string | undefined> }): Promise<Response>;
  inboxRows(): Promise<InboxRow[]>;
  /** scopekeeper_webhook_deliveries_total{outcome} as scraped from GET /metrics. */
  deliveriesCounted(outcome: string): Promise<number>;
  stop(): Promise<void>;
}

let deliveryCounter = 0;
export function nextDeliveryId(): string {
  deliveryCounter += 1;
  return `5c4f1e0a-0000-4000-8000-${String(deliveryCounter).padStart(12, '0')}`;
}

export async function startHarness(env: Record<string, string> = {}, deps: StartServiceDeps = {}): Promise<Harness> {
  const config = loadConfig({
    PORT: '0',
    SCOPEKEEPER_DATA_DIR: path.join(tmpdir(), 'scopekeeper-ingress-unused'),
    LINEAR_WEBHOOK_SECRET: SECRET,
    SCOPEKEEPER_MAX_BODY_BYTES: '65536',
    ...env,
  });
  if (!config.ok) throw new Error(config.errors.join('; '));
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const service = await startService(config.value, {
    logger: createLogger({ level: 'debug', destination }),
    openStore: () => openStore({ dataDir: 'memory://' }),
    ...deps,
  });
  const url = service.url;

  const post = (raw: string, headers: Record<string, string | undefined> = {}) =>
    fetch(`${url}/webhooks/linear`, {
      method: 'POST',
      body: raw,
      headers: Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    });

  return {
    url,
    service,
    logs,
    post,
    deliver(payload, options = {}) {
      const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
      const type = typeof payload === 'object' && payload !== null && 'type' in payload ? String((payload as { type: unknown }).type) : 'Issue';
      return post(raw, {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Linear-Webhook',
        'linear-delivery': options.deliveryId ?? nextDeliveryId(),
        'linear-event': type,
        'linear-signature': signBody(raw, SECRET),
        ...options.headers,
      });
    },
    async inboxRows() {
      const { rows } = await sql<InboxRow>`
        select delivery_id, event_type, action, ordering_key, raw_body, status from linear_inbox order by seq`.execute(
        service.context.store.database,
      );
      return rows;
    },
    async deliveriesCounted(outcome) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const match = new RegExp(`^scopekeeper_webhook_deliveries_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text);
      if (!match) throw new Error(`no deliveries counter for outcome ${outcome} in /metrics`);
      return Number(match[1]);
    },
    stop: () => service.stop(),
  };
}
