import { request, type Agent } from 'node:http';

/** POSTs one signed delivery with Linear's headers; resolves with the status, or 0 when the request failed. */
export function postWebhook(agent: Agent, target: URL, raw: Buffer, signature: string, deliveryId: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        method: 'POST',
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': raw.length,
          'user-agent': 'Linear-Webhook',
          'linear-delivery': deliveryId,
          'linear-event': 'Issue',
          'linear-signature': signature,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(raw);
  });
}
