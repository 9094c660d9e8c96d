// Launching Debian's Chromium (headless, fresh profile, no background network) for the report tests
// and the report benchmark, so both open reports exactly as a person's browser would.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.FAULTLINE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  context: BrowserContext;
  /** Closes the browser and removes its profile folder. */
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  await stat(CHROMIUM).catch(() => { throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (or set FAULTLINE_CHROMIUM)`); });
  const profile = await mkdtemp(path.join(os.tmpdir(), 'fl-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
    return { context, close: async () => { await context.close(); await rm(profile, { recursive: true, force: true }); } };
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
}
