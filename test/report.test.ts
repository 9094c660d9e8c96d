// Report data and HTML without a browser: op pairing, fault windows, percentiles, binning bounds, the
// escaping of embedded data, truncated histories, the check report and the `faultline report` command.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, appendFile, rm, stat } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { Op } from '../harness/history/op.ts';
import { pairOps } from '../harness/history/pair.ts';
import { faultViews, latencyStats, percentile, throughput, latencySeries } from '../reports/stats.ts';
import { jsonForScript } from '../reports/page.ts';
import { renderRunReport, runPayload, writeCheckReport, writeRunReport } from '../reports/report.ts';
import { listRuns, writeIndex } from '../reports/index-page.ts';
import { writeExampleStore, violatingRun } from '../reports/examples.ts';
import { syntheticHistory, writeRunFolder } from '../reports/synthetic.ts';

const HOSTILE = '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
const op = (index: number, time: number, process: number | string, type: Op['type'], f: string, value: unknown, extra: Partial<Op> = {}): Op => ({ index, time, process, type, f, value, ...extra });

/** The embedded data of a rendered page, parsed back. */
function embedded(html: string): any {
  const m = /<script type="application\/json" id="faultline-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'page embeds its data');
  return JSON.parse(m[1]);
}

describe('report data', () => {
  it('pairs invokes with completions per process; an unfinished invoke becomes info', () => {
    const pairs = pairOps([
      op(0, 0, 0, 'invoke', 'write', 1), op(1, 1, 1, 'invoke', 'read', null), op(2, 5, 0, 'ok', 'write', 1),
      op(3, 6, 'nemesis', 'event', 'fault-start', { fault: 'kill', id: 'a' }), op(4, 9, 1, 'ok', 'read', 1), op(5, 10, 2, 'invoke', 'cas', [1, 2]),
    ], { lenient: true });
    assert.equal(pairs.length, 3);
    assert.deepEqual(pairs.map((p) => [p.f, p.type, p.start, p.end, p.completeIndex]), [['write', 'ok', 0, 5, 2], ['read', 'ok', 1, 9, 4], ['cas', 'info', 10, 10, -1]]);
    assert.equal(pairs[1].value, 1);
    assert.match(pairs[2].error!, /ended before/);
  });

  it('pairs fault windows by id and leaves an unhealed fault open until the end', () => {
    const w = faultViews([
      op(0, 10, 'nemesis', 'event', 'fault-start', { fault: 'partition', id: 'x', targets: ['n1'] }),
      op(1, 20, 'nemesis', 'event', 'fault-start', { fault: 'kill', id: 'y', targets: ['n2'] }),
      op(2, 30, 'nemesis', 'event', 'fault-end', { fault: 'partition', id: 'x' }),
      op(3, 50, 0, 'invoke', 'read', null),
    ]);
    assert.deepEqual(w.map((x) => [x.fault, x.start, x.end, x.open]), [['partition', 10, 30, false], ['kill', 20, 50, true]]);
  });

  it('computes nearest-rank percentiles per op kind', () => {
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5), 5);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), 9);
    const h: Op[] = [];
    for (let k = 0; k < 100; k++) h.push(op(2 * k, k * 10, 0, 'invoke', 'read', null), op(2 * k + 1, k * 10 + k + 1, 0, 'ok', 'read', 0));
    const [stats] = latencyStats(pairOps(h, { lenient: true }));
    assert.deepEqual([stats.count, stats.p50, stats.p90, stats.p99, stats.max], [100, 50, 90, 99, 100]);
  });

  it('keeps time series bounded however long the history is', () => {
    const pairs = pairOps(syntheticHistory(20_000), { lenient: true });
    const span = pairs[pairs.length - 1].end;
    const t = throughput(pairs, span, 300);
    const l = latencySeries(pairs, span, 300);
    assert.ok(t.t.length <= 300 && l.t.length <= 300, `${t.t.length} / ${l.t.length} bins`);
    const total = t.ok.reduce((a, b) => a + b, 0) * (t.binMs / 1000);
    assert.equal(Math.round(total), pairs.filter((p) => p.type === 'ok' && p.completeIndex >= 0).length);
  });
});

describe('report HTML', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'fl-report-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('embeds data that cannot close its script tag and parses back unchanged', () => {
    const data = { v: HOSTILE, s: '\u2028 & > <!--' };
    const text = jsonForScript(data);
    assert.ok(!/[<>&\u2028]/.test(text));
    assert.deepEqual(JSON.parse(text), data);
  });

  it('puts hostile history text only inside the inert JSON block', async () => {
    const { violating } = await writeExampleStore(path.join(dir, 'hostile', 'store'), { hostile: HOSTILE });
    const html = await renderRunReport(violating);
    assert.equal(html.match(/<script/g)!.length, 4, 'uPlot, common.js, report.js and the JSON block only');
    assert.ok(!html.includes('<img'), 'no markup from the history survives');
    assert.ok(!html.includes('window.__pwned=1</script>'));
    const data = embedded(html);
    assert.ok(data.reason.includes(HOSTILE), 'the text itself is kept, to be shown literally');
    assert.ok(data.checks.some((c: any) => c.checker.includes(HOSTILE)));
    assert.match(html, /Content-Security-Policy/);
  });

  it('draws the counterexample, violation ops and sampled ops from the run folder', async () => {
    const { violating } = await writeExampleStore(path.join(dir, 'plain', 'store'));
    const p = await runPayload(violating);
    assert.equal(p.verdict, false);
    const cx = p.checks.find((c) => c.checker === 'linearizable')!.counterexample!;
    assert.equal(cx.ops.length, 6);
    assert.equal(cx.failingOp, 7);
    assert.deepEqual(cx.faults.map((f) => f.fault), ['partition']);
    assert.ok(p.ops[7], 'op named by a violation is embedded');
    assert.deepEqual(p.logs.map((l) => l.node), ['n1', 'n2', 'n3']);
    assert.ok(p.samples.unsuccessful.length > 0 && p.samples.unsuccessful.every((i) => p.ops[i].type !== 'ok'));
  });

  it('keeps a huge counterexample to the ops nearest the failing op', async () => {
    const history = syntheticHistory(4000).filter((o) => o.process !== 'nemesis');
    const failingOp = history[2001].type === 'invoke' ? 2001 : 2000;
    const run = path.join(dir, 'bigcx', 'store', 's', 'r1');
    const { result } = violatingRun();
    result.checks = [{ checker: 'linearizable', valid: false, summary: 'x', details: { model: 'register', counterexample: { ops: history, longestPrefix: [], failingOp, candidates: [] } } }];
    await writeRunFolder(run, { history, result });
    const cx = (await runPayload(run)).checks[0].counterexample!;
    assert.equal(cx.ops.length, 300);
    assert.ok(cx.omitted > 1500, String(cx.omitted));
    assert.ok(cx.ops.some((o) => o.i === failingOp));
  });

  it('skips a truncated last history line and says so', async () => {
    const run = path.join(dir, 'cut', 'store', 's', 'r1');
    const { history, result } = violatingRun();
    await writeRunFolder(run, { history, result });
    await appendFile(path.join(run, 'history.jsonl'), '{"index": 999, "time": 12, "proc');
    const p = await runPayload(run);
    assert.equal(p.records, history.length);
    assert.ok(p.notes.some((n) => /1 line\(s\).*skipped/.test(n)), p.notes.join('; '));
  });

  it('reports a run without result.json as unknown', async () => {
    const run = path.join(dir, 'unfinished', 'store', 's', 'r1');
    await writeRunFolder(run, { history: violatingRun().history });
    const p = await runPayload(run);
    assert.equal(p.verdict, 'unknown');
    assert.match(p.reason, /did not finish/);
  });

  it('writes a check report from the `faultline check --json` body', async () => {
    const { history } = violatingRun();
    const file = path.join(dir, 'check', 'history.jsonl');
    await writeRunFolder(path.dirname(file), { history });
    const out = path.join(dir, 'check', 'out', 'report.html');
    await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(out), { recursive: true }));
    const cx = violatingRun().result.checks[0].details!.counterexample;
    await writeCheckReport({ file, model: 'cas-register', history, result: { result: 'not-linearizable', model: 'cas-register', ops: history.length, elapsedMs: 3, counterexample: cx }, outPath: out });
    const data = embedded(await readFile(out, 'utf8'));
    assert.equal(data.verdict, false);
    assert.equal(data.links[0].href, '../history.jsonl');
    assert.ok(data.checks[0].counterexample);
  });

  it('indexes runs newest first and caches their stats', async () => {
    const store = path.join(dir, 'index', 'store');
    await writeExampleStore(store);
    const runs = await listRuns(store);
    assert.deepEqual(runs.map((r) => r.target), ['zookeeper', 'zk-lite']);
    assert.ok(runs[0].stats && runs[0].stats.okPerSec > 0);
    await stat(path.join(store, runs[0].dir, 'report-stats.json'));
    const data = embedded(await readFile(await writeIndex(store), 'utf8'));
    assert.equal(data.runs.length, 2);
  });
});

describe('faultline report command @integration', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'fl-report-cli-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });
  const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/faultline.js', 'report', ...args], { encoding: 'utf8', timeout: 60_000 });

  it('regenerates report.html and the store index', async () => {
    const { valid } = await writeExampleStore(path.join(dir, 'store'));
    const r = cli(valid);
    assert.equal(r.status, 0, r.stderr);
    assert.ok((await stat(path.join(valid, 'report.html'))).size > 10_000);
    assert.ok((await stat(path.join(dir, 'store', 'index.html'))).size > 1000);
  });

  it('regenerates only the index with --index STORE', async () => {
    await writeExampleStore(path.join(dir, 'store2'));
    const r = cli('--index', path.join(dir, 'store2'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(await readFile(path.join(dir, 'store2', 'index.html'), 'utf8'), /faultline runs/);
  });

  it('rejects a folder that is not a run with one line and exit 2', async () => {
    await writeFile(path.join(dir, 'plain.txt'), 'x');
    for (const bad of [path.join(dir, 'missing'), dir, path.join(dir, 'plain.txt')]) {
      const r = cli(bad);
      assert.equal(r.status, 2, `${bad}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /not a run folder/);
    }
  });
});
