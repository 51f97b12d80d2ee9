import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { parseWebhook } from './parse-webhook';
import type { NewDelivery, QueueStore } from '../queue/queue-types';
import { normaliseWebhookText } from './normalise-webhook-text';
import { verifySignature } from './verify-signature';

// The ingress pipeline for POST /webhooks/linear, independent of the HTTP server so it can be
// tested and benchmarked on its own. The order is fixed (docs/adr/0003-linear-ingress-inbox-outbox.md):
// size limit, signature over the raw bytes, delivery id, JSON, timestamp window, envelope,
// dedupe and durable insert. Nothing here calls Linear, and a refused delivery writes nothing.

/** Every way a delivery can end, as counted in scopekeeper_webhook_deliveries_total{outcome}. */
export const DELIVERY_OUTCOMES = [
  'stored',
  /** Stored, after characters PostgreSQL cannot store were replaced (normalise-webhook-text.ts). */
  'normalised',
  'duplicate',
  'ignored',
  'wrong_method',
  'too_large',
  'aborted',
  'missing_signature',
  'bad_signature',
  'missing_delivery_id',
  'malformed_json',
  'stale_timestamp',
  'invalid_envelope',
  'storage_unavailable',
] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/** The status each outcome is answered with: Linear retries anything but 2xx. */
export const STATUS_BY_OUTCOME: Record<DeliveryOutcome, number> = {
  stored: 200,
  normalised: 200,
  duplicate: 200,
  ignored: 200,
  wrong_method: 405,
  too_large: 413,
  aborted: 400,
  missing_signature: 401,
  bad_signature: 401,
  missing_delivery_id: 400,
  malformed_json: 400,
  stale_timestamp: 401,
  invalid_envelope: 400,
  storage_unavailable: 503,
};

export interface WebhookRequest {
  method: string;
  /** Header names in lower case, as node:http gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** The body as it arrives. Reading stops once it passes the size limit. */
  body: AsyncIterable<Uint8Array>;
}

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: { status: DeliveryOutcome; deliveryId?: string; error?: string; errors?: string[] };
  outcome: DeliveryOutcome;
  /** The body was left partly unread: the connection cannot be reused. */
  closeConnection: boolean;
}

export interface ReceiveWebhookDeps {
  secret: string;
  queue: Pick<QueueStore, 'enqueueDelivery'>;
  maxBodyBytes: number;
  /** How far `webhookTimestamp` may be from the clock, either direction. */
  windowMs: number;
  /** Unix milliseconds. */
  now: () => number;
  logger: Pick<Logger, 'debug' | 'warn' | 'error'>;
  deliveries?: Pick<Counter<'outcome'>, 'inc'>;
}

const MAX_DELIVERY_ID_LENGTH = 200;

/** Takes one POST /webhooks/linear from request to answer; never throws for a bad request. */
export async function receiveWebhook(request: WebhookRequest, deps: ReceiveWebhookDeps): Promise<WebhookResponse> {
  const deliveryId = headerOf(request, 'linear-delivery');
  const finish = (outcome: DeliveryOutcome, extra: Partial<WebhookResponse['body']> & { reason?: string } = {}, closeConnection = false): WebhookResponse => {
    const { reason, ...body } = extra;
    deps.deliveries?.inc({ outcome });
    const status = STATUS_BY_OUTCOME[outcome];
    const entry = { outcome, status, deliveryId: deliveryId ?? null, event: headerOf(request, 'linear-event') ?? null };
    if (outcome === 'normalised') deps.logger.warn({ ...entry, reason }, 'webhook normalised');
    else if (status === 200) deps.logger.debug(entry, `webhook ${outcome}`);
    else if (status >= 500) deps.logger.error({ ...entry, error: reason }, 'webhook not stored');
    else deps.logger.warn({ ...entry, reason: reason ?? body.error, errors: body.errors }, 'webhook rejected');
    const headers: Record<string, string> = {};
    if (outcome === 'wrong_method') headers.allow = 'POST';
    // Linear retries on its own schedule; this only tells other clients not to hammer a sick store.
    if (outcome === 'storage_unavailable') headers['retry-after'] = '60';
    return { status, headers, body: { status: outcome, ...(deliveryId && status === 200 ? { deliveryId } : {}), ...body }, outcome, closeConnection };
  };

  if (request.method !== 'POST') return finish('wrong_method', { error: 'Use POST to deliver Linear webhooks.' });

  // 1. Raw body, never more than the limit.
  const tooLarge = { error: `The body is larger than ${deps.maxBodyBytes} bytes.` };
  const declared = Number(headerOf(request, 'content-length'));
  if (Number.isFinite(declared) && declared > deps.maxBodyBytes) return finish('too_large', tooLarge, true);
  const read = await readLimited(request.body, deps.maxBodyBytes);
  if (read.kind === 'too_large') return finish('too_large', tooLarge, true);
  if (read.kind === 'aborted') return finish('aborted', { error: 'The body could not be read.', reason: read.message }, true);
  const raw = read.bytes;

  // 2. Authenticity over the exact bytes, before anything reads them.
  const signature = headerOf(request, 'linear-signature');
  if (signature === undefined) return finish('missing_signature', { error: 'The Linear-Signature header is missing.' });
  if (!verifySignature(raw, signature, deps.secret)) {
    return finish('bad_signature', { error: 'The Linear-Signature does not match the body signed with this webhook secret.' });
  }

  if (!deliveryId || deliveryId.length > MAX_DELIVERY_ID_LENGTH || !/^[\x21-\x7e]+$/.test(deliveryId)) {
    return finish('missing_delivery_id', { error: 'The Linear-Delivery header must carry the delivery id (up to 200 visible characters).' });
  }

  // 3. Parse, just to read the timestamp that sits inside the signed JSON.
  const text = raw.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return finish('malformed_json', { error: 'The body is not valid JSON.', reason: (error as Error).message });
  }
  const timestamp = (parsed as { webhookTimestamp?: unknown } | null)?.webhookTimestamp;
  // A missing or non-numeric timestamp is an envelope error, reported with the others below.
  if (typeof timestamp === 'number' && Number.isFinite(timestamp)) {
    const skewMs = deps.now() - timestamp;
    if (Math.abs(skewMs) > deps.windowMs) {
      return finish('stale_timestamp', {
        error: `webhookTimestamp is ${Math.round(Math.abs(skewMs) / 1000)} s ${skewMs > 0 ? 'old' : 'in the future'}; at most ${Math.round(deps.windowMs / 1000)} s is accepted.`,
      });
    }
  }

  // 4. What jsonb cannot hold is replaced once, here, so no stored delivery fails for it later.
  const normalised = normaliseWebhookText(raw, parsed);

  // 5. The envelope, and the data of the types Scopekeeper handles.
  const webhook = parseWebhook(normalised.value);
  if (!webhook.ok) return finish('invalid_envelope', { error: 'The body is not a Linear webhook envelope.', errors: webhook.errors });
  if (webhook.value.kind === 'ignored') return finish('ignored');

  // 6 and 7. Dedupe and store in one insert: the delivery id or the signed bytes seen before make a duplicate.
  const { event } = webhook.value;
  const delivery: NewDelivery = {
    deliveryId,
    receivedAt: new Date(deps.now()).toISOString(),
    eventType: event.type,
    action: event.action,
    // Everything about one issue is processed in arrival order.
    orderingKey: webhook.value.kind === 'issue' ? webhook.value.event.data.id : webhook.value.event.data.issueId,
    rawBody: normalised.replaced > 0 ? JSON.stringify(normalised.value) : text,
    signedBody: raw,
  };
  let stored: 'stored' | 'duplicate';
  try {
    stored = await deps.queue.enqueueDelivery(delivery);
  } catch (error) {
    return finish('storage_unavailable', { error: 'The delivery could not be stored; retry later.', reason: (error as Error).message });
  }
  // 8.
  if (stored === 'stored' && (normalised.replaced > 0 || normalised.invalidUtf8)) {
    const what = [
      normalised.replaced > 0 ? `${normalised.replaced} characters PostgreSQL cannot store (\\u0000 or a lone surrogate) replaced by U+FFFD` : null,
      normalised.invalidUtf8 ? 'invalid UTF-8 read as U+FFFD' : null,
    ].filter(Boolean).join('; ');
    return finish('normalised', { reason: `${what}; the exact signed bytes are kept` });
  }
  return finish(stored);
}

type ReadResult = { kind: 'ok'; bytes: Buffer } | { kind: 'too_large' } | { kind: 'aborted'; message: string };

async function readLimited(body: AsyncIterable<Uint8Array>, limit: number): Promise<ReadResult> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      // Stop at once: the rest is never read into memory.
      if (size > limit) return { kind: 'too_large' };
      chunks.push(chunk);
    }
  } catch (error) {
    return { kind: 'aborted', message: (error as Error).message };
  }
  return { kind: 'ok', bytes: Buffer.concat(chunks, size) };
}

function headerOf(request: WebhookRequest, name: string): string | undefined {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.trim();
}
