import { request, type ClientRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signBody } from '../../../linear-adapter/ingress/verify-signature';
import type { ServiceContext } from '../../../linear-adapter/service/start-service';
import { freshPayload, nextDeliveryId, startHarness, SECRET, type Harness } from './ingress-harness';

// Operations of the running service: /healthz, /metrics, the first-start webhook secret,
// plugged-in parts (hooks) and graceful shutdown.

const NOW = '2026-03-01T10:00:00.000Z';

describe('GET /healthz', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  it('reports the database, the inbox backlog and the outbox permanent failures with their latest errors', async () => {
    harness = await startHarness();
    expect((await harness.deliver(freshPayload('issueCreate'))).status).toBe(200);
    const { queue } = harness.service.context;
    await queue.enqueueActions(
      [
        { type: 'comment', id: 'act-1', issueId: 'issue-1', body: 'Closure refused' },
        { type: 'set_state', id: 'act-2', issueId: 'issue-2', stateId: 'state-started' },
      ],
      'delivery-1',
      NOW,
    );
    await queue.claimDueActions(10, NOW);
    await queue.markActionFailed('act-2', 'Entity not found: Issue', NOW);

    const response = await fetch(`${harness.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'degraded',
      reasons: [expect.stringMatching(/^an action has waited \d+ s to be sent$/), '1 actions were refused by Linear'],
      mode: 'shadow',
      database: 'ok',
      linear: { status: 'not_configured', viewerKnown: false, lastAnswerAt: null, since: null, lastError: null, rateLimitedUntil: null },
      inbox: { backlog: 1, oldestPendingSeconds: expect.any(Number), failed: 0 },
      outbox: {
        backlog: 1,
        oldestPendingSeconds: expect.any(Number),
        failed: 1,
        latestFailures: [
          { id: 'act-2', type: 'set_state', issueId: 'issue-2', deliveryId: 'delivery-1', attempts: 1, error: 'Entity not found: Issue', createdAt: NOW },
        ],
      },
    });
  });

  it('says degraded, and why, when a delivery has waited past the threshold and while Linear rate limits; ok once both are over', async () => {
    let clock = Date.now();
    harness = await startHarness({ LINEAR_API_KEY: 'lin_api_test', SCOPEKEEPER_DEGRADED_AFTER_SECONDS: '30' }, { now: () => clock });
    const { linearHealth, queue } = harness.service.context;
    linearHealth.setViewerKnown();
    linearHealth.observe({ answered: true });
    expect((await harness.deliver(freshPayload('issueCreate'))).status).toBe(200);
    const health = async () => (await fetch(`${harness!.url}/healthz`)).json() as Promise<Record<string, unknown>>;
    expect(await health()).toMatchObject({ status: 'ok', inbox: { backlog: 1, oldestPendingSeconds: 0 } });

    // Linear answers every read with a rate limit, so the delivery cannot be processed: no action
    // reaches the outbox, and the waiting delivery alone must show.
    clock += 45_000;
    linearHealth.observe({ answered: true, rateLimitedUntil: clock + 60_000 });
    const limited = await health();
    expect(limited).toMatchObject({
      status: 'degraded',
      reasons: [
        `Linear asked Scopekeeper to wait until ${new Date(clock + 60_000).toISOString()} (rate limit); deliveries and actions wait`,
        'a delivery has waited 45 s to be processed',
      ],
      linear: { status: 'rate_limited', rateLimitedUntil: new Date(clock + 60_000).toISOString() },
      inbox: { backlog: 1, oldestPendingSeconds: 45 },
      outbox: { backlog: 0 },
    });
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    expect(metrics).toMatch(/^scopekeeper_linear_rate_limited 1$/m);
    expect(metrics).toMatch(/^scopekeeper_linear_reachable 1$/m);
    expect(metrics).toMatch(/^scopekeeper_inbox_oldest_pending_seconds 45$/m);

    // The wait ran out and the delivery left the inbox (given up on here, which is its own reason): neither wait shows.
    clock += 61_000;
    const [claimed] = await queue.claimDeliveries(1, new Date(clock).toISOString());
    await queue.failDelivery(claimed!.deliveryId, 'test: taken out of the inbox', new Date(clock).toISOString());
    expect(await health()).toMatchObject({
      reasons: ['1 deliveries were given up on; see scopekeeper deliveries list'],
      linear: { status: 'ok', rateLimitedUntil: null },
      inbox: { backlog: 0, oldestPendingSeconds: 0 },
    });
  });

  it('reports enforce mode when a Linear API key is configured', async () => {
    harness = await startHarness({ LINEAR_API_KEY: 'lin_api_test' });
    // No worker has read the API key's Linear user yet: degraded, and it says why.
    expect(await (await fetch(`${harness.url}/healthz`)).json()).toMatchObject({
      status: 'degraded',
      reasons: ["the API key's Linear user has not been read yet; deliveries wait"],
      mode: 'enforce',
      database: 'ok',
      linear: { status: 'unknown', viewerKnown: false },
    });
  });

  it('answers 503 when the database does not answer, and webhooks get 503 so that Linear retries', async () => {
    harness = await startHarness();
    await harness.service.context.store.close();
    const health = await fetch(`${harness.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'unavailable', mode: 'shadow', database: expect.stringMatching(/^unavailable: /) });
    expect((await harness.deliver(freshPayload('issueCreate'))).status).toBe(503);
  });

  it('answers 405 to a POST, and hands other paths to the console, which asks a visitor without a session to sign in', async () => {
    harness = await startHarness();
    const post = await fetch(`${harness.url}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const missing = await fetch(`${harness.url}/webhooks/jira`, { redirect: 'manual' });
    expect(missing.status).toBe(303);
    expect(missing.headers.get('location')).toBe('/sign-in?next=%2Fwebhooks%2Fjira');
  });
});

describe('GET /metrics', () => {
  it('exposes deliveries by outcome, processing latency, actions sent or failed, the inbox backlog and outbox failures as Prometheus text', async () => {
    const harness = await startHarness();
    try {
      await harness.deliver(freshPayload('issueCreate'));
      await harness.deliver(freshPayload('issueCreate'), { headers: { 'linear-signature': 'f'.repeat(64) } });
      const { metrics, queue } = harness.service.context;
      await queue.enqueueActions([{ type: 'comment', id: 'act-1', issueId: 'issue-1', body: 'x' }], null, NOW);
      await queue.claimDueActions(1, NOW);
      await queue.markActionFailed('act-1', 'Forbidden', NOW);
      // The worker and the outbox sender record these through the same handles.
      metrics.linearActions.inc({ type: 'comment', result: 'failed' });
      metrics.deliveryProcessingSeconds.observe(0.2);

      const response = await fetch(`${harness.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).toMatch(/^scopekeeper_webhook_deliveries_total\{outcome="stored"\} 1$/m);
      expect(text).toMatch(/^scopekeeper_webhook_deliveries_total\{outcome="bad_signature"\} 1$/m);
      expect(text).toMatch(/^scopekeeper_webhook_deliveries_total\{outcome="stale_timestamp"\} 0$/m);
      expect(text).toMatch(/^scopekeeper_linear_actions_total\{type="comment",result="failed"\} 1$/m);
      expect(text).toMatch(/^scopekeeper_linear_actions_total\{type="set_state",result="sent"\} 0$/m);
      expect(text).toMatch(/^scopekeeper_delivery_processing_seconds_bucket\{le="0.25"\} 1$/m);
      expect(text).toMatch(/^scopekeeper_inbox_backlog 1$/m);
      expect(text).toMatch(/^scopekeeper_outbox_failed 1$/m);
    } finally {
      await harness.stop();
    }
  });
});

describe('startService', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'scopekeeper-start-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints a generated webhook secret with the Linear steps on first start, verifies with it, and reuses it silently later', async () => {
    const printed: string[] = [];
    const env = { SCOPEKEEPER_DATA_DIR: dataDir, LINEAR_WEBHOOK_SECRET: '' };
    // The console's sign-in link is printed on every start; the secret only on the first.
    const notice = (text: string) => void (text.includes('webhook signing secret') && printed.push(text));
    const first = await startHarness(env, { printNotice: notice });
    let secret: string;
    try {
      expect(printed).toHaveLength(1);
      secret = /^ {4}([0-9a-f]{64})$/m.exec(printed[0]!)?.[1] ?? '';
      expect(secret).not.toBe('');
      expect(printed[0]).toContain('Settings → API → Webhooks');
      const raw = JSON.stringify(freshPayload('issueCreate'));
      const response = await first.post(raw, { 'linear-signature': signBody(raw, secret), 'linear-delivery': nextDeliveryId() });
      expect(response.status).toBe(200);
    } finally {
      await first.stop();
    }

    const second = await startHarness(env, { printNotice: notice });
    try {
      expect(printed).toHaveLength(1);
      const raw = JSON.stringify(freshPayload('issueCreate'));
      expect((await second.post(raw, { 'linear-signature': signBody(raw, secret), 'linear-delivery': nextDeliveryId() })).status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('starts plugged-in parts with the service context and stops them before the store closes', async () => {
    const events: string[] = [];
    let seen: ServiceContext | undefined;
    const harness = await startHarness(
      { SCOPEKEEPER_APPROVERS: 'anna@example.com' },
      {
        onStart: [
          (context) => {
            seen = context;
            events.push('worker started');
            return {
              async stop() {
                // Still able to use the store: a worker finishes its delivery on shutdown.
                events.push(`worker stopped with backlog ${await context.queue.inboxBacklog()}`);
              },
            };
          },
          () => {
            events.push('sender started');
            return { stop: async () => void events.push('sender stopped') };
          },
        ],
      },
    );
    expect(seen).toMatchObject({ mode: 'shadow', policy: { approverUserIds: ['anna@example.com'], doneStateTypes: ['completed'] } });
    await harness.deliver(freshPayload('issueCreate'));
    await harness.stop();
    expect(events).toEqual(['worker started', 'sender started', 'sender stopped', 'worker stopped with backlog 1']);
  });

  it('tells plugged-in parts about each newly stored delivery, and not about duplicates or refusals', async () => {
    const stored: string[] = [];
    const harness = await startHarness({}, { onStart: () => ({ stop: async () => undefined, onDeliveryStored: (id) => void stored.push(id) }) });
    try {
      const deliveryId = nextDeliveryId();
      const payload = freshPayload('issueCreate');
      await harness.deliver(payload, { deliveryId });
      await harness.deliver(payload, { deliveryId });
      await harness.deliver(payload, { headers: { 'linear-signature': undefined } });
      expect(stored).toEqual([deliveryId]);
    } finally {
      await harness.stop();
    }
  });

  it('refuses to start, and closes what it opened, when a plugged-in part fails to start', async () => {
    let closed = false;
    await expect(
      startHarness(
        {},
        {
          onStart: (context) => {
            const close = context.store.close.bind(context.store);
            context.store.close = async () => {
              closed = true;
              await close();
            };
            throw new Error('worker could not start');
          },
        },
      ),
    ).rejects.toThrow('worker could not start');
    expect(closed).toBe(true);
  });

  it('lets an in-flight delivery finish on shutdown while refusing new connections', async () => {
    const harness = await startHarness();
    const raw = JSON.stringify(freshPayload('issueStateChange'));
    const url = new URL('/webhooks/linear', harness.url);
    let req: ClientRequest | undefined;
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req = request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          'content-length': Buffer.byteLength(raw),
          'linear-signature': signBody(raw, SECRET),
          'linear-delivery': nextDeliveryId(),
          // The server answers 100 Continue once the request is in its hands.
          expect: '100-continue',
        },
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
    });
    await new Promise<void>((resolve) => req!.once('continue', () => resolve()));
    req!.write(raw.slice(0, 100));

    const stopped = harness.stop();
    await expect(fetch(`${harness.url}/healthz`)).rejects.toThrow();
    req!.end(raw.slice(100));
    expect(await answered).toEqual({ status: 200, body: expect.stringContaining('"status":"stored"') });
    await stopped;
  });
});
