import type { DatabaseConnection, Dialect, Driver, KyselyPlugin } from 'kysely';

// Closing a store must wait for the queries it is running: PGlite closed under a running query
// never answers that query (its caller hangs for good), and a pool ended under one fails it
// midway. So every connection Kysely takes is counted (a plain query holds one for the query, a
// transaction for the whole transaction). `drain()` refuses new connections, so new queries and
// transactions fail with StoreClosingError while those in flight (and the rest of a transaction
// under way) go on, and resolves once the last connection is given back; from then on the plugin
// refuses every query the same way (Kysely's own refusal once destroyed says only "driver has
// already been destroyed").

/** A query asked for after the store began to close: refused, with nothing run. */
export class StoreClosingError extends Error {
  constructor() {
    super('The database is closing (the service is shutting down), so this query was not run. Nothing was written; run it again once the service is back.');
    this.name = 'StoreClosingError';
  }
}

export interface CloseGuard {
  /** The dialect to give Kysely: its driver counts connections and refuses new ones while draining. */
  dialect: Dialect;
  /** Give Kysely this plugin too: it refuses every query once drained. */
  plugin: KyselyPlugin;
  /** Refuses anything new and resolves when nothing runs any more; then destroy the Kysely. */
  drain(): Promise<void>;
}

/** Wraps a Kysely dialect so that a close can drain the queries in flight and refuse new ones. */
export function drainOnClose(dialect: Dialect): CloseGuard {
  let draining = false;
  let drained = false;
  let inUse = 0;
  let onIdle: (() => void) | null = null;
  const giveBack = (): void => {
    inUse -= 1;
    if (inUse === 0) onIdle?.();
  };

  const countConnections = (inner: Driver): Driver => {
    const driver: Driver = {
      init: () => inner.init(),
      async acquireConnection(): Promise<DatabaseConnection> {
        if (draining) throw new StoreClosingError();
        inUse += 1;
        try {
          return await inner.acquireConnection();
        } catch (error) {
          giveBack();
          throw error;
        }
      },
      beginTransaction: (connection, settings) => inner.beginTransaction(connection, settings),
      commitTransaction: (connection) => inner.commitTransaction(connection),
      rollbackTransaction: (connection) => inner.rollbackTransaction(connection),
      async releaseConnection(connection) {
        try {
          await inner.releaseConnection(connection);
        } finally {
          giveBack();
        }
      },
      destroy: () => inner.destroy(),
    };
    if (inner.savepoint) driver.savepoint = inner.savepoint.bind(inner);
    if (inner.rollbackToSavepoint) driver.rollbackToSavepoint = inner.rollbackToSavepoint.bind(inner);
    if (inner.releaseSavepoint) driver.releaseSavepoint = inner.releaseSavepoint.bind(inner);
    return driver;
  };

  return {
    dialect: {
      createAdapter: () => dialect.createAdapter(),
      createQueryCompiler: () => dialect.createQueryCompiler(),
      createIntrospector: (db) => dialect.createIntrospector(db),
      createDriver: () => countConnections(dialect.createDriver()),
    },
    plugin: {
      transformQuery(args) {
        if (drained) throw new StoreClosingError();
        return args.node;
      },
      transformResult: (args) => Promise.resolve(args.result),
    },
    async drain() {
      draining = true;
      if (inUse > 0) await new Promise<void>((resolve) => (onIdle = resolve));
      drained = true;
    },
  };
}
