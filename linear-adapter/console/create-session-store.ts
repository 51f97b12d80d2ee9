import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseWith } from '../../src/core/parse-with';
import { actorSchema } from '../../src/core/schemas';
import type { ConsoleScopeStore } from '../../src/core/store';
import type { ConsoleIdentity } from './console-identity';

export interface ConsoleSession {
  id: string;
  identity: ConsoleIdentity;
  /** Sent in every form; a write without it is refused (synchroniser token). */
  csrfToken: string;
  /** Unix milliseconds. */
  expiresAt: number;
}

export interface SessionStore {
  create(identity: ConsoleIdentity): Promise<ConsoleSession>;
  /** The live session with that id; an expired or unreadable one answers null (signed out). */
  get(id: string | undefined): Promise<ConsoleSession | null>;
  delete(id: string): Promise<void>;
}

const identitySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('token'), actor: actorSchema }),
  z.object({ kind: z.literal('linear'), actor: actorSchema, teams: z.array(z.object({ id: z.string().min(1), key: z.string().min(1), name: z.string() })) }),
]);

const hashId = (id: string) => createHash('sha256').update(id, 'utf8').digest('hex');

/**
 * Sessions in the database (migration 0006), so a restart or another instance on the same
 * database keeps everyone signed in. Ids and CSRF tokens are 32 random bytes; only the id's
 * SHA-256 is stored, so someone who reads the database cannot sign in with what they read.
 * Expired sessions are removed whenever one is created or signed out.
 */
export function createSessionStore(options: { store: Pick<ConsoleScopeStore, 'insertConsoleSession' | 'readConsoleSession' | 'deleteConsoleSessions'>; ttlMs: number; now: () => number; onUnreadable?: (message: string) => void }): SessionStore {
  const { store, now } = options;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    async create(identity) {
      await store.deleteConsoleSessions(null, iso(now()));
      const session: ConsoleSession = {
        id: randomBytes(32).toString('base64url'),
        identity,
        csrfToken: randomBytes(32).toString('base64url'),
        expiresAt: now() + options.ttlMs,
      };
      await store.insertConsoleSession({ idHash: hashId(session.id), identity, csrfToken: session.csrfToken, expiresAt: iso(session.expiresAt) });
      return session;
    },
    async get(id) {
      if (!id) return null;
      const stored = await store.readConsoleSession(hashId(id));
      if (!stored) return null;
      const expiresAt = Date.parse(stored.expiresAt);
      if (expiresAt <= now()) return null;
      const identity = parseWith(identitySchema, stored.identity);
      // Fails closed: a session that cannot be read signs its holder out.
      if (!identity.ok) {
        options.onUnreadable?.(`a stored console session is unreadable and was treated as signed out: ${identity.errors.join('; ')}`);
        return null;
      }
      return { id, identity: identity.value, csrfToken: stored.csrfToken, expiresAt };
    },
    async delete(id) {
      await store.deleteConsoleSessions(hashId(id), iso(now()));
    },
  };
}
