import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import pino from 'pino';
import { createConsole, type Console } from '../../linear-adapter/console/create-console';
import { createLinearOAuth } from '../../linear-adapter/console/create-linear-oauth';
import { loadConsoleConfig } from '../../linear-adapter/console/load-console-config';
import { closurePolicySchema } from '../../src/core/schemas';
import { openStore } from '../../src/store/open-store';
import type { SqlStore } from '../../src/store/sql-store';
import { startLinearStandIn, type LinearStandIn } from './linear-stand-in';
import { seedBusyTeam, type SeededBusyTeam } from './seed-busy-team';
import { ANA, DEV, ENG, OPS } from './seed-console-teams';

export interface SeededConsole {
  /** http://127.0.0.1:<port> of the console. */
  base: string;
  token: string;
  store: SqlStore;
  app: Console;
  linear: LinearStandIn;
  seeded: SeededBusyTeam;
  close(): Promise<void>;
}

/**
 * The console as `npm start` serves it, on loopback, over an embedded store holding the busy
 * team, with Sign in with Linear against the stand-in's OAuth endpoint. Ana (by email) is the
 * one approver; Dev is a member of ENG who is not.
 */
export async function startSeededConsole(options: { hostile?: string; rewordings?: number } = {}): Promise<SeededConsole> {
  const token = 'b'.repeat(64);
  const store = await openStore({ dataDir: 'memory://' });
  const seeded = await seedBusyTeam(store, options);
  let app: Console | null = null;
  const server: Server = createServer((req, res) => void app!.handle(req, res).catch((e: unknown) => res.destroy(e as Error)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const linear = await startLinearStandIn(
    {
      teams: [{ id: ENG.id, key: ENG.key, name: 'Engineering' }, { id: OPS.id, key: OPS.key, name: 'Operations' }],
      users: [
        { id: ANA.id, name: ANA.name!, email: ANA.email, teamIds: [ENG.id] },
        { id: DEV.id, name: DEV.name!, email: DEV.email, teamIds: [ENG.id] },
      ],
    },
    { apiKey: 'service-key', oauth: { clientId: 'client-1', clientSecret: 'secret-1', redirectUris: [`${base}/sign-in/linear/callback`] } },
  );
  const config = loadConsoleConfig({ SCOPEKEEPER_PUBLIC_URL: base, LINEAR_OAUTH_CLIENT_ID: 'client-1', LINEAR_OAUTH_CLIENT_SECRET: 'secret-1' });
  if (!config.ok) throw new Error(config.errors.join('; '));
  const logger = pino({ level: 'silent' });
  const linearOrigin = new URL(linear.url).origin;
  app = createConsole({
    store,
    token,
    config: config.value,
    policyDefaults: closurePolicySchema.parse({ approverUserIds: [ANA.email], doneStateTypes: ['completed'], doneStateNames: [] }),
    logger,
    oauth: createLinearOAuth({ clientId: 'client-1', clientSecret: 'secret-1', authorizeUrl: `${linearOrigin}/oauth/authorize`, tokenUrl: `${linearOrigin}/oauth/token`, apiUrl: linear.url, publicUrl: base, logger }),
  });
  return {
    base, token, store, app, linear, seeded,
    async close() {
      server.closeAllConnections();
      server.close();
      await linear.close();
      await store.close();
    },
  };
}
