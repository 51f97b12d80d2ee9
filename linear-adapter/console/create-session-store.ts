import { randomBytes } from 'node:crypto';
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
  create(identity: ConsoleIdentity): ConsoleSession;
  /** The live session with that id; an expired one is dropped and answers null. */
  get(id: string | undefined): ConsoleSession | null;
  delete(id: string): void;
}

/**
 * Sessions held in the service's memory: a restart signs everyone out, which a single-process
 * service can afford (docs/adr/0011-console-web-stack.md). Ids and CSRF tokens are 32 random bytes.
 */
export function createSessionStore(options: { ttlMs: number; now: () => number; maxSessions?: number }): SessionStore {
  const sessions = new Map<string, ConsoleSession>();
  const max = options.maxSessions ?? 10_000;
  const sweep = () => {
    const now = options.now();
    for (const [id, session] of sessions) if (session.expiresAt <= now) sessions.delete(id);
  };
  return {
    create(identity) {
      if (sessions.size >= max) sweep();
      // Still full of live sessions: the oldest goes (Map keeps insertion order).
      if (sessions.size >= max) sessions.delete(sessions.keys().next().value as string);
      const session: ConsoleSession = {
        id: randomBytes(32).toString('base64url'),
        identity,
        csrfToken: randomBytes(32).toString('base64url'),
        expiresAt: options.now() + options.ttlMs,
      };
      sessions.set(session.id, session);
      return session;
    },
    get(id) {
      if (!id) return null;
      const session = sessions.get(id);
      if (!session) return null;
      if (session.expiresAt <= options.now()) {
        sessions.delete(id);
        return null;
      }
      return session;
    },
    delete(id) {
      sessions.delete(id);
    },
  };
}
