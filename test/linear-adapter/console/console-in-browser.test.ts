import { readFile } from 'node:fs/promises';
import axe from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ANA, DEV, ENG } from '../../support/seed-console-teams';
import { launchBrowser } from '../../support/launch-browser';
import { startSeededConsole, type SeededConsole } from '../../support/start-seeded-console';

// The console as a delivery manager uses it: a real headless Chromium (one per file, pages
// reused) against the console on loopback, signed in with the token link or with Linear (the
// stand-in's OAuth endpoint). Tests run in order and later ones see what earlier ones stored.

// Each piece would show itself by a dialog or a console message "pwned-…" if it ever ran.
const HOSTILE = '<script>alert("pwned-script")</script> <img src=x onerror="console.log(\'pwned-img\')"> <a href="javascript:alert(\'pwned-link\')">click me</a> [docs](javascript:alert(1))';

describe('console in a browser', () => {
  let c: SeededConsole;
  let browser: Browser;
  let operator: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [c, browser] = await Promise.all([startSeededConsole({ hostile: HOSTILE }), launchBrowser()]);
    operator = await browser.newContext({ acceptDownloads: true });
    page = await operator.newPage();
    // The operator, signed in once with the token link; other users get their own contexts.
    await page.goto(`${c.base}/sign-in?token=${c.token}`);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await c?.close();
  });

  const url = (path: string) => `${c.base}${path}`;
  const pathOf = (p: Page) => new URL(p.url()).pathname + new URL(p.url()).search;
  const rowKeys = (p: Page) => p.locator('#deliverables + form + table tbody th[scope=row]').allTextContents();

  /** A fresh browser signed in with Linear as `userId`, through the OAuth redirects as a user clicks them. */
  const signInWithLinear = async (userId: string, next = '/teams/ENG') => {
    const context = await browser.newContext({ acceptDownloads: true });
    const p = await context.newPage();
    c.linear.signInAs(userId);
    await p.goto(url(`/sign-in?next=${encodeURIComponent(next)}`));
    await p.getByRole('link', { name: 'Sign in with Linear' }).click();
    await p.waitForURL((u) => u.pathname === next);
    return { context, page: p };
  };

  describe('signing in and out', () => {
    it('sends a visitor without a session to sign-in, and the token link signs in and returns them where they were going', async () => {
      const context = await browser.newContext();
      const p = await context.newPage();
      await p.goto(url('/teams/ENG/history?undocumented=1'));
      expect(pathOf(p)).toBe('/sign-in?next=%2Fteams%2FENG%2Fhistory%3Fundocumented%3D1');
      await p.goto(url(`/sign-in?token=${c.token}&next=${encodeURIComponent('/teams/ENG')}`));
      expect(pathOf(p)).toBe('/teams/ENG');
      await expect(p.locator('header').textContent()).resolves.toContain('Signed in as Service operator (console token)');
      await context.close();
    });

    it('says what is wrong with a pasted token that is not the console token, and signs nobody in', async () => {
      const context = await browser.newContext();
      const p = await context.newPage();
      await p.goto(url('/sign-in'));
      await p.getByLabel('Or paste the token').fill('not-the-token');
      await p.getByRole('button', { name: 'Sign in' }).click();
      await expect(p.getByRole('alert').textContent()).resolves.toContain("That token is not this service's console token");
      await p.goto(url('/'));
      expect(new URL(p.url()).pathname).toBe('/sign-in');
      await context.close();
    });

    it('signs a Linear user in through the OAuth flow and shows only the teams Linear lists for them', async () => {
      const { context, page: p } = await signInWithLinear(ANA.id, '/');
      await expect(p.locator('header').textContent()).resolves.toContain('Signed in as Ana Silva');
      await expect(p.locator('main > table tbody th[scope=row]').allTextContents()).resolves.toEqual(['ENG']);
      const refused = await p.goto(url('/teams/OPS'));
      expect(refused?.status()).toBe(404);
      await context.close();
    });

    it('signs out with the header button; afterwards a page sends the user back to sign-in', async () => {
      const { context, page: p } = await signInWithLinear(DEV.id);
      await p.getByRole('button', { name: 'Sign out' }).click();
      await p.waitForURL((u) => u.pathname === '/sign-in');
      await p.goto(url('/teams/ENG/settings'));
      expect(pathOf(p)).toBe('/sign-in?next=%2Fteams%2FENG%2Fsettings');
      await context.close();
    });
  });

  describe('pages', () => {
    it('shows every team on the overview with its signals, linking to the team and its undocumented changes', async () => {
      await page.goto(url('/'));
      const eng = page.locator('tbody tr', { has: page.locator('th', { hasText: 'ENG' }) });
      await expect(eng.locator('td').allTextContents()).resolves.toEqual(expect.arrayContaining(['SRS v1.1', `${c.seeded.undocumentedAdditions.length + 2}`]));
      await expect(page.getByRole('img', { name: /of 8 signed off/ }).count()).resolves.toBe(1);
      await eng.getByRole('link', { name: String(c.seeded.undocumentedAdditions.length + 2) }).click();
      expect(pathOf(page)).toBe('/teams/ENG/history?undocumented=1');
    });

    it('filters the deliverables table by key or title and by sign-off state, and keeps the filter when sorting', async () => {
      await page.goto(url('/teams/ENG'));
      await expect(rowKeys(page)).resolves.toEqual(['ENG-1', 'ENG-2', 'ENG-4', 'ENG-5', 'ENG-6', 'ENG-7', 'ENG-8', 'ENG-9']);
      await page.getByLabel('Key or title').fill('statement');
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect(rowKeys(page)).resolves.toEqual(['ENG-6']);
      await page.getByLabel('Key or title').fill('');
      await page.getByLabel('Show').selectOption({ label: 'Not signed off' });
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect(rowKeys(page)).resolves.toEqual(['ENG-1', 'ENG-4', 'ENG-6', 'ENG-7', 'ENG-8', 'ENG-9']);
      await page.getByRole('link', { name: 'Criteria' }).click();
      await expect(rowKeys(page)).resolves.toEqual(['ENG-4', 'ENG-9', 'ENG-6', 'ENG-8', 'ENG-1', 'ENG-7']);
      await expect(page.getByLabel('Show').inputValue()).resolves.toBe('unsigned');
      await page.getByLabel('Show').selectOption({ label: 'Removed from scope' });
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect(rowKeys(page)).resolves.toEqual(['ENG-3']);
    });

    it('sorts by a column heading, ascending then descending, and says so to screen readers', async () => {
      await page.goto(url('/teams/ENG'));
      await page.getByRole('link', { name: 'Criteria' }).click();
      await expect(page.locator('th[aria-sort=ascending]').textContent()).resolves.toBe('Criteria ▲');
      await expect(rowKeys(page)).resolves.toEqual(['ENG-4', 'ENG-9', 'ENG-2', 'ENG-6', 'ENG-8', 'ENG-1', 'ENG-5', 'ENG-7']);
      await page.getByRole('link', { name: 'Criteria ▲' }).click();
      await expect(page.locator('th[aria-sort=descending]').textContent()).resolves.toBe('Criteria ▼');
      await expect(rowKeys(page)).resolves.toEqual(['ENG-7', 'ENG-5', 'ENG-1', 'ENG-8', 'ENG-6', 'ENG-2', 'ENG-9', 'ENG-4']);
    });

    it('pages through the history with the cursor, newest first, and back to the newest', async () => {
      await page.goto(url('/teams/ENG/history'));
      const seqs = async () => (await page.locator('main table tbody tr td:first-child').allTextContents()).map(Number);
      const first = await seqs();
      expect(first).toHaveLength(50);
      expect(first[0]).toBe(c.seeded.engRecords - 1);
      await page.getByRole('link', { name: 'Older records' }).click();
      const second = await seqs();
      expect(second).toEqual(Array.from({ length: c.seeded.engRecords - 50 }, (_, i) => c.seeded.engRecords - 51 - i));
      await expect(page.getByText('No older records.').count()).resolves.toBe(1);
      await page.getByRole('link', { name: 'Newest' }).click();
      await expect(seqs()).resolves.toEqual(first);
    });

    it('filters the history by deliverable and kind, and by undocumented only', async () => {
      await page.goto(url('/teams/ENG/history'));
      await page.getByLabel('Deliverable').fill('ENG-1');
      await page.getByLabel('Kind').selectOption({ label: 'scope changed' });
      await page.getByRole('button', { name: 'Filter' }).click();
      const what = page.locator('main table tbody tr td:last-child');
      await expect(what.allTextContents()).resolves.toEqual([expect.stringMatching(/^Criterion modified on ENG-1 undocumented/)]);
      await expect(page.locator('main table del').allTextContents()).resolves.toContain('5');
      await expect(page.locator('main table ins').allTextContents()).resolves.toContain('10');
      await page.goto(url('/teams/ENG/history'));
      await page.getByLabel('Undocumented only').check();
      await page.getByRole('button', { name: 'Filter' }).click();
      const texts = await what.allTextContents();
      expect(texts).toHaveLength(c.seeded.undocumentedAdditions.length + 2);
      for (const text of texts) expect(text).toContain('undocumented');
    });

    it('names a filter it cannot read instead of showing everything', async () => {
      await page.goto(url('/teams/ENG/history?from=30.11.2026'));
      await expect(page.getByRole('alert').textContent()).resolves.toContain('from: must be a date like 2026-11-30');
    });

    it('compares a baseline with the current scope, and two baselines, per deliverable with word diffs', async () => {
      await page.goto(url('/teams/ENG'));
      const compare = page.getByRole('form', { name: 'Compare baselines' });
      await compare.getByLabel('Compare').selectOption('SRS v1.0');
      await compare.getByLabel('with').selectOption('SRS v1.1');
      await compare.getByRole('button', { name: 'Compare' }).click();
      await expect(page.locator('main').textContent()).resolves.toContain('From SRS v1.0 to SRS v1.1: 7 changes in 7 deliverables.');
      await expect(page.locator('main h2').allTextContents()).resolves.toEqual(['ENG-1', 'ENG-3', 'ENG-5', 'ENG-6', 'ENG-7', 'ENG-8', 'ENG-9']);
      await expect(page.locator('main').textContent()).resolves.not.toContain('revision');

      await page.getByRole('link', { name: 'Back to the team' }).click();
      await page.locator('tr', { hasText: 'SRS v1.1' }).getByRole('link', { name: 'compare with now' }).click();
      await expect(page.locator('main').textContent()).resolves.toContain('From SRS v1.1 to the current scope: 1 changes in 1 deliverables.');
      await expect(page.locator('main ins').allTextContents()).resolves.toEqual([expect.stringContaining('55')]);
    });

    it('shows the evidence of a baseline with its criteria, signatures and chain head', async () => {
      await page.goto(url('/teams/ENG'));
      await page.locator('tr', { hasText: 'SRS v1.0' }).getByRole('link', { name: 'view' }).click();
      await expect(page.locator('h1').textContent()).resolves.toBe('Evidence: ENG, SRS v1.0');
      const signatures = page.locator('h2:text("Signatures") + table tbody tr');
      await expect(signatures.locator('td:first-child').allTextContents()).resolves.toEqual(['ENG-2', 'ENG-5']);
      const head = await c.store.getHistoryHead(ENG.scopeId);
      await expect(page.locator('main').textContent()).resolves.toContain(`Chain head: seq ${head!.seq}, ${head!.hash}`);
    });

    it('downloads the history as CSV and the undocumented changes as JSON Lines through the browser', async () => {
      await page.goto(url('/teams/ENG'));
      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
      expect(csv.suggestedFilename()).toBe('ENG-history.csv');
      const text = await readFile(await csv.path(), 'utf8');
      const lines = text.split('\r\n').filter((l) => l !== '');
      expect(lines[0]).toBe('seq,at,kind,deliverable,author,scope version,undocumented,summary,reason,before,after,hash');
      expect(lines).toHaveLength(c.seeded.engRecords + 1);

      await page.goto(url('/teams/ENG/history?undocumented=1'));
      const [jsonl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'JSON Lines' }).click()]);
      expect(jsonl.suggestedFilename()).toBe('ENG-history.jsonl');
      const rows = (await readFile(await jsonl.path(), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { deliverable: string; undocumented: boolean });
      expect(rows.map((r) => r.deliverable).sort()).toEqual(['ENG-1', 'ENG-3', ...c.seeded.undocumentedAdditions]);
      expect(rows.every((r) => r.undocumented)).toBe(true);
    });
  });

  describe('keyboard and accessibility', () => {
    const everyPage = ['/', '/teams/ENG', '/teams/ENG/history?undocumented=1', '/teams/ENG/compare?from=SRS%20v1.0&to=SRS%20v1.1', '/teams/ENG/settings', '/teams/ENG/evidence?baseline=SRS%20v1.0', '/teams/NOPE'];

    /** axe-core in the page (evaluated, so the CSP does not block it): the serious and critical violations. */
    const findViolations = async (p: Page) => {
      await p.evaluate(axe.source);
      const result = await p.evaluate(() => (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] }));
      return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    };

    /** Tabs from the top of the page until focus leaves it; each stop with whether its focus ring shows (3px or more, 3:1 on white) and is on screen. */
    const tabThrough = async (p: Page) => {
      await p.locator('body').focus();
      await p.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      const stops: Array<{ name: string; ring: boolean; onScreen: boolean }> = [];
      for (let i = 0; i < 400; i++) {
        await p.keyboard.press('Tab');
        const stop = await p.evaluate(() => {
          // WCAG contrast of a CSS rgb() colour against the white page (1.4.11 asks 3:1 for a focus ring).
          const contrastOnWhite = (color: string) => {
            const [r, g, b] = (color.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
              const c = Number(v) / 255;
              return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
            });
            return 1.05 / (0.2126 * (r ?? 1) + 0.7152 * (g ?? 1) + 0.0722 * (b ?? 1) + 0.05);
          };
          const el = document.activeElement as HTMLElement | null;
          if (!el || el === document.body) return null;
          const style = getComputedStyle(el);
          const box = el.getBoundingClientRect();
          return {
            name: el.dataset.control ?? `untagged ${el.outerHTML.slice(0, 60)}`,
            ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 && contrastOnWhite(style.outlineColor) >= 3,
            // On screen: its top edge and first line of text in view. Chromium scrolls a focused textarea
            // only as far as its caret, so a tall box may end below the fold; sub-pixel layout allows 1 px.
            onScreen: box.width > 0 && box.height > 0 && box.left >= -1 && box.top >= -1 && box.top + Math.min(box.height, 16) <= innerHeight + 1,
          };
        });
        if (!stop) break;
        // A date field takes one Tab per part (day, month, year): one control.
        if (stops[stops.length - 1]?.name !== stop.name) stops.push(stop);
      }
      return stops;
    };
    /** Every control a user can operate, in document order (the order they appear on screen), each tagged so a Tab stop names it. */
    const listControls = (p: Page) =>
      p.evaluate(() =>
        [...document.querySelectorAll<HTMLInputElement>('a[href], button, input, select, textarea, summary')]
          .filter((el) => !el.disabled && el.type !== 'hidden')
          .map((el, i) => (el.dataset.control = `${i} ${el.tagName.toLowerCase()}:${(el.getAttribute('name') ?? el.textContent ?? '').trim().slice(0, 40)}`)),
      );

    /** What a keyboard and screen-reader user needs of a page: no serious or critical axe violation, every control reached by Tab in page order with a visible focus ring. */
    const expectUsable = async (p: Page, path: string) => {
      await p.goto(url(path));
      expect(pathOf(p)).toBe(path);
      await expect(findViolations(p)).resolves.toEqual([]);
      const controls = await listControls(p);
      const stops = await tabThrough(p);
      expect(stops.map((s) => s.name)).toEqual(controls);
      expect(stops[0]!.name).toBe('0 a:Skip to content');
      expect(stops.filter((s) => !s.ring || !s.onScreen)).toEqual([]);
      return stops;
    };

    it.each(everyPage)('has no serious or critical axe violation on %s, and Tab reaches every control in page order with a visible focus ring', async (path) => {
      await expectUsable(page, path);
    });

    it('has no serious or critical axe violation on the sign-in page, with and without an error', async () => {
      const context = await browser.newContext();
      const p = await context.newPage();
      await p.goto(url('/sign-in'));
      await expect(findViolations(p)).resolves.toEqual([]);
      await p.goto(url('/sign-in?token=wrong'));
      await expect(findViolations(p)).resolves.toEqual([]);
      await context.close();
    });

    it("does the same on an approver's pages, with their forms", async () => {
      const { context, page: p } = await signInWithLinear(ANA.id);
      for (const path of ['/teams/ENG', '/teams/ENG/settings']) await expectUsable(p, path);
      const stops = await expectUsable(p, '/teams/ENG/history?undocumented=1');
      expect(stops.filter((s) => s.name.endsWith('button:Attach reason')).length).toBeGreaterThan(0);
      await context.close();
    });

    it('does the same on the pages a member who is not an approver sees', async () => {
      const { context, page: p } = await signInWithLinear(DEV.id);
      for (const path of ['/teams/ENG', '/teams/ENG/settings', '/teams/ENG/history']) await expectUsable(p, path);
      await context.close();
    });

    it('signs in by keyboard: Tab to the token field, type it, Enter', async () => {
      const context = await browser.newContext();
      const p = await context.newPage();
      await p.goto(url('/sign-in?next=%2Fteams%2FENG'));
      await expect(listControls(p)).resolves.toEqual(['0 a:Skip to content', '1 a:Scopekeeper', '2 a:Sign in with Linear', '3 input:token', '4 button:Sign in']);
      await expect(tabThrough(p).then((stops) => stops.map((s) => s.name))).resolves.toEqual(['0 a:Skip to content', '1 a:Scopekeeper', '2 a:Sign in with Linear', '3 input:token', '4 button:Sign in']);
      await p.locator('body').focus();
      for (let i = 0; i < 4; i++) await p.keyboard.press('Tab');
      await p.keyboard.type(c.token);
      await p.keyboard.press('Enter');
      await p.waitForURL((u) => u.pathname === '/teams/ENG');
      await context.close();
    });

    it('filters the deliverables by keyboard: type in the search field, Enter', async () => {
      await page.goto(url('/teams/ENG'));
      await page.getByLabel('Key or title').focus();
      await page.keyboard.type('ENG-8');
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.searchParams.get('q') === 'ENG-8');
      await expect(rowKeys(page)).resolves.toEqual(['ENG-8']);
    });
  });

  describe('attaching a reason', () => {
    it("lets an approver attach a reason to an undocumented change; it leaves the undocumented list and is recorded as theirs", async () => {
      const { context, page: p } = await signInWithLinear(ANA.id, '/teams/ENG/history');
      await p.goto(url('/teams/ENG/history?undocumented=1'));
      const row = p.locator('tr', { hasText: 'Deliverable added on ENG-7' });
      await row.getByLabel('Why did the scope change?').fill('Asked for by the client on 12 November');
      await row.getByRole('button', { name: 'Attach reason' }).click();
      await expect(p.getByRole('status').textContent()).resolves.toBe('The reason was attached and recorded in the history.');
      await expect(p.locator('tr', { hasText: 'Deliverable added on ENG-7' }).count()).resolves.toBe(0);
      const { records } = await c.store.queryHistory({ scopeId: ENG.scopeId, kinds: ['reason_attached'], limit: 1 });
      expect(records[0]).toMatchObject({ actor: { id: ANA.id }, data: { reason: 'Asked for by the client on 12 November' } });
      await context.close();
    });

    it('shows a member who is not an approver no reason form, refuses the form sent anyway, and stores nothing', async () => {
      const { context, page: p } = await signInWithLinear(DEV.id, '/teams/ENG/history');
      await p.goto(url('/teams/ENG/history?undocumented=1'));
      await expect(p.locator('tr', { hasText: 'Deliverable added on ENG-8' }).count()).resolves.toBe(1);
      await expect(p.getByRole('button', { name: 'Attach reason' }).count()).resolves.toBe(0);
      const before = await c.store.getHistoryHead(ENG.scopeId);
      const record = (await c.store.queryHistory({ scopeId: ENG.scopeId, undocumentedOnly: true, limit: 50 })).records.find((r) => r.kind === 'scope_changed' && r.data.deliverableKey === 'ENG-8')!;
      // The approver's form, as a copied page or a stale tab would send it, with Dev's own session token.
      await p.evaluate(({ seq, id }) => {
        const csrf = (document.querySelector('input[name=csrf]') as HTMLInputElement).value;
        const form = document.createElement('form');
        form.method = 'post';
        form.action = '/teams/ENG/reasons';
        for (const [name, value] of Object.entries({ csrf, seq: String(seq), record: id, reason: 'I say so', back: '/teams/ENG/history' })) {
          const input = document.createElement('input');
          input.type = 'hidden';
          input.name = name;
          input.value = value;
          form.append(input);
        }
        document.body.append(form);
        form.submit();
      }, { seq: record.seq, id: record.id });
      await p.waitForLoadState();
      await expect(p.getByRole('alert').textContent()).resolves.toMatch(/Nothing was saved\.$/);
      expect(await c.store.getHistoryHead(ENG.scopeId)).toEqual(before);
      await context.close();
    });
  });

  describe('settings by keyboard', () => {
    it('toggles a setting with Space and saves with Enter on the button, recorded in the history', async () => {
      await page.goto(url('/teams/ENG/settings'));
      await page.getByLabel('Every criterion must be marked met before closing').focus();
      const was = await page.getByLabel('Every criterion must be marked met before closing').isChecked();
      await page.keyboard.press('Space');
      // Tab on through the rest of the form (the wording rules follow this box) to the Save button.
      for (let i = 0; i < 30 && (await page.evaluate(() => document.activeElement?.textContent)) !== 'Save settings'; i += 1) await page.keyboard.press('Tab');
      await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Save settings');
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.searchParams.get('saved') === 'settings');
      await expect(page.getByRole('status').textContent()).resolves.toBe('The settings were saved and the change recorded in the history.');
      await expect(page.getByLabel('Every criterion must be marked met before closing').isChecked()).resolves.toBe(!was);
    });
  });

  describe('user text in pages', () => {
    // CSP off in this context: the escaping alone must keep the planted markup inert.
    const pages = ['/teams/ENG', '/teams/ENG/history?undocumented=1', '/teams/ENG/compare?from=SRS%20v1.0&to=current', '/teams/ENG/evidence?baseline=SRS%20v1.0'];

    it.each(pages)('runs nothing from criteria, titles or notes on %s and shows the text literally', async (path) => {
      const context = await browser.newContext({ bypassCSP: true });
      const p = await context.newPage();
      const ran: string[] = [];
      p.on('dialog', (dialog) => {
        ran.push(`dialog: ${dialog.message()}`);
        void dialog.dismiss();
      });
      p.on('console', (message) => {
        if (message.text().includes('pwned')) ran.push(`console: ${message.text()}`);
      });
      p.on('pageerror', (error) => ran.push(`error: ${error.message}`));
      await p.goto(url(`/sign-in?token=${c.token}&next=${encodeURIComponent(path)}`));
      await expect(p.locator('main').getByText(HOSTILE, { exact: false }).first().isVisible()).resolves.toBe(true);
      await expect(p.locator('main script, main img, main a[href^="javascript:"]').count()).resolves.toBe(0);
      await p.locator('main').getByText('click me').first().click();
      expect(pathOf(p)).toBe(path);
      expect(ran).toEqual([]);
      await context.close();
    });

    it('keeps a reason with markup literal too, where the history shows it', async () => {
      const { context, page: p } = await signInWithLinear(ANA.id, '/teams/ENG/history');
      const ran: string[] = [];
      p.on('dialog', (dialog) => void dialog.dismiss().then(() => ran.push(dialog.message())));
      p.on('console', (message) => {
        if (message.text().includes('pwned')) ran.push(message.text());
      });
      await p.goto(url('/teams/ENG/history?undocumented=1'));
      await p.locator('tr', { hasText: 'Deliverable added on ENG-8' }).getByLabel('Why did the scope change?').fill(HOSTILE);
      await p.locator('tr', { hasText: 'Deliverable added on ENG-8' }).getByRole('button', { name: 'Attach reason' }).click();
      await p.goto(url('/teams/ENG/history?kind=reason_attached'));
      await expect(p.locator('main table tbody tr').first().textContent()).resolves.toContain(HOSTILE);
      await expect(p.locator('main img').count()).resolves.toBe(0);
      expect(ran).toEqual([]);
      await context.close();
    });
  });
});
