import { randomUUID } from 'node:crypto';
import type { ForgeScopeStore } from '../../core/store';
import { KvsStore } from '../storage/kvs-store';

/** What every handler needs from outside: storage, the clock and ids (passed in, so tests control them). */
export interface ForgeDeps {
  /** The storage port's Forge part: handlers depend on it, not on the KVS adapter. */
  store: ForgeScopeStore;
  now: () => string;
  newId: () => string;
  /** Best-effort steps (issue property, caches) log here instead of failing the user's action. */
  log: (message: string, error?: unknown) => void;
}

export function createForgeDeps(overrides: Partial<ForgeDeps> = {}): ForgeDeps {
  return {
    store: new KvsStore(),
    now: () => new Date().toISOString(),
    newId: () => randomUUID(),
    log: (message, error) => console.warn(`[scopekeeper] ${message}`, error instanceof Error ? error.message : (error ?? '')),
    ...overrides,
  };
}
