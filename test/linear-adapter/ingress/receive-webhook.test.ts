import { request } from 'node:http';
import { sql } from 'kysely';
import { signBody } from '../../../linear-adapter/ingress/verify-signature';
import { FIXTURE_NAMES, SECRET, freshPayload, nextDeliveryId, readFixtureText, startHarness, type Harness } from './ingress-harness';

// POST /webhooks/linear through the real HTTP server, one test per row of the status mapping
// (docs/adr/0003-linear-ingress-inbox-outbox.md). "A rejected delivery leaves no row and no
// effect": every refusal is checked for an empty inbox, a counted outcome and a log line.

const LIMIT = 65_536;

describe('POST /webhooks/linear', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ SCOPEKEEPER_MAX_BODY_BYTES: String(LIMIT) });
  });

  afterAll(async () => {
    await harness.stop();
  });

  beforeEach(async () => {
    await sql`delete from linear_inbox`.execute(harness.service.context.store.database);
    harness.logs.length = 0;
  });

  /** Sends the request and checks the refusal left nothing but a counted outcome and a log line. */
  async function expectRefused(
    send: () => Promise<{ status: number; body: Record<string, unknown>; headers: Headers | Record<string, unknown> }>,
    expected: { status: number; outcome: string },
  ): Promise<Record<string, unknown>> {
    const before = await harness.deliveriesCounted(expected.outcome);
    const response = await send();
    expect(response.status).toBe(expected.status);
    expect(response.body.status).toBe(expected.outcome);
    expect(await harness.inboxRows()).toEqual([]);
    expect(await harness.deliveriesCounted(expected.outcome)).toBe(before + 1);
    expect(harness.logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'webhook rejected', outcome: expected.outcome, status: expected.status }));
    return response.body;
  }

  const viaFetch = async (response: Promise<Response>) => {
    const answer = await response;
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown>, headers: answer.headers };
  };

  describe('a valid delivery', () => {
    it.each(FIXTURE_NAMES)('stores %s in the inbox with the issue as ordering key and answers 200', async (name) => {
      const payload = freshPayload(name);
      const raw = JSON.stringify(payload, null, 2);
      const deliveryId = nextDeliveryId();
      const response = await harness.deliver(raw, { deliveryId });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'stored', deliveryId });
      const issueId = payload.type === 'Comment' ? payload.data.issueId : payload.data.id;
      expect(await harness.inboxRows()).toEqual([
        { delivery_id: deliveryId, event_type: payload.type, action: payload.action, ordering_key: issueId, raw_body: raw, status: 'pending' },
      ]);
    });

    it('keeps the bytes exactly as Linear signed them, whitespace included', async () => {
      const raw = readFixtureText('issueCreate').replace(/"webhookTimestamp": \d+/, `"webhookTimestamp": ${Date.now()}`);
      expect((await harness.deliver(raw)).status).toBe(200);
      expect((await harness.inboxRows())[0]?.raw_body).toBe(raw);
    });

    it('accepts a webhookTimestamp inside the window in either direction', async () => {
      expect((await harness.deliver(freshPayload(FIXTURE_NAMES[1], Date.now() - 45_000))).status).toBe(200);
      expect((await harness.deliver(freshPayload(FIXTURE_NAMES[1], Date.now() + 45_000))).status).toBe(200);
      expect(await harness.inboxRows()).toHaveLength(2);
    });
  });

  describe('deduplication on Linear-Delivery', () => {
    it('answers 200 to a redelivery and keeps the single row stored the first time', async () => {
      const payload = freshPayload('issueStateChange');
      const deliveryId = nextDeliveryId();
      const before = await harness.deliveriesCounted('duplicate');
      expect((await harness.deliver(payload, { deliveryId })).status).toBe(200);
      const again = await harness.deliver({ ...payload, webhookTimestamp: Date.now() }, { deliveryId });
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ status: 'duplicate', deliveryId });
      const rows = await harness.inboxRows();
      expect(rows).toHaveLength(1);
      expect(rows[0]?.raw_body).toBe(JSON.stringify(payload));
      expect(await harness.deliveriesCounted('duplicate')).toBe(before + 1);
    });

    it('answers each of many deliveries sent at once, a redelivery among them, and stores every delivery once', async () => {
      const ids = Array.from({ length: 40 }, () => nextDeliveryId());
      // Forty events (forty signed bodies; one body under several ids is a replay, tested apart).
      const now = Date.now();
      const payloads = ids.map((_, index) => freshPayload('issueStateChange', now - index));
      // Linear redelivered the fifth while the first attempt was still being stored.
      const sends = [...ids.map((deliveryId, index) => ({ deliveryId, payload: payloads[index]! })), { deliveryId: ids[4] as string, payload: payloads[4]! }].map(
        ({ deliveryId, payload }) => harness.deliver(payload, { deliveryId }),
      );
      const answers = await Promise.all(
        sends.map(async (send) => {
          const response = await send;
          return { status: response.status, body: (await response.json()) as { status: string } };
        }),
      );
      expect(answers.every((answer) => answer.status === 200)).toBe(true);
      expect(answers.filter((answer) => answer.body.status === 'stored')).toHaveLength(40);
      expect(answers.filter((answer) => answer.body.status === 'duplicate')).toHaveLength(1);
      const rows = await harness.inboxRows();
      expect(rows.map((row) => row.delivery_id).sort()).toEqual([...ids].sort());
    });
  });

  describe('unknown event types', () => {
    it('answers 200 to a signed Project event, ignores it and stores nothing', async () => {
      const payload = { ...freshPayload('issueCreate'), type: 'Project', data: { id: 'project-1', name: 'Q3 launch' } };
      const before = await harness.deliveriesCounted('ignored');
      const response = await harness.deliver(payload);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { status: string }).status).toBe('ignored');
      expect(await harness.inboxRows()).toEqual([]);
      expect(await harness.deliveriesCounted('ignored')).toBe(before + 1);
    });
  });

  describe('the status mapping for refused deliveries', () => {
    it('answers 405 with Allow: POST to a GET', async () => {
      await expectRefused(async () => {
        const answer = await fetch(`${harness.url}/webhooks/linear`);
        expect(answer.headers.get('allow')).toBe('POST');
        return { status: answer.status, body: (await answer.json()) as Record<string, unknown>, headers: answer.headers };
      }, { status: 405, outcome: 'wrong_method' });
    });

    it('answers 401 when the Linear-Signature header is missing', async () => {
      const payload = freshPayload('issueCreate');
      await expectRefused(() => viaFetch(harness.deliver(payload, { headers: { 'linear-signature': undefined } })), { status: 401, outcome: 'missing_signature' });
    });

    it('answers 401 when the body was signed with another secret', async () => {
      const raw = JSON.stringify(freshPayload('issueCreate'));
      await expectRefused(() => viaFetch(harness.deliver(raw, { headers: { 'linear-signature': signBody(raw, `${SECRET}-old`) } })), {
        status: 401,
        outcome: 'bad_signature',
      });
    });

    it('answers 401 when the signed bytes were re-serialised on the way, since the signature covers the raw bytes', async () => {
      const payload = freshPayload('issueCreate');
      const signedText = JSON.stringify(payload, null, 2);
      await expectRefused(
        () => viaFetch(harness.deliver(JSON.stringify(payload), { headers: { 'linear-signature': signBody(signedText, SECRET) } })),
        { status: 401, outcome: 'bad_signature' },
      );
    });

    it('answers 401 when the signature is not hex', async () => {
      const payload = freshPayload('issueCreate');
      await expectRefused(() => viaFetch(harness.deliver(payload, { headers: { 'linear-signature': 'sha256=not-a-signature' } })), {
        status: 401,
        outcome: 'bad_signature',
      });
    });

    it('answers 400 when the Linear-Delivery header is missing', async () => {
      const raw = JSON.stringify(freshPayload('issueCreate'));
      await expectRefused(
        () => viaFetch(harness.post(raw, { 'linear-signature': signBody(raw, SECRET), 'content-type': 'application/json' })),
        { status: 400, outcome: 'missing_delivery_id' },
      );
    });

    it('answers 400 when the signed body is not JSON', async () => {
      const raw = '{"type":"Issue","action":"update",';
      await expectRefused(() => viaFetch(harness.deliver(raw)), { status: 400, outcome: 'malformed_json' });
    });

    it('answers 401 when webhookTimestamp is older than the 60 s window (a replayed delivery)', async () => {
      const recorded = JSON.parse(readFixtureText('issueStateChange')) as object;
      const body = await expectRefused(() => viaFetch(harness.deliver(recorded)), { status: 401, outcome: 'stale_timestamp' });
      expect(body.error).toMatch(/old; at most 60 s is accepted/);
    });

    it('answers 401 when webhookTimestamp is further than the window in the future', async () => {
      const payload = freshPayload('issueStateChange', Date.now() + 10 * 60_000);
      const body = await expectRefused(() => viaFetch(harness.deliver(payload)), { status: 401, outcome: 'stale_timestamp' });
      expect(body.error).toMatch(/in the future/);
    });

    it('answers 400 naming every problem as "path: message" when the envelope is invalid', async () => {
      const payload = freshPayload('issueCreate');
      delete payload.organizationId;
      delete payload.data.teamId;
      const body = await expectRefused(() => viaFetch(harness.deliver(payload)), { status: 400, outcome: 'invalid_envelope' });
      expect(body.errors).toEqual(expect.arrayContaining([expect.stringMatching(/^organizationId: /)]));
      const issueData = await expectRefused(() => viaFetch(harness.deliver({ ...payload, organizationId: 'org-1' })), {
        status: 400,
        outcome: 'invalid_envelope',
      });
      expect(issueData.errors).toEqual([expect.stringMatching(/^data\.teamId: /)]);
    });

    it('answers 400 when webhookTimestamp is missing, instead of letting the delivery past the window check', async () => {
      const payload = freshPayload('commentCreate');
      delete payload.webhookTimestamp;
      const body = await expectRefused(() => viaFetch(harness.deliver(payload)), { status: 400, outcome: 'invalid_envelope' });
      expect(body.errors).toEqual([expect.stringMatching(/^webhookTimestamp: /)]);
    });

    it('answers 413 when the declared Content-Length is over the limit', async () => {
      const raw = JSON.stringify({ ...freshPayload('issueCreate'), padding: 'x'.repeat(LIMIT) });
      await expectRefused(() => viaFetch(harness.deliver(raw)), { status: 413, outcome: 'too_large' });
    });

    it('answers 413 and stops reading when a streamed body passes the limit, even one that never ends', async () => {
      // The client never finishes the body: an answer can only come from a server that stopped at the limit.
      await expectRefused(() => postEndlessBody(harness.url, LIMIT * 2), { status: 413, outcome: 'too_large' });
    });
  });

  describe('when storage is unavailable', () => {
    it('answers 503 with Retry-After so that Linear retries, and stores nothing', async () => {
      const db = harness.service.context.store.database;
      await sql`alter table linear_inbox rename to linear_inbox_away`.execute(db);
      let response: { status: number; body: Record<string, unknown>; headers: Headers };
      try {
        const before = await harness.deliveriesCounted('storage_unavailable');
        response = await viaFetch(harness.deliver(freshPayload('issueCreate')));
        expect(await harness.deliveriesCounted('storage_unavailable')).toBe(before + 1);
      } finally {
        await sql`alter table linear_inbox_away rename to linear_inbox`.execute(db);
      }
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('60');
      expect(response.body.status).toBe('storage_unavailable');
      expect(await harness.inboxRows()).toEqual([]);
      expect(harness.logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'webhook not stored', outcome: 'storage_unavailable' }));
    });
  });
});

/** Streams `bytes` of a body and then keeps the request open, never sending its end. */
function postEndlessBody(baseUrl: string, bytes: number): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, unknown> }> {
  const url = new URL('/webhooks/linear', baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'linear-signature': 'a'.repeat(64), 'linear-delivery': nextDeliveryId() } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown>, headers: res.headers });
        });
      },
    );
    req.on('error', (error) => reject(error));
    const chunk = Buffer.alloc(4096, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}
