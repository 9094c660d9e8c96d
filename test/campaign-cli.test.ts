// @integration: `faultline campaign` as CI runs it, on the real systems and the default runtime. A
// small campaign (a must-fail scenario on real ZooKeeper and an ordinary uWSGI/nginx scenario on a
// configuration it does not expect, two seeds each, two at once) exits 1, and campaign.json, the
// summary, the groups, the shrunk replay commands and the JUnit XML say why; harness errors and an
// exhausted budget are recorded without stopping the campaign; Ctrl-C reaches every run, each
// cleans up, and nothing of theirs is left on the machine; bad flags stop it before anything starts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { Campaign } from '../harness/campaign/types.ts';
import { Ledger, type LedgerData } from '../harness/runtime/ledger.ts';
import { pidAlive, runCommand, sameProcess, waitFor } from '../harness/runtime/process.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const CLI = new URL('../bin/faultline.js', import.meta.url).pathname;

interface Ran { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Starts `faultline campaign ARGS` from the repository root; `ran` settles when it exits (bounded). */
function campaign(args: string[], timeoutMs: number): { pid: number; stderr: () => string; ran: Promise<Ran> } {
  const child = spawn(process.execPath, [CLI, 'campaign', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const ran = new Promise<Ran>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      reject(new Error(`campaign ${args.join(' ')} did not finish within ${timeoutMs / 1000} s\n${stderr.slice(-3000)}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { pid: child.pid!, stderr: () => stderr, ran };
}

const readCampaign = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'campaign.json'), 'utf8')) as Campaign;

describe('@integration faultline campaign', function () {
  this.timeout(180_000);
  let scratch: string;
  before(() => (scratch = mkdtempSync(path.join(tmpdir(), 'fl-test-campaign-'))));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('runs scenarios × seeds two at once: counts, catches, grouped and shrunk violations, JUnit, exit 1', async () => {
    const out = path.join(scratch, 'c1');
    const junit = path.join(scratch, 'c1.xml');
    const { ran } = campaign(['zk-queue-broken', 'uwsgi-timeouts', '--targets', 'zookeeper,uwsgi-nginx:buffer-size=8191', '--seed-list', '1,3',
      '--time-limit', '3', '--parallel', '2', '--shrink-budget', '5', '--out', out, '--junit', junit], 170_000);
    const r = await ran;
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr.slice(-4000)}`);
    const c = readCampaign(out);
    assert.deepEqual(c.status && [c.status.exitCode, c.status.violations, c.status.missed, c.status.unknown, c.status.harnessErrors], [1, 2, 0, 0, 0], c.status?.reason);
    assert.equal(c.options.parallel, 2);

    // per scenario × target: the ordinary runs on a buffer-size the checker does not expect fail, the broken queue is caught
    const row = (s: string) => c.table.find((t) => t.scenario === s)!;
    assert.deepEqual([row('uwsgi-timeouts').runs, row('uwsgi-timeouts').invalid, row('uwsgi-timeouts').expect], [2, 2, 'valid']);
    assert.deepEqual(row('uwsgi-timeouts').failures.map((f) => f.seed), [1, 3]);
    assert.deepEqual(row('zk-queue-broken').caught, { caught: 2, of: 2, missedSeeds: [] });
    assert.ok(row('zk-queue-broken').medianOpsPerSec! > 0);

    // the same violation on both seeds is one group; each ordinary failure was shrunk and its replay printed
    const ordinary = c.groups.filter((g) => !g.expected);
    assert.equal(ordinary.length, 1, JSON.stringify(c.groups, null, 1));
    assert.deepEqual([ordinary[0].checker, ordinary[0].seeds, ordinary[0].shrunk], ['timeout', [1, 3], true]);
    assert.deepEqual(c.groups.filter((g) => g.expected).map((g) => [g.scenario, g.checker, g.seeds]), [['zk-queue-broken', 'queue-delivery', [1, 3]]]);
    for (const run of c.runs.filter((x) => x.scenario === 'uwsgi-timeouts')) {
      assert.ok(run.shrink, `seed ${run.seed} was not shrunk`);
      assert.match(run.shrink.replay, /^npm run scenario -- uwsgi-timeouts .* --schedule \S+shrunk-schedule\.json$/);
      assert.ok(existsSync(path.join(out, run.dir, 'shrunk-schedule.json')));
      assert.ok(r.stdout.includes(`seed ${run.seed} replay: ${run.replay}`), 'every failing seed\'s replay is printed');
      assert.ok(r.stdout.includes(`seed ${run.seed} shrunk (${run.shrink.change}): ${run.shrink.replay}`));
    }
    assert.ok(c.runs.filter((x) => x.scenario === 'zk-queue-broken').every((x) => !x.shrink), 'must-fail runs are not shrunk by default');
    assert.match(r.stdout, /^uwsgi-timeouts on uwsgi-nginx:buffer-size=8191\s+2\s+0\s+2\s+0\s+0\s+1 invalid, 3 invalid/m);
    assert.match(r.stdout, /^zk-queue-broken on zookeeper \[must fail\]\s+2\s+0\s+2\s+0\s+0\s+caught 2\/2/m);
    assert.match(r.stdout, /^exit 1: 2 ordinary runs found a violation/m);

    // JUnit: one testcase per run, failures carry the verdict line
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testsuite' || n === 'testcase' }).parse(readFileSync(junit, 'utf8'));
    const cases = doc.testsuites.testsuite.flatMap((s: { testcase: unknown[] }) => s.testcase);
    assert.equal(cases.length, 4);
    const failed = cases.filter((t: { failure?: unknown }) => t.failure);
    assert.deepEqual(failed.map((t: { name: string }) => t.name).sort(), ['uwsgi-timeouts on uwsgi-nginx:buffer-size=8191 seed 1', 'uwsgi-timeouts on uwsgi-nginx:buffer-size=8191 seed 3']);
    assert.equal(failed[0].failure.message, c.runs.find((x) => x.scenario === 'uwsgi-timeouts' && failed[0].name.endsWith(`seed ${x.seed}`))!.verdictLine);
    assert.match(failed[0]['system-out'], new RegExp(`report: ${out}/uwsgi-timeouts/\\S+/report\\.html`));

    // the pages: campaign.html, and the campaign folder's own run index links to it
    assert.ok(existsSync(path.join(out, 'campaign.html')));
    assert.ok(readFileSync(path.join(out, 'index.html'), 'utf8').includes('"page":"campaign.html"'));
  });

  it('records harness errors and goes on, and starts nothing once the budget is spent (exit 2)', async () => {
    const out = path.join(scratch, 'c2');
    // `--concurrency 0` after -- goes to every run, which refuses it: a harness error per run
    const { ran } = campaign(['zk-watch', '--seed-list', '1,2,3', '--parallel', '2', '--budget', '0.005', '--out', out, '--junit', path.join(out, 'junit.xml'), '--', '--concurrency', '0'], 60_000);
    const r = await ran;
    assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
    const c = readCampaign(out);
    assert.deepEqual(c.runs.map((x) => [x.seed, x.state, x.verdict ?? null]), [[1, 'done', 'error'], [2, 'done', 'error'], [3, 'not-started', null]]);
    assert.match(c.runs[0].verdictLine!, /^ERROR: the run exited with code 2 without a result \(faultline: --concurrency must be an integer ≥ 1/);
    assert.deepEqual([c.status!.harnessErrors, c.status!.notStarted], [2, 1]);
    const xml = readFileSync(path.join(out, 'junit.xml'), 'utf8');
    assert.match(xml, /<testsuite name="zk-watch" tests="3" failures="0" errors="2" skipped="1"/);
  });

  it('Ctrl-C reaches every running run; each cleans up and nothing of theirs is left (exit 130)', async function () {
    const out = path.join(scratch, 'c3');
    const c = campaign(['zk-watch', '--seed-list', '1,2', '--parallel', '2', '--time-limit', '60', '--out', out], 120_000);
    const pids = await waitFor('both runs to start', 30_000, () => {
      const found = [...c.stderr().matchAll(/\(run \d\/2, pid (\d+)\)/g)].map((m) => Number(m[1]));
      return found.length === 2 ? found : undefined;
    });
    // wait until each run's ensemble is up (its ledger lists the ZooKeeper processes), then interrupt the campaign alone
    const ledgers = await waitFor('both ensembles to be running', 60_000, () => {
      const mine = Ledger.list().map((l) => l.data).filter((d) => pids.includes(d.ownerPid) && d.processes.length >= 3);
      return mine.length === 2 ? mine : undefined;
    }, 250);
    process.kill(c.pid, 'SIGINT');
    const r = await c.ran;
    assert.equal(r.code, 130, r.stderr.slice(-3000));
    assert.match(r.stderr, /SIGINT: no new runs; passing it to the 2 running run\(s\)/);
    for (const pid of pids) assert.ok(!pidAlive(pid), `run process ${pid} is still alive`);
    const stillListed = Ledger.list().filter((l) => pids.includes(l.data.ownerPid));
    assert.deepEqual(stillListed.map((l) => l.file), [], 'every run removed its ledger after cleaning up');
    const left = (d: LedgerData) => d.processes.filter((p) => sameProcess(p.pid, p.start)).map((p) => `${p.name} (${p.pid})`);
    assert.deepEqual(ledgers.flatMap(left), [], 'no node process survived');
    if (ledgers.some((d) => d.namespaces.length)) {
      const netns = (await runCommand('ip', ['netns', 'list'], { timeoutMs: 10_000 })).stdout;
      const survivors = ledgers.flatMap((d) => d.namespaces).filter((ns) => netns.split('\n').some((l) => l.split(' ')[0] === ns));
      assert.deepEqual(survivors, [], 'no namespace survived');
    }
    const json = readCampaign(out);
    assert.deepEqual([json.status!.exitCode, json.status!.interrupted], [130, true]);
    assert.deepEqual(json.runs.map((x) => x.state), ['interrupted', 'interrupted']);
  });

  it('bad flags: one line on stderr, exit 2, nothing started', async () => {
    const taken = path.join(scratch, 'taken');
    mkdirSync(taken);
    writeFileSync(path.join(taken, 'campaign.json'), '{}');
    const cases: [string[], RegExp][] = [
      [['nope-*'], /^faultline: no scenario matches 'nope-\*'/],
      [['--parallel', '0'], /^faultline: --parallel must be an integer ≥ 1, got '0'/],
      [['--seed-list', '4,4'], /^faultline: --seed-list names seed 4 twice/],
      [['uwsgi-*', '--targets', 'zk-nope'], /^faultline: unknown target 'zk-nope' in --targets/],
      [['--runtime', 'vm'], /^faultline: unknown runtime 'vm'/],
      [['zk-watch', '--targets', 'zk-lite:bug=nosuch'], /^faultline: .*nosuch/],
      [['--out', taken], /already holds a campaign/],
    ];
    const outOf = (i: number) => path.join(scratch, `bad-${i}`);
    const results = await Promise.all(cases.map(([args], i) => campaign(args.includes('--out') ? args : [...args, '--out', outOf(i)], 30_000).ran));
    results.forEach((r, i) => {
      const [args, pattern] = cases[i];
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line, got:\n${r.stderr}`);
      assert.match(r.stderr, pattern);
    });
    cases.forEach((_, i) => assert.ok(!existsSync(outOf(i)), `case ${i}: no campaign folder made`));
  });
});
