/**
 * Headless Chromium for browser tests: Debian's `chromium` (installed by .ci/run) driven by
 * playwright-core, so no browser download. Same launch as test/e2e/api-auth.test.ts;
 * background networking off so a test that counts network requests sees only the page's own.
 */
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-background-networking'] });
}
