import { once } from 'node:events';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import path from 'node:path';
import type { ClosurePolicy } from '../../src/core/schemas';
import { openStore } from '../../src/store/open-store';
import type { ReportFault } from '../../src/store/report-fault';
import type { SqlStore } from '../../src/store/sql-store';
import { createLogger, type Logger } from './create-logger';
import { createMetrics, type Metrics } from './create-metrics';
import { createServer } from '../ingress/create-server';
import { describeWebhookSetup, ensureWebhookSecret } from '../config/ensure-webhook-secret';
import { buildClosurePolicy, loadConfig, type Config, type ServiceMode } from '../config/load-config';
import { DataDirectoryInUseError } from '../../src/store/lock-data-directory';
import { openQueueStore, type SqlQueueStore } from '../queue/queue-store';
import { trackLinearHealth, type LinearHealth } from './track-linear-health';
import { startConsole } from '../console/start-console';
import { loadConsoleConfig, type ConsoleConfig } from '../console/load-console-config';
import { startCheckpoints } from './start-checkpoints';
import { releaseEarlySignals } from './exit-on-early-signal';
import { secondsSince } from './seconds-since';

/** SIGTERM or SIGINT came during start-up: start-up stopped where it was and closed what it had opened. */
export class StartupStopped extends Error {
  constructor() {
    super('stopped by a signal during start-up');
    this.name = 'StartupStopped';
  }
}

/** What a plugged-in part (the inbox worker, the outbox sender) gets to work with. */
export interface ServiceContext {
  config: Config;
  mode: ServiceMode;
  policy: ClosurePolicy;
  logger: Logger;
  metrics: Metrics;
  store: SqlStore;
  queue: SqlQueueStore;
  /** Fed by the gateway's calls (start-workers); read by /healthz and /metrics. */
  linearHealth: LinearHealth;
}

export interface ServiceHook {
  /** Called on shutdown, after the server stopped taking requests and before the store closes. */
  stop(): Promise<void>;
  /** Called (not awaited) after ingress stored a new delivery: lets the inbox worker start at once instead of at its next poll. */
  onDeliveryStored?(deliveryId: string): void;
}

export type StartHook = (context: ServiceContext) => ServiceHook | void | Promise<ServiceHook | void>;

export interface StartServiceDeps {
  /** Started in order once the server listens; stopped in reverse order. */
  onStart?: StartHook | readonly StartHook[];
  logger?: Logger;
  /** Default: PostgreSQL at DATABASE_URL, else PGlite in `<SCOPEKEEPER_DATA_DIR>/pglite`. Pass `onFault` on to openStore to log and count its faults. */
  openStore?: (options: { onFault: ReportFault }) => Promise<SqlStore>;
  /** Unix milliseconds. */
  now?: () => number;
  /** Where the first-start webhook secret notice goes; default stderr (stdout carries the JSON log). */
  printNotice?: (text: string) => void;
  /** Stop gracefully on SIGTERM and SIGINT, then exit the process. */
  handleSignals?: boolean;
  /** How long in-flight requests may take to finish on shutdown before their connections are cut. */
  shutdownTimeoutMs?: number;
  /** The console's settings (loadConsoleConfig); default: token sign-in only. */
  console?: ConsoleConfig;
}

export interface RunningService {
  /** http://host:port the server listens on. */
  url: string;
  context: ServiceContext;
  /** Stops taking requests, lets in-flight ones finish, stops the hooks, closes the store. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts the Linear adapter: store, inbox and outbox, webhook secret, logs, metrics, HTTP server and hooks. */
export async function startService(config: Config, deps: StartServiceDeps = {}): Promise<RunningService> {
  const logger = deps.logger ?? createLogger({ level: config.LOG_LEVEL });
  // Before the store, so its faults are logged and counted from the first one. The gauges read
  // the queue only at a scrape, which cannot come before the server listens.
  let queue: SqlQueueStore | null = null;
  const readQueue = <T>(read: (q: SqlQueueStore) => Promise<T>): Promise<T> => (queue ? read(queue) : Promise.reject(new Error('the queue is not open yet')));
  const now = deps.now ?? Date.now;
  const linearHealth = trackLinearHealth({ configured: Boolean(config.LINEAR_API_KEY) && config.SCOPEKEEPER_MODE === 'enforce', now });
  const metrics = createMetrics({
    readInboxBacklog: () => readQueue((q) => q.inboxBacklog()),
    readOutboxFailed: () => readQueue((q) => q.countFailedActions()),
    readInboxDeadLetters: () => readQueue((q) => q.countFailedDeliveries()),
    readOutboxBacklog: () => readQueue(async (q) => (await q.outboxBacklog()).pending),
    readOutboxOldestPendingSeconds: () => readQueue(async (q) => secondsSince((await q.outboxBacklog()).oldestCreatedAt, now())),
    readLinearReachable: async () => (['ok', 'rate_limited'].includes(linearHealth.snapshot().status) ? 1 : 0),
    readInboxOldestPendingSeconds: () => readQueue(async (q) => secondsSince(await q.inboxOldestPendingAt(), now())),
    readLinearRateLimited: async () => (linearHealth.snapshot().status === 'rate_limited' ? 1 : 0),
    defaultMetrics: true,
    logger,
  });
  // Signals are taken over before anything is opened: one during start-up stops it at the next
  // step, closes what was opened, and exits 0 (runService), like a signal after it.
  let stopRequested = false;
  let stopStarted: (() => Promise<void>) | null = null;
  let endStartup: () => void = () => undefined;
  const startupEnded = new Promise<void>((resolve) => (endStartup = resolve));
  const shutdownTimeoutMs = deps.shutdownTimeoutMs ?? 10_000;
  // A part that never returns must not keep the process alive forever. Armed when the shutdown
  // begins, not at the signal: a start-up step under way (PGlite opening took over 15 s on a
  // loaded machine) first runs to its end.
  const armForceExit = (): void => void setTimeout(() => process.exit(1), shutdownTimeoutMs + 5_000).unref();
  const checkStop = (): void => {
    if (!stopRequested) return;
    armForceExit();
    throw new StartupStopped();
  };
  if (deps.handleSignals) {
    releaseEarlySignals();
    installSignalHandlers(logger, () => {
      if (stopStarted) {
        armForceExit();
        return stopStarted();
      }
      stopRequested = true;
      return startupEnded;
    });
  }
  logger.info({ store: config.DATABASE_URL ? 'postgres' : 'pglite' }, 'scopekeeper starting: opening the store');
  let store: SqlStore;
  try {
    store = await (deps.openStore ?? ((options) => openConfiguredStore(config, options.onFault)))({ onFault: metrics.reportFault });
  } catch (error) {
    endStartup();
    throw error;
  }
  const hooks: ServiceHook[] = [];
  let server: Server | null = null;

  const shutdown = async (): Promise<void> => {
    if (server) await closeServer(server, deps.shutdownTimeoutMs ?? 10_000);
    for (const hook of [...hooks].reverse()) {
      try {
        await hook.stop();
      } catch (error) {
        logger.error({ error: (error as Error).message }, 'a service part failed to stop');
      }
    }
    await store.close();
  };

  try {
    checkStop();
    const secret = await ensureWebhookSecret({ configured: config.LINEAR_WEBHOOK_SECRET, dataDir: config.SCOPEKEEPER_DATA_DIR });
    // The same id after a restart (host and port by default), so the new process takes back what the old one had claimed.
    const instanceId = config.SCOPEKEEPER_INSTANCE_ID ?? `${hostname()}:${config.PORT}`;
    queue = await openQueueStore(store, { onFault: metrics.reportFault, instanceId });
    checkStop();
    const mode = config.SCOPEKEEPER_MODE;
    const context: ServiceContext = { config, mode, policy: buildClosurePolicy(config), logger, metrics, store, queue, linearHealth };
    const consoleApp = await startConsole({ config, consoleConfig: deps.console ?? defaultConsoleConfig(), store, policy: context.policy, logger, ...(deps.now ? { now: deps.now } : {}) });

    server = createServer({
      store,
      queue,
      webhook: { secret: secret.secret, maxBodyBytes: config.SCOPEKEEPER_MAX_BODY_BYTES, windowMs: config.SCOPEKEEPER_WEBHOOK_WINDOW_SECONDS * 1000 },
      metrics,
      logger,
      mode,
      linearHealth,
      degradedAfterMs: config.SCOPEKEEPER_DEGRADED_AFTER_SECONDS * 1000,
      console: consoleApp.console,
      ...(deps.now ? { now: deps.now } : {}),
      onDeliveryStored: (deliveryId) => {
        for (const hook of hooks) {
          try {
            hook.onDeliveryStored?.(deliveryId);
          } catch (error) {
            logger.error({ deliveryId, error: (error as Error).message }, 'a service part failed to take a new delivery');
          }
        }
      },
    });
    checkStop();
    server.listen(config.PORT, config.HOST);
    await once(server, 'listening');
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;

    if (secret.generated) {
      (deps.printNotice ?? ((text: string) => process.stderr.write(text)))(describeWebhookSetup(secret, url));
      logger.warn({ file: secret.file }, 'generated a webhook signing secret; paste it into Linear (printed above)');
    }
    const signIn = consoleApp.describeStart(url);
    if (signIn) (deps.printNotice ?? ((text: string) => process.stderr.write(text)))(signIn);
    hooks.push(startCheckpoints(context));
    for (const start of [deps.onStart ?? []].flat()) {
      checkStop();
      const hook = await start(context);
      if (hook) hooks.push(hook);
    }
    checkStop();
    // Who may sign off, said once at start-up: with no approvers listed, only workspace admins.
    logger.info(
      { approvers: context.policy.approverUserIds.length, forbidSelfSignOff: context.policy.forbidSelfSignOff },
      context.policy.approverUserIds.length === 0
        ? 'no SCOPEKEEPER_APPROVERS set: only Linear workspace admins may sign off or record a baseline (on the Free plan every member is an admin)'
        : `sign-off and baselines are limited to the ${context.policy.approverUserIds.length} approvers in SCOPEKEEPER_APPROVERS`,
    );
    logger.info(
      { url, webhook: `${url}/webhooks/linear`, store: store.backend, mode, secret: secret.source },
      mode === 'shadow' ? 'scopekeeper listening in shadow mode: decisions are recorded and logged, nothing is sent to Linear' : 'scopekeeper listening',
    );

    let stopping: Promise<void> | null = null;
    const stop = () => (stopping ??= shutdown());
    stopStarted = stop;
    endStartup();
    return { url, context, stop };
  } catch (error) {
    await shutdown().catch((closeError: unknown) => logger.error({ error: (closeError as Error).message }, 'closing after a stopped or failed start-up failed'));
    endStartup();
    throw error;
  }
}

/**
 * The whole `npm start`: reads the environment, refuses to start on a bad setting (exit 2,
 * naming each variable), starts the service and stops it gracefully on SIGTERM.
 */
export async function runService(env: Record<string, string | undefined>, deps: Omit<StartServiceDeps, 'handleSignals'> = {}): Promise<void> {
  const config = loadConfig(env);
  const consoleConfig = loadConsoleConfig(env);
  if (!config.ok || !consoleConfig.ok) {
    const errors = [...(config.ok ? [] : config.errors), ...(consoleConfig.ok ? [] : consoleConfig.errors)];
    process.stderr.write(`Scopekeeper cannot start; fix these settings:\n${errors.map((e) => `  ${e}`).join('\n')}\n`);
    process.exit(2);
  }
  try {
    await startService(config.value, { ...deps, console: consoleConfig.value, handleSignals: true });
  } catch (error) {
    // Asked to stop while starting: what was opened is closed; the signal handler exits 0.
    if (error instanceof StartupStopped) return;
    // Not a fault to debug: another process has the data directory, and the message says what to do.
    if (error instanceof DataDirectoryInUseError) {
      process.stderr.write(`Scopekeeper cannot start: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`Scopekeeper failed to start: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  }
}

function defaultConsoleConfig(): ConsoleConfig {
  const loaded = loadConsoleConfig({});
  if (!loaded.ok) throw new Error(`console defaults do not load: ${loaded.errors.join('; ')}`);
  return loaded.value;
}

function openConfiguredStore(config: Config, onFault: ReportFault): Promise<SqlStore> {
  return openStore({ ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir: path.resolve(config.SCOPEKEEPER_DATA_DIR, 'pglite') }), onFault });
}

async function closeServer(server: Server, timeoutMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // close() waits for in-flight requests. Their kept-alive sockets turn idle when they finish
  // and would then hold it open until the keep-alive timeout, so idle ones are swept meanwhile.
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(force);
  }
}

function installSignalHandlers(logger: Logger, stop: () => Promise<void>): void {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ error: (error as Error).message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
