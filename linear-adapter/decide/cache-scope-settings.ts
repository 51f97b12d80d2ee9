import type { ConsoleScopeStore, StoredScopeSettings } from '../../src/core/store';

// A team's settings decide every delivery of its issues, so reading them for each one costs a
// query per webhook. They are kept a short while instead: the console's write in this process
// forgets them at once, and the age bound covers a write by another instance of the service.

export const SETTINGS_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 1_000;

export interface ScopeSettingsCache {
  /** The scope's stored settings as `readScopeSettings` gave them at most `ttlMs` ago; a failed read is thrown and not kept. */
  read(scopeId: string): Promise<StoredScopeSettings | null>;
  /** Forgets what was read of the scope, so the next read asks the store (after a settings write). */
  forget(scopeId: string): void;
}

export interface ScopeSettingsCacheOptions {
  ttlMs?: number;
  /** Unix milliseconds. */
  now?: () => number;
}

/** `readScopeSettings` with its answers (including "none stored") kept for `ttlMs`. */
export function cacheScopeSettings(
  readScopeSettings: ConsoleScopeStore['readScopeSettings'],
  options: ScopeSettingsCacheOptions = {},
): ScopeSettingsCache {
  const ttlMs = options.ttlMs ?? SETTINGS_CACHE_TTL_MS;
  const now = options.now ?? Date.now;
  const kept = new Map<string, { settings: StoredScopeSettings | null; until: number }>();
  // Bumped by `forget`: a read that started before a write must not keep what it read.
  const generations = new Map<string, number>();
  return {
    async read(scopeId) {
      const hit = kept.get(scopeId);
      if (hit && hit.until > now()) return hit.settings;
      const generation = generations.get(scopeId) ?? 0;
      const settings = await readScopeSettings(scopeId);
      if ((generations.get(scopeId) ?? 0) === generation) {
        // Map order is insertion order: the oldest entry goes first when the cache is full.
        kept.delete(scopeId);
        if (kept.size >= MAX_ENTRIES) kept.delete(kept.keys().next().value as string);
        kept.set(scopeId, { settings, until: now() + ttlMs });
      }
      return settings;
    },
    forget(scopeId) {
      kept.delete(scopeId);
      generations.set(scopeId, (generations.get(scopeId) ?? 0) + 1);
    },
  };
}

/** One cache per store (the service has one, shared by the console and the inbox worker). */
const caches = new WeakMap<object, ScopeSettingsCache>();
export function scopeSettingsCacheOf(store: Pick<ConsoleScopeStore, 'readScopeSettings'>): ScopeSettingsCache {
  let cache = caches.get(store);
  if (!cache) {
    cache = cacheScopeSettings((scopeId) => store.readScopeSettings(scopeId));
    caches.set(store, cache);
  }
  return cache;
}
