import path from 'node:path';
import type { Logger } from 'pino';
import type { ClosurePolicy } from '../../src/core/schemas';
import type { ConsoleScopeStore } from '../../src/core/store';
import { ensureSecretFile } from '../config/ensure-webhook-secret';
import type { Config } from '../config/load-config';
import { createConsole, type Console } from './create-console';
import { createLinearOAuth } from './create-linear-oauth';
import type { ConsoleConfig } from './load-console-config';

export const CONSOLE_TOKEN_FILE = 'console-token';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The console as the service mounts it: the token kept in the data directory beside the webhook
 * secret (generated on first start, mode 0600), Sign in with Linear when configured, and the
 * sign-in link to print, on loopback only (elsewhere the link would travel in logs to others).
 */
export async function startConsole(input: {
  config: Pick<Config, 'SCOPEKEEPER_DATA_DIR' | 'HOST' | 'LINEAR_API_URL'>;
  consoleConfig: ConsoleConfig;
  store: ConsoleScopeStore;
  policy: ClosurePolicy;
  logger: Logger;
  now?: () => number;
}): Promise<{ console: Console; describeStart(url: string): string | null }> {
  const token = await ensureSecretFile(path.resolve(input.config.SCOPEKEEPER_DATA_DIR, CONSOLE_TOKEN_FILE), 'a new console token');
  const { consoleConfig } = input;
  const oauth =
    consoleConfig.LINEAR_OAUTH_CLIENT_ID && consoleConfig.LINEAR_OAUTH_CLIENT_SECRET && consoleConfig.SCOPEKEEPER_PUBLIC_URL
      ? createLinearOAuth({
          clientId: consoleConfig.LINEAR_OAUTH_CLIENT_ID,
          clientSecret: consoleConfig.LINEAR_OAUTH_CLIENT_SECRET,
          authorizeUrl: consoleConfig.LINEAR_OAUTH_AUTHORIZE_URL,
          tokenUrl: consoleConfig.LINEAR_OAUTH_TOKEN_URL,
          apiUrl: input.config.LINEAR_API_URL,
          publicUrl: consoleConfig.SCOPEKEEPER_PUBLIC_URL,
          logger: input.logger,
          ...(input.now ? { now: input.now } : {}),
        })
      : null;
  const app = createConsole({ store: input.store, token: token.secret, config: consoleConfig, policyDefaults: input.policy, logger: input.logger, oauth, ...(input.now ? { now: input.now } : {}) });
  return {
    console: app,
    describeStart: (url) => (LOOPBACK.has(input.config.HOST) ? app.describeSignIn(url) : null),
  };
}
