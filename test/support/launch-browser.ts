import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser } from 'playwright-core';

// @sparticuz/chromium's flags suit one page in a serverless function. Dropped here: the two that
// turn off the same-origin and mixed-content rules (the browser must judge the pages as a
// user's would), and --single-process, under which closing one browser context (one signed-in
// user) takes the whole browser down.
const DROPPED_FLAGS = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);

/**
 * One headless Chromium, the one `npm ci` installs (@sparticuz/chromium ships it in its npm
 * package and extracts it to /tmp/chromium), driven by playwright-core. No network at all:
 * machines running the tests have no internet, and the pages load only from 127.0.0.1.
 */
export async function launchBrowser(): Promise<Browser> {
  return playwright.launch({
    executablePath: await chromium.executablePath(),
    args: [...chromium.args.filter((flag) => !DROPPED_FLAGS.has(flag)), '--disable-background-networking'],
    headless: true,
  });
}
