import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { sql } from 'kysely';
import { createServer, get as httpGet, type IncomingMessage, type Server } from 'node:http';
import pino from 'pino';
import { closurePolicySchema, type HistoryRecord } from '../../../src/core/schemas';
import { openStore } from '../../../src/store/open-store';
import type { SqlStore } from '../../../src/store/sql-store';
import { createConsole, type Console } from '../../../linear-adapter/console/create-console';
import { scopeSettingsCacheOf } from '../../../linear-adapter/decide/cache-scope-settings';
import type { ConsoleIdentity } from '../../../linear-adapter/console/console-identity';
import { loadConsoleConfig } from '../../../linear-adapter/console/load-console-config';
import { verifyEvidenceBundle } from '../../../src/reports/verify-evidence-bundle';
import { ANA, DEV, ENG, OPS, seedConsoleTeams, type SeededTeams } from '../../support/seed-console-teams';

// The console over HTTP on loopback, against an embedded store seeded with two teams. Linear
// users' sessions are made as Sign in with Linear makes them (identity and teams from `viewer`).

const TOKEN = 'a'.repeat(64);
const HOSTILE = '<script>document.title="pwned"</script> [click](javascript:alert(1)) <img src=x onerror=alert(2)>';

describe('delivery manager console', () => {
  let store: SqlStore;
  let app: Console;
  let server: Server;
  let base: string;
  let seeded: SeededTeams;

  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    seeded = await seedConsoleTeams(store, { criteriaText: HOSTILE });
    const config = loadConsoleConfig({});
    if (!config.ok) throw new Error(config.errors.join('; '));
    app = createConsole({
      store,
      token: TOKEN,
      config: config.value,
      // Ana (by email) is the one approver the environment names.
      policyDefaults: closurePolicySchema.parse({ approverUserIds: [ANA.email], doneStateTypes: ['completed'], doneStateNames: [] }),
      logger: pino({ level: 'silent' }),
    });
    server = createServer((req, res) => void app.handle(req, res).catch((e: unknown) => res.destroy(e as Error)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    server.close();
    await store.close();
  });

  const sessionFor = async (identity: ConsoleIdentity) => {
    const session = await app.sessions.create(identity);
    return { cookie: `scopekeeper_session=${session.id}`, csrf: session.csrfToken };
  };
  const asAna = () => sessionFor({ kind: 'linear', actor: ANA, teams: [{ id: ENG.id, key: ENG.key, name: 'Engineering' }] });
  const asDev = () => sessionFor({ kind: 'linear', actor: DEV, teams: [{ id: ENG.id, key: ENG.key, name: 'Engineering' }] });
  const get = (path: string, cookie?: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { redirect: 'manual', headers: { ...(cookie ? { cookie } : {}), ...headers } });
  const post = (path: string, cookie: string, form: Record<string, string>) =>
    fetch(`${base}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });

  describe('sign-in and sessions', () => {
    it('redirects to sign-in when there is no session, keeping where the user was going', async () => {
      const res = await get('/teams/ENG/history?undocumented=1');
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/sign-in?next=%2Fteams%2FENG%2Fhistory%3Fundocumented%3D1');
    });

    it('signs in with the console token and sets an HttpOnly, SameSite session cookie that expires', async () => {
      const res = await get(`/sign-in?token=${TOKEN}&next=%2Fteams%2FENG`);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/teams/ENG');
      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^scopekeeper_session=[A-Za-z0-9_-]{43};/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).toMatch(/Max-Age=43200/);
      const page = await get('/teams/ENG', cookie.split(';')[0]);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Signed in as Service operator (console token)');
    });

    it('refuses a wrong token and a sign-in link that would send the user to another site', async () => {
      expect((await get(`/sign-in?token=${'b'.repeat(64)}`)).status).toBe(401);
      const res = await get(`/sign-in?token=${TOKEN}&next=//evil.example/`);
      expect(res.headers.get('location')).toBe('/');
    });

    it('signs out only with the form of the session, and the session is gone afterwards', async () => {
      const { cookie, csrf } = (await asAna());
      expect((await post('/sign-out', cookie, {})).status).toBe(403);
      const res = await post('/sign-out', cookie, { csrf });
      expect(res.status).toBe(303);
      expect(res.headers.get('set-cookie')).toMatch(/Max-Age=0/);
      expect((await get('/', cookie)).status).toBe(303);
    });

    it('keeps a session across a restart (another console on the same database), stores only a hash of its id, and ends it when it expires', async () => {
      const { cookie } = await asAna();
      const id = cookie.split('=')[1]!;
      const config = loadConsoleConfig({ SCOPEKEEPER_SESSION_HOURS: '1' });
      if (!config.ok) throw new Error(config.errors.join('; '));
      let clock = Date.now();
      // A second console on the same store: what a restart, or a second instance, is.
      const other = createConsole({ store, token: TOKEN, config: config.value, policyDefaults: closurePolicySchema.parse({ approverUserIds: [ANA.email], doneStateTypes: ['completed'], doneStateNames: [] }), logger: pino({ level: 'silent' }), now: () => clock });
      expect(await other.sessions.get(id)).toMatchObject({ identity: { kind: 'linear', actor: { id: ANA.id } } });
      const rows = (await sql<{ id_hash: string }>`select id_hash from console_sessions`.execute(store.database)).rows.map((r) => r.id_hash);
      expect(rows).toContain(createHash('sha256').update(id).digest('hex'));
      expect(rows).not.toContain(id);

      // An hour later, its own session has expired: signed out, and the next sign-in removes it.
      const mine = await other.sessions.create({ kind: 'token', actor: { id: 'op', name: 'Op', email: null } });
      clock += 3_600_001;
      expect(await other.sessions.get(mine.id)).toBeNull();
      await other.sessions.create({ kind: 'token', actor: { id: 'op', name: 'Op', email: null } });
      const left = (await sql<{ id_hash: string }>`select id_hash from console_sessions`.execute(store.database)).rows.map((r) => r.id_hash);
      expect(left).not.toContain(createHash('sha256').update(mine.id).digest('hex'));
    });

    it('treats a stored session it cannot read as signed out', async () => {
      const { cookie } = await asAna();
      const id = cookie.split('=')[1]!;
      const hash = createHash('sha256').update(id).digest('hex');
      await sql`update console_sessions set identity = '{"kind":"admin"}'::jsonb where id_hash = ${hash}`.execute(store.database);
      expect((await get('/', cookie)).status).toBe(303);
    });

    it('sends a strict Content-Security-Policy that allows no script, and forbids framing', async () => {
      const res = await get('/', (await asAna()).cookie);
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    });
  });

  describe('who sees and writes what', () => {
    it('shows a member of team ENG only ENG: OPS is not found, on pages and exports alike', async () => {
      const { cookie } = (await asDev());
      const overview = await (await get('/', cookie)).text();
      expect(overview).toContain('href="/teams/ENG"');
      expect(overview).not.toContain('OPS');
      expect((await get('/teams/OPS', cookie)).status).toBe(404);
      expect((await get('/teams/OPS/history', cookie)).status).toBe(404);
      expect((await get('/api/teams/OPS/history.csv', cookie)).status).toBe(404);
      const teams = await (await get('/api/teams', cookie)).json();
      expect(teams).toEqual({ teams: [{ id: ENG.id, key: 'ENG', name: 'Engineering' }] });
    });

    it('refuses a POST without the session CSRF token and stores nothing', async () => {
      const { cookie } = (await asAna());
      const head = await store.getHistoryHead(ENG.scopeId);
      const res = await post('/teams/ENG/baselines', cookie, { name: 'SRS v2.0' });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('did not come from a console page of your session');
      expect(await store.getHistoryHead(ENG.scopeId)).toEqual(head);
    });

    it("refuses a non-approver's reason, baseline and settings, and stores nothing", async () => {
      const { cookie, csrf } = (await asDev());
      const head = await store.getHistoryHead(ENG.scopeId);
      const history = await (await get('/teams/ENG/history', cookie)).text();
      expect(history).not.toContain('Attach reason');
      for (const [path, form] of [
        ['/teams/ENG/reasons', { seq: '2', record: seeded.reworded, reason: 'Client asked' }],
        ['/teams/ENG/baselines', { name: 'SRS v2.0' }],
        ['/teams/ENG/settings', { approvers: DEV.id, doneStateTypes: 'completed' }],
      ] as const) {
        const res = await post(path, cookie, { ...form, csrf });
        expect(res.status).toBe(403);
      }
      expect(await store.getHistoryHead(ENG.scopeId)).toEqual(head);
      expect(await store.readScopeSettings(ENG.scopeId)).toBeNull();
    });

    it("attaches an approver's reason to a deleted issue's undocumented removal as a new history record", async () => {
      const { cookie, csrf } = (await asAna());
      const before = await (await get('/teams/ENG/history?undocumented=1', cookie)).text();
      // Said once, as the badge beside the sentence.
      expect(before).toContain('Deliverable removed on ENG-3 <strong class="bad">undocumented</strong>');
      expect(before).not.toContain('(undocumented)');
      const removal = (await store.queryHistory({ scopeId: ENG.scopeId, undocumentedOnly: true })).records.find((r) => r.id === seeded.removed)!;
      const res = await post('/teams/ENG/reasons', cookie, { csrf, seq: String(removal.seq), record: removal.id, reason: 'Merged into ENG-2 at the client\'s request', back: '/teams/ENG/history?undocumented=1' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/teams/ENG/history?undocumented=1&saved=reason');
      const after = await (await get('/teams/ENG/history', cookie)).text();
      expect(after).toContain('Reason attached to 1 earlier change: Merged into ENG-2 at the client&#39;s request');
      const newest = (await store.queryHistory({ scopeId: ENG.scopeId, limit: 1 })).records[0]!;
      expect(newest).toMatchObject({ kind: 'reason_attached', actor: { id: ANA.id } });
      const still = await (await get('/teams/ENG/history?undocumented=1', cookie)).text();
      expect(still).not.toContain('Deliverable removed on ENG-3');
    });
  });

  describe('pages', () => {
    it('shows every team on the overview with its baseline, scope version and signals', async () => {
      const text = await (await get('/', `scopekeeper_session=${(await app.sessions.create({ kind: 'token', actor: { id: 'op', name: 'Op', email: null } })).id}`)).text();
      expect(text).toMatch(/<a href="\/teams\/ENG">ENG<\/a><\/th>\s*<td>SRS v1.0<\/td>\s*<td>1.2<\/td>/);
      expect(text).toContain('href="/teams/OPS"');
    });

    it('sorts and filters the deliverables table from the address', async () => {
      const { cookie } = (await asAna());
      const sorted = await (await get('/teams/ENG?sort=criteria&dir=desc', cookie)).text();
      expect(sorted.indexOf('>ENG-1<')).toBeLessThan(sorted.indexOf('>ENG-4<'));
      const filtered = await (await get('/teams/ENG?show=no-criteria', cookie)).text();
      expect(filtered).toContain('>ENG-4<');
      expect(filtered).not.toContain('>ENG-1<');
      expect(filtered).toContain('1 of 4 deliverables');
    });

    it('compares the baseline with the current scope per criterion, with word diffs', async () => {
      const text = await (await get('/teams/ENG/compare?from=SRS%20v1.0&to=current', (await asAna()).cookie)).text();
      expect(text).toContain('<h2>ENG-1</h2>');
      expect(text).toContain('criterion changed');
      expect(text).toMatch(/<del>5<\/del><ins>10<\/ins>/);
      expect(text).toContain('deliverable removed');
    });

    it('filters the history by kind and says which filter it cannot read', async () => {
      const { cookie } = (await asAna());
      const text = await (await get('/teams/ENG/history?kind=signoff_recorded', cookie)).text();
      expect(text).toContain('ENG-2 signed off');
      expect(text).not.toContain('Criterion modified');
      const bad = await (await get('/teams/ENG/history?from=yesterday', cookie)).text();
      expect(bad).toContain('from: must be a date like 2026-11-30');
    });

    it('pages through a long history with the older-records link, 50 at a time', async () => {
      const drafts = Array.from({ length: 55 }, (_, i) => ({
        id: `ops-${i}`, scopeId: OPS.scopeId, at: `2026-11-20T10:${String(i).padStart(2, '0')}:00.000Z`, actor: ANA, deliverableId: null,
        kind: 'settings_changed' as const, data: { changes: [{ setting: 'requireAllMet', from: i % 2 === 0, to: i % 2 !== 0 }] },
      }));
      expect((await store.commit({ scopeId: OPS.scopeId, history: drafts })).ok).toBe(true);
      const { cookie } = await sessionFor({ kind: 'token', actor: { id: 'op', name: 'Op', email: null } });
      const first = await (await get('/teams/OPS/history', cookie)).text();
      expect(first.match(/<tr id="r\d+">/g)).toHaveLength(50);
      const older = /<a href="([^"]+)" rel="next">Older records<\/a>/.exec(first)?.[1];
      expect(older).toBeDefined();
      const second = await (await get(older!.replace(/&amp;/g, '&'), cookie)).text();
      expect(second.match(/<tr id="r\d+">/g)).toHaveLength(5);
      expect(second).toContain('No older records.');
    });

    it('verifies the chain on request', async () => {
      const text = await (await get('/teams/ENG/history?verify=1', (await asAna()).cookie)).text();
      expect(text).toMatch(/Chain verified:<\/strong> all \d+ records link/);
    });

    it('escapes criteria with script, javascript: links and event handlers on every page that shows them', async () => {
      const { cookie } = (await asAna());
      for (const path of ['/teams/ENG/history', '/teams/ENG/compare?from=SRS%20v1.0&to=current', '/teams/ENG/evidence?baseline=SRS%20v1.0']) {
        const text = await (await get(path, cookie)).text();
        expect(text).toContain('&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;');
        expect(text).not.toMatch(/<script|<img|href="javascript:/i);
      }
    });
  });

  describe('exports', () => {
    it('streams the history as RFC 4180 CSV to a Bearer token, and refuses without one', async () => {
      expect((await get('/api/teams/ENG/history.csv')).status).toBe(401);
      const res = await get('/api/teams/ENG/history.csv', undefined, { authorization: `Bearer ${TOKEN}` });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="ENG-history.csv"/);
      const text = await res.text();
      expect(text.startsWith('seq,at,kind,deliverable,author,scope version,undocumented,summary,reason,before,after,hash\r\n')).toBe(true);
      expect(text.split('\r\n').filter((l) => l !== '').length).toBeGreaterThan(4);
    });

    it('exports the filtered history as JSON Lines with each record and its hash', async () => {
      const res = await get('/api/teams/ENG/history.jsonl?kind=scope_changed', undefined, { authorization: `Bearer ${TOKEN}` });
      const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.length).toBe(2);
      expect(lines.every((l) => l.kind === 'scope_changed' && /^[0-9a-f]{64}$/.test(l.record.hash))).toBe(true);
    });

    it('exports an evidence bundle that verifies, and names a missing baseline', async () => {
      const res = await get('/api/teams/ENG/evidence.json?baseline=srs%20v1.0', undefined, { authorization: `Bearer ${TOKEN}` });
      expect(res.status).toBe(200);
      expect(verifyEvidenceBundle(Buffer.from(await res.arrayBuffer()))).toMatchObject({ ok: true, scopeKey: 'ENG', baselineName: 'SRS v1.0' });
      const missing = await get('/api/teams/ENG/evidence.json?baseline=SRS%20v9', undefined, { authorization: `Bearer ${TOKEN}` });
      expect(missing.status).toBe(404);
      expect((await missing.json()).error).toMatch(/no baseline named "SRS v9"/);
    });
    it('closes a download whose client stopped reading, and lets go of its history read', async () => {
      // An endless history stands in for one far larger than the socket's buffers, so the
      // export is still under way when the client stops reading.
      let readEnded = false;
      const endless: typeof store.readHistoryPagesSince = async function* (scopeId) {
        const records: HistoryRecord[] = [];
        for await (const page of store.readHistoryPagesSince(scopeId, 0)) records.push(...page);
        // About a megabyte of CSV a page, so the socket's buffers fill in a few pages.
        const page = Array.from({ length: 300 }, () => records).flat();
        try {
          for (;;) yield page;
        } finally {
          readEnded = true;
        }
      };
      const stalling = createConsole({
        store: new Proxy(store, { get: (target, key) => (key === 'readHistoryPagesSince' ? endless : Reflect.get(target, key, target)) }),
        token: TOKEN,
        config: (loadConsoleConfig({}) as { ok: true; value: Parameters<typeof createConsole>[0]['config'] }).value,
        policyDefaults: closurePolicySchema.parse({ approverUserIds: [], doneStateTypes: ['completed'], doneStateNames: [] }),
        logger: pino({ level: 'silent' }),
        stalledDownloadMs: 300,
      });
      const stallServer = createServer((req, res) => void stalling.handle(req, res).catch(() => undefined));
      stallServer.listen(0, '127.0.0.1');
      await once(stallServer, 'listening');
      try {
        const port = (stallServer.address() as { port: number }).port;
        const response = await new Promise<IncomingMessage>((resolve, reject) => {
          httpGet({ host: '127.0.0.1', port, path: '/api/teams/ENG/history.csv', headers: { authorization: `Bearer ${TOKEN}` } }, resolve).on('error', reject);
        });
        expect(response.statusCode).toBe(200);
        response.pause();
        // The service gives up on the paused client once the buffers are full and 300 ms pass.
        for (let waited = 0; !readEnded && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
        expect(readEnded).toBe(true);
        // And the client sees a download cut short, not a complete file.
        const cut = new Promise<string>((resolve) => {
          response.on('error', (error) => resolve(error.message));
          response.on('end', () => resolve('complete'));
        });
        response.resume();
        expect(await cut).not.toBe('complete');
      } finally {
        stallServer.close();
      }
    });
  });

  describe('approver writes', () => {
    it('records a baseline with the signed-in approver as "approved by"', async () => {
      const { cookie, csrf } = (await asAna());
      const res = await post('/teams/ENG/baselines', cookie, { csrf, name: 'SRS v2.0' });
      expect(res.status).toBe(303);
      const active = await store.getActiveBaseline(ENG.scopeId);
      expect(active).toMatchObject({ name: 'SRS v2.0', major: 2, approvedBy: { id: ANA.id } });
      expect((await store.getHistoryHead(ENG.scopeId))?.scopeVersion).toBe('2.0');
    });

    it('stores team settings in the database and records the change in the history', async () => {
      const { cookie, csrf } = (await asAna());
      const res = await fetch(`${base}/teams/ENG/settings`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: `csrf=${csrf}&approvers=${encodeURIComponent(`${ANA.email}\n${DEV.id}`)}&doneStateTypes=completed&doneStateTypes=canceled&forbidSelfSignOff=1`,
      });
      expect(res.status).toBe(303);
      expect((await store.readScopeSettings(ENG.scopeId))?.settings).toEqual({
        approvers: [ANA.email, DEV.id],
        doneStateTypes: ['completed', 'canceled'],
        requireAllMet: false,
        forbidSelfSignOff: true,
        vocabulary: { vagueWords: [], silencedWords: [], disabledRules: [] },
      });
      const newest = (await store.queryHistory({ scopeId: ENG.scopeId, limit: 1 })).records[0]!;
      expect(newest).toMatchObject({ kind: 'settings_changed', actor: { id: ANA.id } });
      const history = await (await get('/teams/ENG/history?kind=settings_changed', cookie)).text();
      expect(history).toContain('Settings changed');
      // Dev is an approver now.
      expect(await (await get('/teams/ENG', (await asDev()).cookie)).text()).toContain('Record baseline of the current scope');
    });

    it('stores the team’s wording rules, records each list’s change in plain words, and clears the settings the deliveries read', async () => {
      const { cookie, csrf } = (await asAna());
      // What the inbox worker of this process has read of the settings until now.
      const before = await scopeSettingsCacheOf(store).read(ENG.scopeId);
      const res = await post('/teams/ENG/settings', cookie, {
        csrf,
        approvers: `${ANA.email}\n${DEV.id}`,
        doneStateTypes: 'completed',
        vagueWords: 'snappy\n  blazing fast  \n',
        silencedWords: 'fast lane',
        disabledRules: 'INCOSE-R19',
      });
      expect(res.status).toBe(303);
      const vocabulary = { vagueWords: ['snappy', 'blazing fast'], silencedWords: ['fast lane'], disabledRules: ['INCOSE-R19'] };
      expect((await store.readScopeSettings(ENG.scopeId))?.settings).toMatchObject({ vocabulary });
      // The next delivery in this process reads the new settings, not the copy it kept.
      expect((await scopeSettingsCacheOf(store).read(ENG.scopeId))?.version).toBe((before?.version ?? 0) + 1);
      const history = await (await get('/teams/ENG/history?kind=settings_changed', cookie)).text();
      expect(history).toContain('Extra vague words none → “snappy”, “blazing fast”');
      expect(history).toContain('Accepted words none → “fast lane”');
      expect(history).toContain('Hint rules switched off none → Avoid combinators that join several outcomes (INCOSE R19)');
      const settingsPage = await (await get('/teams/ENG/settings', cookie)).text();
      expect(settingsPage).toContain('<textarea name="vagueWords" rows="4" cols="50">snappy\nblazing fast</textarea>');
      expect(settingsPage).toMatch(/value="INCOSE-R19" checked> Avoid combinators/);
    });

    it('refuses a wording entry it cannot use, naming it, keeps what was typed, and saves nothing', async () => {
      const { cookie, csrf } = (await asAna());
      const before = await store.readScopeSettings(ENG.scopeId);
      const head = await store.getHistoryHead(ENG.scopeId);
      const res = await post('/teams/ENG/settings', cookie, { csrf, approvers: ANA.email!, doneStateTypes: 'completed', vagueWords: 'sluggish\n!!!', disabledRules: 'INCOSE-R99' });
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).toContain('vocabulary.vagueWords.1: The extra vague word “!!!” must contain a letter or digit.');
      expect(text).toContain('vocabulary.disabledRules.0: There is no hint rule “INCOSE-R99”.');
      expect(text).toContain('<textarea name="vagueWords" rows="4" cols="50">sluggish\n!!!</textarea>');
      expect(await store.readScopeSettings(ENG.scopeId)).toEqual(before);
      expect(await store.getHistoryHead(ENG.scopeId)).toEqual(head);
    });

    it('says what is wrong with settings it cannot save, and saves nothing', async () => {
      const { cookie, csrf } = (await asAna());
      const before = await store.readScopeSettings(ENG.scopeId);
      const res = await post('/teams/ENG/settings', cookie, { csrf, approvers: ANA.email! });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('doneStateTypes: name at least one Linear workflow state type');
      expect(await store.readScopeSettings(ENG.scopeId)).toEqual(before);
    });
  });

});
