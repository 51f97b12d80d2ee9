import type { LinearGateway, LinearUser } from '../gateway/gateway-types';

// Who wrote a comment is read from Linear by user id, never from the payload's names or emails
// (docs/adr/0009-replays-identity-tamper-evidence.md). A burst of commands by one person then
// costs one API request per TTL, not one per comment; a short TTL keeps a changed email or a
// deactivated account from counting for long.

export const USER_CACHE_TTL_MS = 60_000;
const MAX_ENTRIES = 1_000;

export interface UserLookupOptions {
  ttlMs?: number;
  /** Unix milliseconds. */
  now?: () => number;
}

/** `fetchUser` with its answers (including "no such user") kept for `ttlMs`; failures are not kept. */
export function cacheUserLookups(fetchUser: LinearGateway['fetchUser'], options: UserLookupOptions = {}): LinearGateway['fetchUser'] {
  const ttlMs = options.ttlMs ?? USER_CACHE_TTL_MS;
  const now = options.now ?? Date.now;
  const kept = new Map<string, { user: LinearUser | null; until: number }>();
  return async (id) => {
    const hit = kept.get(id);
    if (hit && hit.until > now()) return hit.user;
    const user = await fetchUser(id);
    // Map order is insertion order: the oldest entry goes first when the cache is full.
    kept.delete(id);
    if (kept.size >= MAX_ENTRIES) kept.delete(kept.keys().next().value as string);
    kept.set(id, { user, until: now() + ttlMs });
    return user;
  };
}
