import path from 'node:path';
import { openStore } from '../src/store/open-store';
import { createServer } from './create-server';
import { loadConfig } from './load-config';

function log(entry: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', ...entry })}\n`);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  if (!config.ok) {
    process.stderr.write(`Scopekeeper cannot start; fix these settings:\n${config.errors.map((e) => `  ${e}`).join('\n')}\n`);
    process.exit(2);
  }
  const { PORT, HOST, DATABASE_URL, SCOPEKEEPER_DATA_DIR } = config.value;
  const store = await openStore(
    DATABASE_URL ? { databaseUrl: DATABASE_URL } : { dataDir: path.resolve(SCOPEKEEPER_DATA_DIR, 'pglite') },
  );
  const server = createServer({ store, log });
  server.listen(PORT, HOST, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : PORT;
    log({ msg: 'scopekeeper listening', url: `http://${HOST}:${port}`, store: DATABASE_URL ? 'postgresql' : 'pglite' });
  });

  const shutdown = (signal: string) => {
    log({ msg: 'shutting down', signal });
    server.close(() => {
      void store.close().then(() => process.exit(0));
    });
    // Keep-alive sockets must not hold the process open forever.
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Scopekeeper failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
