import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser } from 'playwright-core';

// @sparticuz/chromium turns these off for its serverless use; the console's tests need the
// browser's own same-origin and mixed-content rules, so the browser is the judge.
const WEAKENING_FLAGS = new Set(['--disable-web-security', '--allow-running-insecure-content']);

/**
 * One headless Chromium, the one `npm ci` installs (@sparticuz/chromium ships it in its npm
 * package and extracts it to /tmp/chromium), driven by playwright-core. No network at all:
 * machines running the tests have no internet, and the pages load only from 127.0.0.1.
 */
export async function launchBrowser(): Promise<Browser> {
  return playwright.launch({
    executablePath: await chromium.executablePath(),
    args: [...chromium.args.filter((flag) => !WEAKENING_FLAGS.has(flag)), '--disable-background-networking'],
    headless: true,
  });
}
