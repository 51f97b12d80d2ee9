import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import pino from 'pino';
import { closurePolicySchema } from '../../../src/core/schemas';
import { openStore } from '../../../src/store/open-store';
import type { SqlStore } from '../../../src/store/sql-store';
import { createConsole, type Console } from '../../../linear-adapter/console/create-console';
import { createLinearOAuth } from '../../../linear-adapter/console/create-linear-oauth';
import { loadConsoleConfig } from '../../../linear-adapter/console/load-console-config';
import { startLinearStandIn, type LinearStandIn } from '../../support/linear-stand-in';
import { ANA, ENG, OPS, seedConsoleTeams } from '../../support/seed-console-teams';

const origin = (linear: LinearStandIn) => new URL(linear.url).origin;

// Sign in with Linear against the stand-in's OAuth 2 endpoint and the real @linear/sdk: the
// identity and the teams come from `viewer`, the state guards the callback.

describe('Sign in with Linear', () => {
  let store: SqlStore;
  let linear: LinearStandIn;
  let server: Server;
  let base: string;
  let app: Console;

  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    await seedConsoleTeams(store);
    server = createServer((req, res) => void app.handle(req, res).catch((e: unknown) => res.destroy(e as Error)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    linear = await startLinearStandIn(
      { teams: [{ id: ENG.id, key: 'ENG', name: 'Engineering' }, { id: OPS.id, key: 'OPS', name: 'Operations' }], users: [{ id: ANA.id, name: ANA.name!, email: ANA.email, teamIds: [ENG.id] }] },
      { apiKey: 'service-key', oauth: { clientId: 'client-1', clientSecret: 'secret-1', redirectUris: [`${base}/sign-in/linear/callback`] } },
    );
    const config = loadConsoleConfig({ SCOPEKEEPER_PUBLIC_URL: base, LINEAR_OAUTH_CLIENT_ID: 'client-1', LINEAR_OAUTH_CLIENT_SECRET: 'secret-1' });
    if (!config.ok) throw new Error(config.errors.join('; '));
    const logger = pino({ level: 'silent' });
    app = createConsole({
      store,
      token: 'c'.repeat(64),
      config: config.value,
      policyDefaults: closurePolicySchema.parse({}),
      logger,
      oauth: createLinearOAuth({ clientId: 'client-1', clientSecret: 'secret-1', authorizeUrl: `${origin(linear)}/oauth/authorize`, tokenUrl: `${origin(linear)}/oauth/token`, apiUrl: linear.url, publicUrl: base, logger }),
    });
  });
  afterAll(async () => {
    server.close();
    await linear.close();
    await store.close();
  });

  const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0]!;

  it('signs a Linear user in through the authorization-code flow and shows only the teams viewer lists', async () => {
    linear.signInAs(ANA.id);
    const start = await fetch(`${base}/sign-in/linear?next=%2Fteams%2FENG`, { redirect: 'manual' });
    expect(start.status).toBe(303);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.searchParams.get('response_type')).toBe('code');
    expect(authorize.searchParams.get('scope')).toBe('read');
    const approved = await fetch(authorize, { redirect: 'manual' });
    expect(approved.status).toBe(302);
    const callback = await fetch(approved.headers.get('location')!, { redirect: 'manual', headers: { cookie: cookieOf(start) } });
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe('/teams/ENG');
    const session = cookieOf(callback);
    const page = await fetch(`${base}/teams/ENG`, { headers: { cookie: session } });
    expect(await page.text()).toContain('Signed in as Ana Silva');
    expect((await fetch(`${base}/teams/OPS`, { headers: { cookie: session } })).status).toBe(404);
  });

  it('finishes a sign-in on another instance (or after a restart) than the one that started it, and refuses a state cookie that was edited', async () => {
    const logger = pino({ level: 'silent' });
    const config = loadConsoleConfig({ SCOPEKEEPER_PUBLIC_URL: base, LINEAR_OAUTH_CLIENT_ID: 'client-1', LINEAR_OAUTH_CLIENT_SECRET: 'secret-1' });
    if (!config.ok) throw new Error(config.errors.join('; '));
    const instance = () =>
      createConsole({
        store, token: 'd'.repeat(64), config: config.value, policyDefaults: closurePolicySchema.parse({}), logger,
        oauth: createLinearOAuth({ clientId: 'client-1', clientSecret: 'secret-1', authorizeUrl: `${origin(linear)}/oauth/authorize`, tokenUrl: `${origin(linear)}/oauth/token`, apiUrl: linear.url, publicUrl: base, logger }),
      });
    const first = app;
    try {
      linear.signInAs(ANA.id);
      const start = await fetch(`${base}/sign-in/linear?next=%2Fteams%2FENG`, { redirect: 'manual' });
      const approved = await fetch(start.headers.get('location')!, { redirect: 'manual' });
      app = instance();
      // Where to go next is sealed in the cookie: changing it breaks the seal.
      const [state, expires, , mac] = cookieOf(start).split('=')[1]!.split('.');
      const edited = `scopekeeper_oauth_state=${state}.${expires}.${Buffer.from('/teams/OPS').toString('base64url')}.${mac}`;
      expect((await fetch(approved.headers.get('location')!, { redirect: 'manual', headers: { cookie: edited } })).status).toBe(400);

      linear.signInAs(ANA.id);
      const again = await fetch(`${base}/sign-in/linear?next=%2Fteams%2FENG`, { redirect: 'manual' });
      const approvedAgain = await fetch(again.headers.get('location')!, { redirect: 'manual' });
      app = instance();
      const callback = await fetch(approvedAgain.headers.get('location')!, { redirect: 'manual', headers: { cookie: cookieOf(again) } });
      expect(callback.status).toBe(303);
      expect(callback.headers.get('location')).toBe('/teams/ENG');
      // The session, in the database, works on the first instance too.
      app = first;
      expect(await (await fetch(`${base}/teams/ENG`, { headers: { cookie: cookieOf(callback) } })).text()).toContain('Signed in as Ana Silva');
    } finally {
      app = first;
    }
  });

  it('refuses a callback whose state this browser did not start, and signs nobody in', async () => {
    linear.signInAs(ANA.id);
    const start = await fetch(`${base}/sign-in/linear`, { redirect: 'manual' });
    const approved = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    // An attacker's browser: the callback URL without the state cookie.
    const callback = await fetch(approved.headers.get('location')!, { redirect: 'manual' });
    expect(callback.status).toBe(400);
    expect(callback.headers.get('set-cookie')).toBeNull();
    expect(await callback.text()).toContain('This sign-in did not start here');
  });
});

describe('Linear stand-in OAuth endpoint', () => {
  let linear: LinearStandIn;
  const redirect = 'http://127.0.0.1:1/cb';
  beforeAll(async () => {
    linear = await startLinearStandIn({ users: [{ id: 'u1', name: 'U One', teamIds: [] }] }, { oauth: { clientId: 'c', clientSecret: 's', redirectUris: [redirect] } });
    linear.signInAs('u1');
  });
  afterAll(() => linear.close());

  const codeFor = async () => {
    const res = await fetch(`${origin(linear)}/oauth/authorize?client_id=c&redirect_uri=${encodeURIComponent(redirect)}&response_type=code&scope=read&state=x`, { redirect: 'manual' });
    return new URL(res.headers.get('location')!).searchParams;
  };
  const exchange = (form: Record<string, string>, type = 'application/x-www-form-urlencoded') =>
    fetch(`${origin(linear)}/oauth/token`, { method: 'POST', headers: { 'content-type': type }, body: new URLSearchParams(form).toString() });

  it('refuses a redirect_uri the application does not list without redirecting', async () => {
    const res = await fetch(`${origin(linear)}/oauth/authorize?client_id=c&redirect_uri=${encodeURIComponent('https://evil.example/cb')}&response_type=code&scope=read`, { redirect: 'manual' });
    expect(res.status).toBe(400);
  });

  it('returns the state with the code, exchanges a code once only, and refuses a wrong secret or a JSON body', async () => {
    const params = await codeFor();
    expect(params.get('state')).toBe('x');
    const code = params.get('code')!;
    expect((await exchange({ code, redirect_uri: redirect, client_id: 'c', client_secret: 'wrong', grant_type: 'authorization_code' })).status).toBe(401);
    const form = { code, redirect_uri: redirect, client_id: 'c', client_secret: 's', grant_type: 'authorization_code' };
    expect((await exchange(form, 'application/json')).status).toBe(400);
    const first = await exchange(form);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ token_type: 'Bearer', scope: 'read' });
    expect((await exchange(form)).status).toBe(400);
  });

  it('answers viewer as the user who approved for an issued Bearer token, and refuses one it never issued', async () => {
    const code = (await codeFor()).get('code')!;
    const { access_token: token } = (await (await exchange({ code, redirect_uri: redirect, client_id: 'c', client_secret: 's', grant_type: 'authorization_code' })).json()) as { access_token: string };
    const ask = (authorization: string) =>
      fetch(linear.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query: '{ viewer { id name } }' }) }).then((r) => r.json());
    expect(await ask(`Bearer ${token}`)).toEqual({ data: { viewer: { id: 'u1', name: 'U One' } } });
    expect(((await ask(`Bearer ${'0'.repeat(64)}`)) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('AUTHENTICATION_ERROR');
  });
});
