import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { launchBrowser } from '../test/support/launch-browser';
import { ANA } from '../test/support/seed-console-teams';
import { startSeededConsole } from '../test/support/start-seeded-console';

// `npm run screenshots`: the console over a seeded team (docs: README "Console (Linear)"), each
// page as a PNG under docs/screenshots/, taken in the same headless Chromium the tests use.

const OUT = join(__dirname, '..', 'docs', 'screenshots');
// The team's pages as Ana, an approver signed in with Linear, sees them (reason forms, "Record baseline").
const PAGES: Array<{ file: string; path: string }> = [
  { file: 'team.png', path: '/teams/ENG' },
  { file: 'history.png', path: '/teams/ENG/history' },
  { file: 'history-undocumented.png', path: '/teams/ENG/history?undocumented=1' },
  { file: 'compare.png', path: '/teams/ENG/compare?from=SRS%20v1.0&to=SRS%20v1.1' },
  { file: 'settings.png', path: '/teams/ENG/settings' },
  { file: 'evidence.png', path: '/teams/ENG/evidence?baseline=SRS%20v1.0' },
];

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const [served, browser] = await Promise.all([startSeededConsole({ rewordings: 4 }), launchBrowser()]);
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${served.base}/sign-in`);
    await page.screenshot({ path: join(OUT, 'sign-in.png') });
    process.stdout.write(`${join('docs', 'screenshots', 'sign-in.png')}\n`);
    // The overview as the operator (console token) sees it: every team.
    await page.goto(`${served.base}/sign-in?token=${served.token}`);
    await page.screenshot({ path: join(OUT, 'overview.png'), fullPage: true });
    await context.clearCookies();
    served.linear.signInAs(ANA.id);
    await page.goto(`${served.base}/sign-in/linear?next=%2F`);
    for (const { file, path } of PAGES) {
      await page.goto(`${served.base}${path}`);
      await page.screenshot({ path: join(OUT, file), fullPage: true });
      process.stdout.write(`${join('docs', 'screenshots', file)}\n`);
    }
  } finally {
    await browser.close();
    await served.close();
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
