import { z } from 'zod';
import { parseWith, type ParseResult } from '../../src/core/parse-with';

// The console's own settings, read beside the service's (load-config.ts), so the console can be
// configured without touching the webhook's settings. Every one is optional: with none, the
// console signs in by the token printed at start, on loopback.

const consoleConfigSchema = z
  .object({
    /** Where users reach the service; https:// makes the session cookie Secure and is the OAuth callback's base. */
    SCOPEKEEPER_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. https://scopekeeper.example.com' }).optional(),
    /** Hours a session lasts from sign-in. */
    SCOPEKEEPER_SESSION_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
    /** The workspace's address, e.g. https://linear.app/acme: deliverables link to <it>/issue/ENG-42 (the GitLab Linear integration's form). */
    LINEAR_WORKSPACE_URL: z
      .string()
      .regex(/^https:\/\/linear\.app\/[a-z0-9-]{3,32}\/?$/, 'must be your workspace address, e.g. https://linear.app/acme')
      .transform((url) => url.replace(/\/$/, ''))
      .optional(),
    LINEAR_OAUTH_CLIENT_ID: z.string().trim().min(1).optional(),
    LINEAR_OAUTH_CLIENT_SECRET: z.string().trim().min(1).optional(),
    // Linear's OAuth 2 endpoints (linear.app/developers/oauth-2-0-authentication); tests point them at the stand-in.
    LINEAR_OAUTH_AUTHORIZE_URL: z.url({ protocol: /^https?$/ }).default('https://linear.app/oauth/authorize'),
    LINEAR_OAUTH_TOKEN_URL: z.url({ protocol: /^https?$/ }).default('https://api.linear.app/oauth/token'),
  })
  .superRefine((config, ctx) => {
    if (Boolean(config.LINEAR_OAUTH_CLIENT_ID) !== Boolean(config.LINEAR_OAUTH_CLIENT_SECRET)) {
      ctx.addIssue({
        code: 'custom',
        path: [config.LINEAR_OAUTH_CLIENT_ID ? 'LINEAR_OAUTH_CLIENT_SECRET' : 'LINEAR_OAUTH_CLIENT_ID'],
        message: 'Sign in with Linear needs both LINEAR_OAUTH_CLIENT_ID and LINEAR_OAUTH_CLIENT_SECRET from your Linear OAuth application',
      });
    }
    if (config.LINEAR_OAUTH_CLIENT_ID && !config.SCOPEKEEPER_PUBLIC_URL) {
      ctx.addIssue({ code: 'custom', path: ['SCOPEKEEPER_PUBLIC_URL'], message: 'Sign in with Linear needs the public URL Linear redirects back to, e.g. https://scopekeeper.example.com' });
    }
  });

export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;

/** Reads the console's settings from the environment; every problem names the variable and what it expects. */
export function loadConsoleConfig(env: Record<string, string | undefined>): ParseResult<ConsoleConfig> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  return parseWith(consoleConfigSchema, cleaned);
}
