import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ScopeStore } from '../src/core/store';

export interface ServerDeps {
  store: ScopeStore;
  log: (entry: Record<string, unknown>) => void;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function checkHealth(store: ScopeStore): Promise<{ status: number; body: unknown }> {
  try {
    // A read through the port proves the database answers and the schema is migrated.
    await store.getHistoryHead('healthz');
    return { status: 200, body: { status: 'ok', database: 'ok' } };
  } catch (error) {
    return { status: 503, body: { status: 'unavailable', database: (error as Error).message } };
  }
}

/** The HTTP service. One catch maps unexpected faults to 500 so a bug never kills the process. */
export function createServer(deps: ServerDeps): Server {
  return createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = `${req.method} ${url.pathname}`;
    void (async () => {
      if (url.pathname === '/healthz') {
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          res.setHeader('allow', 'GET, HEAD');
          return sendJson(res, 405, { error: 'Use GET /healthz.' });
        }
        const health = await checkHealth(deps.store);
        return sendJson(res, health.status, health.body);
      }
      return sendJson(res, 404, { error: `No route for ${route}. Try GET /healthz.` });
    })().catch((error: unknown) => {
      deps.log({ level: 'error', msg: 'request failed', route, error: (error as Error).message });
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal error; see the service log.' });
      else res.end();
    });
  });
}
