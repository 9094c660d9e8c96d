// Reports opened in real headless Chromium (Debian's /usr/bin/chromium through playwright-core): the
// verdict, counterexample lanes and charts must render without console errors, op details must open on
// click, hostile history text must not execute, and a 100,000-op report must stay small and render.
// Screenshots land in store/screenshots/ so CI can keep them as artifacts.
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium, type Browser } from '../reports/browser.ts';
import { writeRunReport, writeCheckReport } from '../reports/report.ts';
import { writeIndex } from '../reports/index-page.ts';
import { writeExampleStore, violatingRun } from '../reports/examples.ts';
import { writeSyntheticRun } from '../reports/synthetic.ts';

const SHOTS = path.resolve('store/screenshots');
const HOSTILE = '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

interface Opened { page: Page; errors: string[] }

async function open(context: BrowserContext, file: string): Promise<Opened> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-rendered="true"]', { timeout: 10_000 });
  await page.waitForFunction(() => document.querySelectorAll('canvas').length > 0 || !document.querySelector('#performance'), null, { timeout: 10_000 });
  return { page, errors };
}

async function boxOf(page: Page, selector: string) {
  const box = await page.locator(selector).first().boundingBox();
  assert.ok(box, `${selector} is laid out`);
  return box;
}

describe('report in headless Chromium @integration', function () {
  this.timeout(180_000);
  let dir: string, context: BrowserContext, browser: Browser;
  let runs: { violating: string; valid: string };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fl-report-browser-'));
    runs = await writeExampleStore(path.join(dir, 'store'));
    for (const run of Object.values(runs)) await writeRunReport(run);
    await writeIndex(path.join(dir, 'store'));
    await mkdir(SHOTS, { recursive: true });
    browser = await launchChromium();
    context = browser.context;
  });
  after(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the violation, its counterexample lanes and the failing point', async () => {
    const { page, errors } = await open(context, path.join(runs.violating, 'report.html'));
    assert.equal(await page.textContent('#verdict-text'), 'Violation found');
    assert.match((await page.textContent('#reason'))!, /read a value that had already been overwritten/);
    assert.equal(await page.locator('#cx-timeline-0 text.lane').count(), 5, 'one lane per process (0-4)');
    assert.equal(await page.locator('#cx-timeline-0 .bar').count(), 6, 'one bar per op of the counterexample');
    assert.equal(await page.locator('#cx-timeline-0 .failpoint').count(), 1);
    assert.equal(await page.locator('#cx-timeline-0 .fault').count(), 1, 'the partition is shaded');
    assert.equal(await page.locator('tr.candidate').count(), 3);
    assert.equal(await page.locator('#overview-strip .span').count(), 4, '3 fault windows + the counterexample');
    assert.equal(await page.locator('#overview-strip .violation-mark').count(), 3);
    await page.screenshot({ path: path.join(SHOTS, 'report-violation-top.png') });
    assert.deepEqual(errors, []);
  });

  it('opens op details on click and highlights a candidate order on hover', async () => {
    const { page, errors } = await open(context, path.join(runs.violating, 'report.html'));
    assert.equal(await page.isVisible('#inspector'), false);
    await page.click('#cx-timeline-0 .bar[data-op="7"]');
    assert.equal(await page.isVisible('#inspector'), true);
    assert.match((await page.textContent('#inspector-title'))!, /^p0 read → 1/);
    assert.match((await page.textContent('#inspector'))!, /7 \(invoke\), 8 \(completion\)/);
    await page.click('#cx-timeline-0 .bar[data-op="3"]');
    assert.match((await page.textContent('#inspector-title'))!, /^p1 write 2/);
    assert.doesNotMatch((await page.textContent('#inspector'))!, /null$/, 'an op without meta shows no stray text');
    await page.hover('tr.candidate >> nth=2');
    assert.equal(await page.locator('#cx-timeline-0 .bar.hl').count(), 4);
    await page.screenshot({ path: path.join(SHOTS, 'report-violation-details.png') });
    await page.click('.violations .oplink >> nth=0');
    assert.match((await page.textContent('#inspector'))!, /history index7 \(invoke\)/);
    assert.deepEqual(errors, []);
  });

  it('draws the per-checker sections and the time charts with real sizes', async () => {
    const { page, errors } = await open(context, path.join(runs.violating, 'report.html'));
    for (const chart of ['#chart-throughput canvas', '#chart-latency canvas', '#check-harakiri .chart-requests canvas']) {
      const box = await boxOf(page, chart);
      assert.ok(box.width > 300 && box.height > 100, `${chart}: ${box.width}x${box.height}`);
    }
    assert.equal(await page.locator('#check-timeout .chart-requests canvas').count(), 0, 'the same requests again are folded away');
    await page.click('#check-timeout details summary');
    assert.ok((await boxOf(page, '#check-timeout .chart-requests canvas')).width > 300, 'and drawn when opened');
    assert.equal(await page.locator('#check-lock-safety .gantt .bar').count(), 3);
    assert.equal(await page.locator('#check-lock-safety .gantt .overlap').count(), 2, 'the stretch held by both, on both lanes');
    assert.equal(await page.locator('#check-leader-election .gantt .bar').count(), 2);
    assert.equal(await page.locator('#workers-table tr').count(), 4);
    assert.equal(await page.locator('#latency-table tbody tr').count(), 3);
    assert.equal(await page.locator('a[href="history.jsonl"]').count(), 1);
    assert.equal(await page.locator('a[href="logs/n1.log"]').count(), 1);
    assert.equal(await page.locator('#schedule .schedule-col').count(), 2, 'original and shrunk schedules side by side');
    assert.match(await page.locator('#schedule').innerText(), /Shrunk: smallest run that still fails[\s\S]*2 clients, 6 s of workload, 1 faults/);
    await page.screenshot({ path: path.join(SHOTS, 'report-violation-full.png'), fullPage: true });
    await page.locator('#check-harakiri').screenshot({ path: path.join(SHOTS, 'report-harakiri.png') });
    await page.locator('#performance').screenshot({ path: path.join(SHOTS, 'report-performance.png') });
    assert.deepEqual(errors, []);
  });

  it('shows a valid run as valid, with no counterexample', async () => {
    const { page, errors } = await open(context, path.join(runs.valid, 'report.html'));
    assert.equal(await page.textContent('#verdict-text'), 'Valid: every check passed');
    assert.equal(await page.locator('[id^="counterexample-"]').count(), 0);
    assert.ok((await boxOf(page, '#chart-throughput canvas')).width > 300);
    await page.screenshot({ path: path.join(SHOTS, 'report-valid.png') });
    assert.deepEqual(errors, []);
  });

  it('lists runs in the index and compares targets side by side', async () => {
    const { page, errors } = await open(context, path.join(dir, 'store', 'index.html'));
    assert.equal(await page.locator('tr.run-row').count(), 2);
    assert.match((await page.textContent('tr.run-row >> nth=0'))!, /zookeeper/);
    assert.equal(await page.locator('table.cmp thead th').count(), 3);
    assert.match((await page.textContent('table.cmp'))!, /throughput \(ok ops\/s\)/);
    await page.screenshot({ path: path.join(SHOTS, 'index.png'), fullPage: true });
    assert.deepEqual(errors, []);
  });

  it('never runs script or markup from history values, even without the CSP', async () => {
    const { violating } = await writeExampleStore(path.join(dir, 'hostile'), { hostile: HOSTILE });
    const report = await writeRunReport(violating);
    const html = await readFile(report, 'utf8');
    const noCsp = path.join(violating, 'report-no-csp.html');
    await writeFile(noCsp, html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ''));
    assert.ok(!(await readFile(noCsp, 'utf8')).includes('Content-Security-Policy'));
    for (const file of [report, noCsp]) {
      const { page, errors } = await open(context, file);
      await page.click('#cx-timeline-0 .bar[data-op="7"]');
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, file);
      assert.equal(await page.locator('img').count(), 0);
      assert.ok((await page.textContent('#reason'))!.includes(HOSTILE), 'hostile text is shown literally');
      assert.ok((await page.textContent('#inspector'))!.includes('<script>'), 'op meta shown literally');
      assert.deepEqual(errors, [], file);
      if (file === report) await page.screenshot({ path: path.join(SHOTS, 'report-hostile.png') });
    }
  });

  it('renders the report of a checked history file', async () => {
    const { history, result } = violatingRun();
    const out = path.join(dir, 'check-report.html');
    await writeFile(path.join(dir, 'h.jsonl'), history.map((o) => JSON.stringify(o)).join('\n'));
    await writeCheckReport({ file: path.join(dir, 'h.jsonl'), model: 'cas-register', history, result: result.checks[0], outPath: out });
    const { page, errors } = await open(context, out);
    assert.equal(await page.textContent('#verdict-text'), 'Violation found');
    assert.equal(await page.locator('#cx-timeline-0 .bar').count(), 6);
    assert.equal(await page.locator('a[href="h.jsonl"]').count(), 1);
    assert.deepEqual(errors, []);
  });

  it('keeps a 100,000-record report under 10 MB and renders it', async () => {
    const run = await writeSyntheticRun(path.join(dir, 'big', 'synthetic', 'r1'), 100_000);
    const report = await writeRunReport(run);
    const { size } = await stat(report);
    assert.ok(size < 10 * 1024 * 1024, `${size} bytes`);
    const started = Date.now();
    const { page, errors } = await open(context, report);
    const loadMs = Date.now() - started;
    assert.ok((await boxOf(page, '#chart-latency canvas')).width > 300);
    assert.ok(loadMs < 10_000, `opened and drew in ${loadMs} ms (the bench measures the 2 s budget on a quiet machine)`);
    await page.screenshot({ path: path.join(SHOTS, 'report-100k.png') });
    assert.deepEqual(errors, []);
  });
});
