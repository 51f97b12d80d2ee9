// The other half of bin/exit-on-early-signal.cjs, which `npm start` preloads: until the service
// installs its own handlers, a SIGTERM or SIGINT ends the process with 0 (nothing is open yet).

const KEY = Symbol.for('scopekeeper.exitOnEarlySignal');

/** Hands the signals over to the service's own handlers; nothing to do when nothing was preloaded. */
export function releaseEarlySignals(): void {
  const handler = (process as unknown as Record<symbol, (() => void) | undefined>)[KEY];
  if (!handler) return;
  process.removeListener('SIGTERM', handler);
  process.removeListener('SIGINT', handler);
}
