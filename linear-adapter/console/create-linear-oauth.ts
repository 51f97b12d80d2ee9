import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LinearClient } from '@linear/sdk';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { Logger } from 'pino';
import { z } from 'zod';
import { parseWith } from '../../src/core/parse-with';
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
  /** Linear's GraphQL endpoint, where `viewer` says who signed in. */
  apiUrl: string;
  /** The address users reach the service at; the callback is <it>/sign-in/linear/callback. */
  publicUrl: string;
  logger: Logger;
  now?: () => number;
}

const STATE_TTL_MS = 10 * 60_000;
const STATE_COOKIE = 'scopekeeper_oauth_state';
const tokenAnswerSchema = z.object({ access_token: z.string().min(1), token_type: z.string().regex(/^bearer$/i, 'must be Bearer') });

/**
 * Sign in with Linear, the authorization-code flow of linear.app/developers/oauth-2-0-authentication:
 * a random `state`, also kept in a cookie of the browser that started (with its expiry and where
 * to go next, under an HMAC keyed by the client secret, so any instance of the service can finish
 * a sign-in another started, and a restart loses none), compared in constant time, guards the
 * callback against forged sign-ins; the code is exchanged by a form POST with
 * the client secret; who signed in, and their teams, come from `viewer` with that access token,
 * never from anything the browser sends. The access token is not kept: the session holds the
 * identity only.
 */
export function createLinearOAuth(options: LinearOAuthOptions): LinearOAuth {
  const now = options.now ?? Date.now;
  const stateKey = createHmac('sha256', 'scopekeeper oauth state').update(options.clientSecret).digest();
  const seal = (body: string) => createHmac('sha256', stateKey).update(body).digest('base64url');
  /** The cookie: state, expiry and next, sealed; null when it was not made here, was changed, or expired. */
  const openCookie = (value: string): { state: string; next: string } | null => {
    const [state = '', expires = '', next64 = '', mac = ''] = value.split('.');
    const body = `${state}.${expires}.${next64}`;
    if (!sameText(mac, seal(body)) || !(Number(expires) > now())) return null;
    return { state, next: Buffer.from(next64, 'base64url').toString('utf8') };
  };
  const redirectUri = `${options.publicUrl.replace(/\/$/, '')}/sign-in/linear/callback`;
  const secure = options.publicUrl.startsWith('https://');
  const refused = (status: number, message: string): OAuthAnswer => ({ kind: 'refused', status, message });

  return {
    async handle(req, url) {
      if (url.pathname === '/sign-in/linear') {
        const state = randomBytes(32).toString('base64url');
        const asked = url.searchParams.get('next') ?? '/';
        const next = asked.startsWith('/') && !asked.startsWith('//') ? asked : '/';
        const body = `${state}.${now() + STATE_TTL_MS}.${Buffer.from(next, 'utf8').toString('base64url')}`;
        const target = new URL(options.authorizeUrl);
        target.search = new URLSearchParams({ client_id: options.clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'read', state }).toString();
        return { kind: 'redirect', location: target.toString(), cookie: serializeCookie(STATE_COOKIE, `${body}.${seal(body)}`, { httpOnly: true, sameSite: 'lax', secure, path: '/sign-in/linear', maxAge: STATE_TTL_MS / 1000 }) };
      }
      if (url.pathname !== '/sign-in/linear/callback') return refused(404, 'There is no such sign-in page.');
      const state = url.searchParams.get('state') ?? '';
      const cookie = parseCookies(req.headers.cookie ?? '')[STATE_COOKIE] ?? '';
      const entry = openCookie(cookie);
      if (!entry || !sameText(state, entry.state)) {
        options.logger.warn('Sign in with Linear refused: the state does not match this browser');
        return refused(400, 'This sign-in did not start here, or took longer than 10 minutes. Start again with "Sign in with Linear".');
      }
      if (url.searchParams.get('error')) return refused(401, `Linear did not sign you in (${url.searchParams.get('error')}). Try again, and allow Scopekeeper to read your account.`);
      const code = url.searchParams.get('code');
      if (!code) return refused(400, 'Linear sent no authorization code back. Start again with "Sign in with Linear".');

      const response = await fetch(options.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ code, redirect_uri: redirectUri, client_id: options.clientId, client_secret: options.clientSecret, grant_type: 'authorization_code' }).toString(),
      });
      const answer = parseWith(tokenAnswerSchema, await response.json().catch(() => null));
      if (!response.ok || !answer.ok) {
        options.logger.warn({ status: response.status, errors: answer.ok ? [] : answer.errors }, 'Sign in with Linear: the code exchange failed');
        return refused(502, 'Linear refused to exchange the sign-in code. Start again with "Sign in with Linear"; if it keeps failing, check LINEAR_OAUTH_CLIENT_ID, LINEAR_OAUTH_CLIENT_SECRET and the callback URL in the Linear application.');
      }
      const client = new LinearClient({ accessToken: answer.value.access_token, apiUrl: options.apiUrl });
      const viewer = await client.viewer;
      const teams = await viewer.teams({ first: 250 });
      return {
        kind: 'identity',
        next: entry.next,
        identity: {
          kind: 'linear',
          actor: { id: viewer.id, name: viewer.name, email: viewer.email ?? null },
          teams: teams.nodes.map((team) => ({ id: team.id, key: team.key, name: team.name })),
        },
      };
    },
  };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
