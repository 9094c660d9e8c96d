// How fast a big run's report is written and opened: for synthetic 10,000- and 100,000-record histories,
// the time to write report.html, its size, and in headless Chromium the time from navigation start to
// the load event, to the page drawn, and to the charts drawn, plus the page's JS heap. Budget: a
// 100,000-op report under 10 MB that opens in under 2 s.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeRunReport } from '../reports/report.ts';
import { writeSyntheticRun } from '../reports/synthetic.ts';
import { launchChromium } from '../reports/browser.ts';
import type { BenchSection } from './run.ts';

const SIZES = [10_000, 100_000];
const LOADS = 3;

interface PageTiming { loadMs: number; renderedMs: number; chartsMs: number; heapMb: number }

const PAGE_TIMING = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const mark = (name) => (performance.getEntriesByName(name)[0] || { startTime: NaN }).startTime;
  const memory = performance.memory;
  return { loadMs: nav.loadEventEnd, renderedMs: mark('faultline-rendered'), chartsMs: mark('faultline-charts'), heapMb: (memory ? memory.usedJSHeapSize : NaN) / 1048576 };
})()`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function openTimed(context: import('playwright-core').BrowserContext, file: string): Promise<PageTiming> {
  const page = await context.newPage();
  try {
    await page.goto(`file://${file}`, { waitUntil: 'load', timeout: 30_000 });
    await page.waitForFunction(() => performance.getEntriesByName('faultline-charts').length > 0, null, { timeout: 30_000 });
    // a string, not a function: tsx would wrap named inner functions in a helper the page does not have
    return (await page.evaluate(PAGE_TIMING)) as PageTiming;
  } finally {
    await page.close();
  }
}

/** Prints the table; false when the 100,000-record report misses its budget (10 MB, drawn within 2 s). */
async function measure(): Promise<boolean> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fl-bench-report-'));
  const browser = await launchChromium();
  try {
    const rows = [];
    for (const records of SIZES) {
      const run = await writeSyntheticRun(path.join(dir, String(records)), records);
      const started = performance.now();
      const report = await writeRunReport(run);
      const writeMs = performance.now() - started;
      const { size } = await stat(report);
      const timings: PageTiming[] = [];
      for (let k = 0; k < LOADS; k++) timings.push(await openTimed(browser.context, report));
      const pick = (key: keyof PageTiming) => Math.round(median(timings.map((t) => t[key])) * 10) / 10;
      rows.push({
        records, 'write report (ms)': Math.round(writeMs), 'report.html (MB)': Math.round((size / 1048576) * 100) / 100,
        'load event (ms)': pick('loadMs'), 'drawn (ms)': pick('renderedMs'), 'charts drawn (ms)': pick('chartsMs'), 'JS heap (MB)': pick('heapMb'),
      });
    }
    console.log(`report: synthetic histories, median of ${LOADS} loads in headless Chromium (times from navigation start)`);
    console.table(rows);
    const big = rows.find((r) => r.records === 100_000)!;
    const ok = big['report.html (MB)'] < 10 && big['charts drawn (ms)'] < 2000;
    console.log(`budget for 100,000 records (< 10 MB, drawn < 2000 ms): ${ok ? 'met' : 'MISSED'}`);
    return ok;
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function bench(): Promise<void> {
  await measure();
}

export const section: BenchSection = {
  name: 'report',
  description: 'report.html size, write time, load and draw time in headless Chromium for 10k/100k-record histories',
  run: measure,
};

if (import.meta.url === `file://${process.argv[1]}`) await bench();
