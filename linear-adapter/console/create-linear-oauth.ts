import type { IncomingMessage } from 'node:http';
import type { ConsoleIdentity } from './console-identity';

/** What a step of Sign in with Linear answers the console. */
export type OAuthAnswer =
  | { kind: 'redirect'; location: string; cookie?: string }
  | { kind: 'identity'; identity: ConsoleIdentity; next: string }
  | { kind: 'refused'; status: number; message: string };

/** Sign in with Linear: GET /sign-in/linear starts it, GET /sign-in/linear/callback finishes it. */
export interface LinearOAuth {
  handle(req: IncomingMessage, url: URL): Promise<OAuthAnswer>;
}

export interface LinearOAuthOptions {
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  apiUrl: string;
  publicUrl: string;
  logger: import('pino').Logger;
  now?: () => number;
}

/** Sign in with Linear (authorization-code flow): not wired yet; the token sign-in is the way in. */
export function createLinearOAuth(options: LinearOAuthOptions): LinearOAuth {
  void options;
  return { handle: () => Promise.resolve({ kind: 'refused', status: 501, message: 'Sign in with Linear is not available yet; use the console token.' }) };
}
