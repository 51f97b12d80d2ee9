import axe from 'axe-core';
import { launchBrowser } from './test/support/launch-browser';
import { startSeededConsole } from './test/support/start-seeded-console';
(async () => {
  const c = await startSeededConsole({});
  const b = await launchBrowser();
  const page = await b.newPage();
  await page.goto(`${c.base}/sign-in`);
  const run = async (path: string) => {
    await page.goto(`${c.base}${path}`);
    await page.evaluate(axe.source);
    const r = await page.evaluate(() => (window as any).axe.run());
    console.log(path, r.passes.length, r.incomplete.map((v: any) => v.id + ":" + v.impact), r.violations.map((v: any) => `${v.impact} ${v.id}: ${v.nodes.length} ${v.nodes[0].html.slice(0,120)}`));
  };
  await run('/sign-in');
  await page.goto(`${c.base}/sign-in?token=${c.token}`);
  for (const p of ['/', '/teams/ENG', '/teams/ENG/history', '/teams/ENG/history?undocumented=1', '/teams/ENG/compare?from=SRS%20v1.0&to=current', '/teams/ENG/settings', '/teams/ENG/evidence?baseline=SRS%20v1.0', '/teams/NOPE']) await run(p);
  await b.close(); await c.close();
})();
