/**
 * Headless Chromium from Debian (installed by the project's own dev scripts when missing),
 * driven by playwright-core: no browser download. The flags keep Chromium off the network
 * (this machine reaches only package registries) and work as root.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureChromium } from '@drover/dev-services';
import { type Browser, chromium, type Page } from 'playwright-core';
import { repoRoot } from './cluster.js';

export type { Browser, BrowserContext, Page } from 'playwright-core';

/** Screenshots and other artifacts of the browser tests (git-ignored). */
export const artifactsDir = join(repoRoot, 'test', 'artifacts', 'console');

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--metrics-recording-only',
  '--no-default-browser-check',
];

export async function launchChromium(): Promise<Browser> {
  const executablePath = await ensureChromium();
  return chromium.launch({
    executablePath,
    headless: true,
    // Playwright gives each launch a new, empty profile directory of its own.
    args: FLAGS,
  });
}

/** Saves a full-page screenshot as `<artifactsDir>/<name>.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const file = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
