import { createServer } from 'node:http';
import pino from 'pino';
import { closurePolicySchema } from '../src/core/schemas';
import { openStore } from '../src/store/open-store';
import { createConsole } from '../linear-adapter/console/create-console';
import { loadConsoleConfig } from '../linear-adapter/console/load-console-config';

// A console on a seeded store in a process of its own (bench/console-pages.ts's export memory
// figure): the parent reads this process's RSS while it streams an export, so the figure is the
// service's, not the seeding's or the client's. Args: token, then a PGlite directory or
// `postgres <url> <schema>`. Prints the port on stdout once listening.

async function main(): Promise<void> {
  const [token, target, url, schema] = process.argv.slice(2);
  if (!token || !target) throw new Error('usage: serve-console-child <token> <pglite dir> | postgres <url> <schema>');
  const store = target === 'postgres' ? await openStore({ databaseUrl: url!, schema: schema! }) : await openStore({ dataDir: target });
  const config = loadConsoleConfig({});
  if (!config.ok) throw new Error(config.errors.join('; '));
  const app = createConsole({
    store, token, config: config.value, logger: pino({ level: 'silent' }),
    policyDefaults: closurePolicySchema.parse({ approverUserIds: [], doneStateTypes: ['completed'], doneStateNames: [] }),
  });
  const server = createServer((req, res) => void app.handle(req, res).catch((e: unknown) => res.destroy(e as Error)));
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
  });
  process.on('SIGTERM', () => server.close(() => void store.close().then(() => process.exit(0))));
}

main().catch((error: unknown) => {
  process.stderr.write(`serve-console-child: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
