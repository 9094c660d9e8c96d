// The campaign's pure parts on synthetic data: which runs a plan makes and what each must show, the
// violation kinds that group failures across seeds, run folders (synthetic result.json files and child
// exits) read back into outcomes, the summary rows, groups and exit status, the JUnit XML (parsed
// back and held to the common JUnit schema, with hostile text), the text table, the parallel sizing
// and the run pool's scheduling.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { CheckResult, RunResult } from '../harness/checker/result.ts';
import { campaignStatus, groupViolations, median, summarize } from '../harness/campaign/aggregate.ts';
import { violationKind, checkKinds } from '../harness/campaign/kind.ts';
import { renderJunit, xmlSafe } from '../harness/campaign/junit.ts';
import { readOutcome, type ChildExit } from '../harness/campaign/outcome.ts';
import { expectationOf, planCampaign, specKey, type PlannableScenario } from '../harness/campaign/plan.ts';
import { RunPool } from '../harness/campaign/pool.ts';
import { chooseParallel, MEMORY_PER_RUN } from '../harness/campaign/sizing.ts';
import { comboTable, figureLabel } from '../harness/campaign/table.ts';
import { childArgs, runDeadlineMs } from '../harness/campaign/run.ts';
import type { Campaign, CampaignOptions, CampaignRun, PlannedRun } from '../harness/campaign/types.ts';
import { loadScenarios } from '../harness/scenario/registry.ts';
import { parseSeedList, runtimeIn } from '../harness/commands/campaign.ts';
import { launchChromium } from '../reports/browser.ts';
import { writeCampaignPage } from '../reports/campaign-page.ts';
import { writeIndex } from '../reports/index-page.ts';
import { parseTargetSpec } from '../harness/target.ts';

const SCENARIOS: PlannableScenario[] = [
  { name: 'zk-register', target: 'zookeeper', targets: ['zookeeper', 'zk-lite'], timeLimit: 30, mustFailOn: ['zk-lite:bug=stale-read'] },
  { name: 'zk-lock-broken', target: 'zookeeper', targets: ['zookeeper', 'zk-lite'], timeLimit: 8 },
  { name: 'uwsgi-harakiri', target: 'uwsgi-nginx', targets: ['uwsgi-nginx', 'uwsgi-lite'], timeLimit: 15, mustFailOn: ['uwsgi-nginx:harakiri=0', 'uwsgi-lite:bug=harakiri-late'] },
];

describe('campaign plan', () => {
  it('runs each scenario on its own target plus its must-fail variants of that target, seed-major', () => {
    const plan = planCampaign(SCENARIOS, { globs: [], targets: null, seeds: [7, 8] });
    assert.deepEqual(plan.map((r) => `${r.seed} ${r.scenario} ${r.target} ${r.expect}`), [
      '7 zk-register zookeeper valid', '7 zk-lock-broken zookeeper violation', '7 uwsgi-harakiri uwsgi-nginx valid', '7 uwsgi-harakiri uwsgi-nginx:harakiri=0 violation',
      '8 zk-register zookeeper valid', '8 zk-lock-broken zookeeper violation', '8 uwsgi-harakiri uwsgi-nginx valid', '8 uwsgi-harakiri uwsgi-nginx:harakiri=0 violation',
    ]);
    assert.deepEqual(plan.map((r) => r.id), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(plan[3].dir, 'uwsgi-harakiri/uwsgi-nginx_harakiri=0-s7');
    assert.equal(new Set(plan.map((r) => r.dir)).size, plan.length, 'every run has its own folder');
  });

  it('takes --targets per scenario: bare targets bring their variants, specs with options only themselves', () => {
    const lite = planCampaign(SCENARIOS, { globs: [], targets: ['zk-lite', 'uwsgi-lite'], seeds: [1] });
    assert.deepEqual(lite.map((r) => `${r.scenario} ${r.target} ${r.expect}`), [
      'zk-register zk-lite valid', 'zk-register zk-lite:bug=stale-read violation', 'zk-lock-broken zk-lite violation',
      'uwsgi-harakiri uwsgi-lite valid', 'uwsgi-harakiri uwsgi-lite:bug=harakiri-late violation',
    ]);
    const one = planCampaign(SCENARIOS, { globs: ['zk-*'], targets: ['zk-lite:bug=stale-read'], seeds: [1] });
    assert.deepEqual(one.map((r) => `${r.scenario} ${r.target} ${r.expect}`), ['zk-register zk-lite:bug=stale-read violation', 'zk-lock-broken zk-lite:bug=stale-read violation']);
  });

  it('says what each run must show: broken scenarios and declared variants fail, undeclared bugs may', () => {
    const [register, lockBroken, harakiri] = SCENARIOS;
    const bugs = new Set(['stale-read', 'harakiri-late']);
    assert.equal(expectationOf(register, 'zookeeper'), 'valid');
    assert.equal(expectationOf(register, 'zk-lite:bug=stale-read', bugs), 'violation');
    assert.equal(expectationOf(register, 'zk-lite:stale-read', bugs), 'violation', 'the short form of a declared bug');
    assert.equal(expectationOf(register, 'zk-lite:bug=early-ack', bugs), 'any', 'a bug this scenario is not documented to catch');
    assert.equal(expectationOf(lockBroken, 'zk-lite'), 'violation');
    assert.equal(expectationOf(harakiri, 'uwsgi-nginx:harakiri=0'), 'violation');
    assert.equal(expectationOf(harakiri, 'uwsgi-nginx:harakiri=1'), 'valid', 'an undeclared setting is an ordinary run');
    assert.equal(specKey('zk-lite:b=2,bug=x'), specKey('zk-lite:bug=x,b=2'));
    assert.equal(specKey('zk-lite:x,b=2', new Set(['x'])), specKey('zk-lite:bug=x,b=2', new Set(['x'])));
  });

  it('sets or caps the time limit', () => {
    const exact = planCampaign(SCENARIOS, { globs: ['zk-*'], targets: null, seeds: [1], timeLimit: 12 });
    assert.deepEqual(exact.map((r) => r.timeLimit), [12, 12]);
    const capped = planCampaign(SCENARIOS, { globs: ['zk-*'], targets: null, seeds: [1], timeCap: 10 });
    assert.deepEqual(capped.map((r) => r.timeLimit), [10, 8], 'a shorter scenario keeps its own');
  });

  it('rejects a glob that matches nothing, a target no selected scenario takes, and no seeds', () => {
    assert.throws(() => planCampaign(SCENARIOS, { globs: ['zk-*', 'etcd-*'], targets: null, seeds: [1] }), /no scenario matches 'etcd-\*'/);
    assert.throws(() => planCampaign(SCENARIOS, { globs: ['zk-*'], targets: ['uwsgi-nginx'], seeds: [1] }), /target 'uwsgi-nginx' applies to none of the selected scenarios/);
    assert.throws(() => planCampaign(SCENARIOS, { globs: [], targets: null, seeds: [] }), /at least one seed/);
  });

  it('takes exact seeds as integers ≥ 0, each once', () => {
    assert.deepEqual(parseSeedList('3, 1,2'), [3, 1, 2]);
    assert.throws(() => parseSeedList('1,x'), /--seed-list takes integers ≥ 0 separated by commas, got 'x'/);
    assert.throws(() => parseSeedList('1,-2'), /got '-2'/);
    assert.throws(() => parseSeedList('1.5'), /got '1.5'/);
    assert.throws(() => parseSeedList('4,4'), /names seed 4 twice/);
    assert.throws(() => parseSeedList(' , '), /names no seed/);
  });

  it('sees a runtime given among the arguments for every run (it decides whether runs may share the machine)', () => {
    assert.equal(runtimeIn(['--nodes', '5', '--runtime', 'ssh', '--hosts-file', 'h']), 'ssh');
    assert.equal(runtimeIn(['--runtime=docker']), 'docker');
    assert.equal(runtimeIn(['--nodes', '5']), undefined);
  });

  it('every must-fail variant a real scenario declares names one of its own targets', async () => {
    const all = await loadScenarios();
    const declared = all.flatMap((s) => (s.mustFailOn ?? []).map((v) => ({ s, v })));
    assert.ok(declared.length >= 8, 'the README variants and the documented lite bugs are declared');
    for (const { s, v } of declared) assert.ok([s.target, ...(s.targets ?? [])].includes(parseTargetSpec(v).name), `${s.name}: ${v}`);
  });
});

describe('violation kinds', () => {
  it('takes the values out of a violation, so the same bug on other seeds is the same kind', () => {
    const a = violationKind('element p1-1 was delivered 2 times (to processes 3, 4): a queue delivers each element once');
    const b = violationKind('element p2-17 was delivered 3 times (to processes 1, 4, 5): a queue delivers each element once');
    assert.equal(a, b);
    assert.equal(a, 'element pN-N was delivered N times (to processes N): a queue delivers each element once');
    assert.equal(violationKind('process 3 read "abc" from key "k1" at zxid 0x1000004 (op 17)'), violationKind('process 12 read "x" from key "k9" at zxid 0x2a (op 3)'));
    assert.equal(violationKind('process 2 saw configuration {"v":3} (read) after {"v":5} (watch)'), 'process N saw configuration V (read) after V (watch)');
    assert.notEqual(violationKind('element p1-1 was delivered but never enqueued'), a, 'another sentence is another kind');
    assert.equal(violationKind('watch 3 of process 1 (session 1a2e3bd4) fired twice'), violationKind('watch 7 of process 2 (session 5c0ffee9a1) fired twice'), 'hex session ids');
    assert.equal(violationKind("p1-2 was delivered before p1-1, although p1-1's enqueue began first"), "pN-N was delivered before pN-N, although pN-N's enqueue began first", 'an apostrophe is no quote');
  });

  it('lists a failing check\'s kinds most frequent first, falling back to its summary', () => {
    const check = { summary: 'queue broke its promise', violations: [
      { message: 'acknowledged enqueue of p1-3 was never delivered, and the final drain found the queue empty: the element was lost' },
      { message: 'element p1-1 was delivered 2 times (to processes 3, 4): a queue delivers each element once' },
      { message: 'element p1-2 was delivered 2 times (to processes 1, 4): a queue delivers each element once' },
    ] };
    const k = checkKinds(check);
    assert.equal(k.kinds.length, 2);
    assert.match(k.kinds[0], /^element pN-N was delivered/);
    assert.match(k.example, /p1-3 was never delivered/);
    assert.deepEqual(checkKinds({ summary: 'no operation succeeded after 12.5 s: the system did not recover' }).kinds, ['no operation succeeded after N s: the system did not recover']);
  });
});

// ---- synthetic run folders -------------------------------------------------------------------------

const HOSTILE = 'x]]></system-out><script>alert("&\'")</script><img src=x onerror="window.__pwned=1">\u001b[31mred\u0000\uD800';

function result(scenario: string, target: string, seed: number, valid: RunResult['valid'], extra: Partial<RunResult> = {}): RunResult {
  return {
    scenario, target, runtime: 'netns', seed, nodes: 3, startedAt: '2026-12-01T10:00:00.000Z', durationMs: 20_000, ops: 500,
    valid, summary: valid === true ? 'all checks hold' : valid === false ? 'a violation' : 'no answer', checks: [], metrics: { opsPerSec: 100 },
    replay: `npm run scenario -- ${scenario} --target ${target} --seed ${seed}`, ...extra,
  };
}

const linViolation = (seed: number): Partial<RunResult> => ({
  summary: `not linearizable: process ${seed} read ${seed + 3} after the write of ${seed + 4} was acknowledged`,
  checks: [
    { checker: 'linearizable', valid: false, summary: 'not linearizable', violations: [{ message: `process ${seed} read ${seed + 3} after the write of ${seed + 4} was acknowledged (op ${seed * 10})` }] },
    { checker: 'recovery', valid: true, summary: 'recovered', metrics: { firstOkWriteMsMedian: 3000 } },
  ],
  metrics: { opsPerSec: 80 + seed, 'recovery.firstOkWriteMsMedian': 2000 + seed * 1000 },
});

interface Synthetic {
  run: PlannedRun;
  result?: RunResult;
  exit: ChildExit;
  report?: boolean;
}

const ok = (code: number): ChildExit => ({ code, signal: null, tail: '' });

function syntheticCampaign(dir: string): CampaignRun[] {
  let id = 0;
  const planned = (scenario: string, target: string, seed: number, expect: PlannedRun['expect']): PlannedRun => ({ id: ++id, scenario, target, seed, expect, timeLimit: 10, dir: `${scenario}/${target}-s${seed}` });
  const items: Synthetic[] = [
    { run: planned('zk-register', 'zookeeper', 1, 'valid'), result: result('zk-register', 'zookeeper', 1, true, { checks: [{ checker: 'linearizable', valid: true, summary: 'ok' }], metrics: { opsPerSec: 100, 'recovery.firstOkWriteMsMedian': 1000 } }), exit: ok(0), report: true },
    { run: planned('zk-register', 'zookeeper', 2, 'valid'), result: result('zk-register', 'zookeeper', 2, false, { ...linViolation(2), shrink: { replay: 'npm run scenario -- zk-register --seed 2 --schedule shrunk.json', stopped: 'minimal', attempts: [{}, {}], original: { schedule: [1, 2, 3], concurrency: 5, timeLimit: 30 }, shrunk: { schedule: [1], concurrency: 2, timeLimit: 8 } } }), exit: ok(1), report: true },
    { run: planned('zk-register', 'zookeeper', 3, 'valid'), result: result('zk-register', 'zookeeper', 3, false, linViolation(3)), exit: ok(1), report: true },
    { run: planned('zk-lock-broken', 'zookeeper', 1, 'violation'), result: result('zk-lock-broken', 'zookeeper', 1, false, { checks: [{ checker: 'lock-safety', valid: false, summary: 'two holders', violations: [{ message: `process 1 and process 2 both held the lock from 1.2 s to 1.9 s ${HOSTILE}` }] }] }), exit: ok(1), report: true },
    { run: planned('zk-lock-broken', 'zookeeper', 2, 'violation'), result: result('zk-lock-broken', 'zookeeper', 2, true, { checks: [{ checker: 'lock-safety', valid: true, summary: 'one holder' }] }), exit: ok(0) },
    { run: planned('zk-queue', 'zookeeper', 1, 'valid'), exit: { code: 2, signal: null, tail: 'faultline: zookeeper did not serve within 60 s' } },
    { run: planned('zk-election', 'zookeeper', 1, 'valid'), result: result('zk-election', 'zookeeper', 1, 'unknown', { checks: [{ checker: 'leader-election', valid: 'unknown', summary: 'no leader seen' }] }), exit: ok(2) },
    { run: planned('zk-barrier', 'zookeeper', 1, 'valid'), exit: ok(0) },
  ];
  const runs: CampaignRun[] = [];
  for (const it of items) {
    const folder = path.join(dir, it.run.dir);
    mkdirSync(folder, { recursive: true });
    if (it.result) writeFileSync(path.join(folder, 'result.json'), JSON.stringify(it.result));
    if (it.report) writeFileSync(path.join(folder, 'report.html'), '<!doctype html>');
    const run: CampaignRun = { ...it.run, state: 'planned' };
    if (it.run.scenario !== 'zk-barrier') Object.assign(run, { state: 'running', startedAt: '2026-12-01T10:00:00.000Z', wallMs: 21_500 }, readOutcome(run, dir, it.exit));
    else run.state = 'not-started';
    runs.push(run);
  }
  return runs;
}

const OPTIONS: CampaignOptions = { globs: [], targets: null, seeds: [1, 2, 3], parallel: 2, parallelWhy: 'as asked', shrink: { enabled: true, budgetS: 60, broken: false }, strict: false, passThrough: [] };

describe('campaign outcomes and summary (synthetic run folders)', () => {
  let dir: string;
  let runs: CampaignRun[];
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fl-campaign-unit-'));
    runs = syntheticCampaign(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads each run folder into a verdict and whether it was as expected', () => {
    assert.deepEqual(runs.map((r) => `${r.scenario}/${r.seed} ${r.verdict ?? r.state} ${r.outcome ?? '-'}`), [
      'zk-register/1 valid pass', 'zk-register/2 invalid fail', 'zk-register/3 invalid fail', 'zk-lock-broken/1 invalid pass',
      'zk-lock-broken/2 valid fail', 'zk-queue/1 error error', 'zk-election/1 unknown error', 'zk-barrier/1 not-started -',
    ]);
    const [, second, , , , queue] = runs;
    assert.equal(second.verdictLine, 'INVALID: not linearizable: process 2 read 5 after the write of 6 was acknowledged');
    assert.deepEqual(second.shrink, { replay: 'npm run scenario -- zk-register --seed 2 --schedule shrunk.json', change: '3 faults, 5 clients, 30 s → 1 fault, 2 clients, 8 s', stopped: 'minimal', attempts: 2 });
    assert.deepEqual(second.figures, { 'recovery.firstOkWriteMsMedian': 4000 });
    assert.equal(second.report, 'zk-register/zookeeper-s2/report.html');
    assert.match(queue.verdictLine!, /^ERROR: the run exited with code 2 without a result \(faultline: zookeeper did not serve within 60 s\)$/);
  });

  it('a child cut short by an interrupt is `interrupted`, but a violation it had already written stands', () => {
    const run: CampaignRun = { id: 99, scenario: 'zk-register', target: 'zookeeper', seed: 2, expect: 'valid', timeLimit: 10, dir: 'zk-register/zookeeper-s2', state: 'running' };
    const cut = readOutcome(run, dir, { code: 130, signal: null, interrupted: true, tail: '' });
    assert.equal(cut.state, 'done', 'its result.json says INVALID: the violation was found before the interrupt');
    assert.equal(cut.verdict, 'invalid');
    const fresh = readOutcome({ ...run, dir: 'nowhere' }, dir, { code: 130, signal: null, interrupted: true, tail: '' });
    assert.deepEqual([fresh.state, fresh.outcome], ['interrupted', 'skipped']);
    const late = readOutcome({ ...run, dir: 'nowhere' }, dir, { code: 130, signal: null, deadline: true, tail: '' });
    assert.match(late.verdictLine!, /ran past its deadline/);
  });

  it('sums each scenario × target: counts, seeds not as expected, medians, catch rates', () => {
    const rows = summarize(runs);
    const register = rows.find((r) => r.scenario === 'zk-register')!;
    assert.deepEqual({ ...register, figures: undefined }, {
      scenario: 'zk-register', target: 'zookeeper', expect: 'valid', runs: 3, valid: 1, invalid: 2, unknown: 0, errors: 0, notRun: 0,
      failures: [{ seed: 2, verdict: 'invalid' }, { seed: 3, verdict: 'invalid' }], medianOpsPerSec: 83, figures: undefined,
    });
    assert.deepEqual(register.figures, { 'recovery.firstOkWriteMsMedian': 4000 }, 'the median of 1000, 4000, 5000');
    const broken = rows.find((r) => r.scenario === 'zk-lock-broken')!;
    assert.deepEqual(broken.caught, { caught: 1, of: 2, missedSeeds: [2] });
    assert.deepEqual(rows.find((r) => r.scenario === 'zk-barrier')!.notRun, 1);
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([]), null);
  });

  it('groups the same violation across seeds, ordinary ones first, with the shrunk replay', () => {
    const groups = groupViolations(runs);
    assert.equal(groups.length, 2);
    const [lin, lock] = groups;
    assert.deepEqual([lin.scenario, lin.checker, lin.seeds, lin.expected, lin.shrunk], ['zk-register', 'linearizable', [2, 3], false, true]);
    assert.equal(lin.kind, 'process N read N after the write of N was acknowledged (op N)');
    assert.equal(lin.replay, 'npm run scenario -- zk-register --seed 2 --schedule shrunk.json');
    assert.deepEqual([lock.scenario, lock.expected, lock.seeds], ['zk-lock-broken', true, [1]]);
  });

  it('exits 1 for a violation or a missed catch, else 2 for unknowns and harness errors, else 0', () => {
    const s = campaignStatus(runs, null);
    assert.equal(s.exitCode, 1);
    assert.deepEqual([s.violations, s.missed, s.unknown, s.harnessErrors, s.notStarted], [2, 1, 1, 1, 1]);
    assert.equal(s.reason, '2 ordinary runs found a violation; 1 must-fail run did not catch its bug; 1 run ended unknown; 1 run hit a harness error; 1 run not started');
    const noViolation = runs.filter((r) => r.outcome !== 'fail');
    assert.equal(campaignStatus(noViolation, null).exitCode, 2);
    const clean = runs.filter((r) => r.outcome === 'pass');
    assert.deepEqual([campaignStatus(clean, null).exitCode, campaignStatus(clean, null).reason], [0, 'all 2 runs as expected (ordinary runs valid, every must-fail run caught)']);
    assert.equal(campaignStatus(clean, 'SIGINT').exitCode, 130);
    assert.equal(campaignStatus(clean, 'SIGTERM').exitCode, 143);
  });

  it('prints a table row per scenario × target', () => {
    const table = comboTable(summarize(runs)).split('\n');
    assert.match(table[0], /^scenario on target\s+runs\s+valid\s+invalid\s+unknown\s+error\s+seeds not as expected\s+ops\/s\s+failover \/ recovery \(median\)$/);
    assert.match(table[2], /^zk-register on zookeeper\s+3\s+1\s+2\s+0\s+0\s+2 invalid, 3 invalid\s+83\s+first ok write p50 4\.0 s$/);
    assert.match(table[3], /^zk-lock-broken on zookeeper \[must fail\]\s+2\s+1\s+1\s+0\s+0\s+caught 1\/2, missed on 2/);
    assert.match(table.at(-1)!, /^zk-barrier on zookeeper\s+0\+1/);
    assert.equal(figureLabel('leader-election.failoverMsMedian'), 'failover p50');
    assert.equal(figureLabel('recovery.firstOkWriteMsMax'), 'first ok write max');
  });

  describe('JUnit XML', () => {
    let xml: string;
    let doc: any;
    before(() => {
      const c: Campaign = { version: 1, command: 'faultline campaign', startedAt: '2026-12-01T10:00:00.000Z', endedAt: '2026-12-01T10:05:00.000Z', wallMs: 300_000, options: OPTIONS, runs, table: summarize(runs), groups: groupViolations(runs), status: campaignStatus(runs, null) };
      xml = renderJunit(c, { campaignDir: dir });
      doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name), processEntities: true }).parse(xml);
    });

    it('is well-formed XML 1.0 with nothing XML cannot carry', () => {
      assert.equal(XMLValidator.validate(xml), true);
      assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>'));
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]|[\uD800-\uDFFF]/, 'no control characters or lone surrogates');
      assert.doesNotMatch(xml, /<script>/, 'markup in messages is escaped');
      assert.equal(xmlSafe('a\u001bb\u0000c\uD83D\uDE00\uD800'), 'a\uFFFDb\uFFFDc\uD83D\uDE00\uFFFD', 'a surrogate pair survives, a lone one does not');
    });

    it('holds to the common JUnit schema (Jenkins / GitLab / GitHub reporters)', () => {
      const suites = doc.testsuites;
      assert.deepEqual(Object.keys(suites).filter((k) => !['testsuite'].includes(k)).sort(), ['errors', 'failures', 'name', 'tests', 'time']);
      for (const suite of suites.testsuite) {
        for (const a of ['name', 'tests', 'failures', 'errors']) assert.ok(a in suite, `testsuite has ${a}`);
        assert.match(suite.time, /^\d+\.\d{3}$/);
        assert.match(suite.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/, 'xs:dateTime without a zone');
        assert.deepEqual(Object.keys(suite).filter((k) => !/^(name|tests|failures|errors|skipped|time|timestamp)$/.test(k)), ['properties', 'testcase']);
        for (const tc of suite.testcase) {
          assert.ok(tc.name && tc.classname && /^\d+\.\d{3}$/.test(tc.time));
          assert.deepEqual(Object.keys(tc).filter((k) => !/^(name|classname|time)$/.test(k)).filter((k) => !['failure', 'error', 'skipped', 'system-out'].includes(k)), []);
        }
        const cases = suite.testcase;
        assert.equal(Number(suite.tests), cases.length);
        assert.equal(Number(suite.failures), cases.filter((t: any) => t.failure).length);
        assert.equal(Number(suite.errors), cases.filter((t: any) => t.error).length);
        assert.equal(Number(suite.skipped), cases.filter((t: any) => t.skipped !== undefined).length);
      }
      assert.deepEqual([suites.tests, suites.failures, suites.errors], ['8', '3', '2']);
    });

    it('one testcase per run: failure = verdict line, error = no verdict, skipped = not run, link to the report', () => {
      const cases = doc.testsuites.testsuite.flatMap((s: any) => s.testcase);
      const byName = (n: string) => cases.find((t: any) => t.name === n);
      const s2 = byName('zk-register on zookeeper seed 2');
      assert.equal(s2.classname, 'zk-register.zookeeper');
      assert.equal(s2.failure.message, 'INVALID: not linearizable: process 2 read 5 after the write of 6 was acknowledged');
      assert.equal(s2.failure.type, 'linearizable');
      assert.ok(s2['system-out'].includes(`report: ${path.join(dir, 'zk-register/zookeeper-s2/report.html')}`));
      assert.ok(s2['system-out'].includes('shrunk (3 faults, 5 clients, 30 s → 1 fault, 2 clients, 8 s): npm run scenario -- zk-register --seed 2 --schedule shrunk.json'));
      assert.equal(byName('zk-register on zookeeper seed 1').failure, undefined);
      assert.equal(byName('zk-lock-broken on zookeeper seed 1').failure, undefined, 'a must-fail run that caught its bug passes');
      assert.equal(byName('zk-lock-broken on zookeeper seed 2').failure.message, 'expected a violation, got VALID: all checks hold');
      assert.match(byName('zk-queue on zookeeper seed 1').error.message, /^ERROR: the run exited with code 2/);
      assert.equal(byName('zk-election on zookeeper seed 1').error.message, 'UNKNOWN: no answer');
      assert.match(byName('zk-barrier on zookeeper seed 1').skipped.message, /not started/);
      const hostile = byName('zk-lock-broken on zookeeper seed 1')['system-out'];
      assert.ok(hostile.includes('x]]></system-out><script>alert("&\'")</script><img src=x onerror="window.__pwned=1">\uFFFD[31mred\uFFFD\uFFFD'), 'hostile text comes back as text');
    });

    it('links reports under a CI artifact URL when one is given', () => {
      const c = { version: 1, command: '', startedAt: '2026-12-01T10:00:00.000Z', endedAt: null, wallMs: 1, options: OPTIONS, runs: runs.slice(0, 1), table: [], groups: [], status: null } as Campaign;
      assert.ok(renderJunit(c, { campaignDir: dir, reportBaseUrl: 'https://ci.example/job/7/artifacts/c' }).includes('report: https://ci.example/job/7/artifacts/c/zk-register/zookeeper-s1/report.html'));
    });
  });
});

describe('campaign: runs that hit only known upstream issues', () => {
  const ISSUE = { checker: 'linearizable', id: 'ZOOKEEPER-4882', url: 'https://issues.apache.org/jira/browse/ZOOKEEPER-4882', description: 'writes lost after ENOSPC and a restart' };
  let dir: string;
  let runs: CampaignRun[];
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fl-campaign-known-'));
    const lost = (seed: number, extra: CheckResult[] = []) => result('zk-register-disk-full', 'zookeeper', seed, false, { ...linViolation(seed), checks: [...linViolation(seed).checks!, ...extra], knownIssues: [ISSUE] });
    const items: [number, RunResult, number][] = [
      [1, result('zk-register-disk-full', 'zookeeper', 1, true, { checks: [{ checker: 'linearizable', valid: true, summary: 'ok' }] }), 0],
      [2, lost(2), 1],
      [3, lost(3, [{ checker: 'recovery', valid: false, summary: 'no operation succeeded after 12.5 s: the system did not recover' }]), 1],
    ];
    runs = items.map(([seed, r, code], i) => {
      const run: CampaignRun = { id: i + 1, scenario: 'zk-register-disk-full', target: 'zookeeper', seed, expect: 'valid', timeLimit: 10, dir: `d/zookeeper-s${seed}`, state: 'running' };
      mkdirSync(path.join(dir, run.dir), { recursive: true });
      writeFileSync(path.join(dir, run.dir, 'result.json'), JSON.stringify(r));
      return Object.assign(run, readOutcome(run, dir, ok(code)));
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('count a run apart only when every violation matches a known issue', () => {
    assert.deepEqual(runs.map((r) => r.outcome), ['pass', 'known', 'fail'], 'seed 3 also failed recovery, which no issue explains');
    assert.deepEqual(runs[1].knownIssues, [ISSUE]);
    const row = summarize(runs)[0];
    assert.deepEqual(row.known, { seeds: [2], issues: ['ZOOKEEPER-4882'] });
    assert.deepEqual(row.failures, [{ seed: 3, verdict: 'invalid' }]);
    assert.match(comboTable([row]).split('\n')[2], /3 invalid; known ZOOKEEPER-4882 on 2/);
  });

  it('exit 0 when every failure is a known issue, 1 under --strict; a new failure still fails', () => {
    const onlyKnown = runs.slice(0, 2);
    const s = campaignStatus(onlyKnown, null);
    assert.deepEqual([s.exitCode, s.known, s.violations], [0, 1, 0]);
    assert.equal(s.reason, '1 run as expected (ordinary runs valid, every must-fail run caught); 1 run found only known upstream issues (ZOOKEEPER-4882), not counted as failures (--strict counts them)');
    const strict = campaignStatus(onlyKnown, null, true);
    assert.deepEqual([strict.exitCode, strict.reason], [1, '1 run found only known upstream issues (ZOOKEEPER-4882), counted as failures (--strict)']);
    const all = campaignStatus(runs, null);
    assert.equal(all.exitCode, 1);
    assert.match(all.reason, /^1 ordinary run found a violation; 1 run found only known upstream issues/);
  });

  it('groups known violations apart from new ones, after them, naming the issue', () => {
    const groups = groupViolations(runs);
    assert.deepEqual(groups.map((g) => [g.checker, g.seeds, g.knownIssue?.id ?? null]), [['recovery', [3], null], ['linearizable', [2, 3], 'ZOOKEEPER-4882']], 'seed 3\'s lost writes are the known issue too; its recovery failure is new');
  });

  it('JUnit: a known issue is <skipped> with the issue in its message, a <failure> under --strict', () => {
    const campaign = (strict: boolean): Campaign => ({ version: 1, command: 'c', startedAt: '2026-12-01T10:00:00.000Z', endedAt: null, wallMs: 1, options: { ...OPTIONS, strict }, runs, table: summarize(runs), groups: groupViolations(runs), status: campaignStatus(runs, null, strict) });
    const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase'].includes(name) }).parse(xml).testsuites.testsuite[0];
    const lenient = parse(renderJunit(campaign(false), { campaignDir: dir }));
    const known = lenient.testcase.find((t: any) => t.name.endsWith('seed 2'));
    assert.match(known.skipped.message, /^violation matching known upstream issue ZOOKEEPER-4882 \(https:\/\/issues\.apache\.org\/jira\/browse\/ZOOKEEPER-4882\): INVALID: /);
    assert.equal(known.failure, undefined);
    assert.deepEqual([lenient.failures, lenient.skipped], ['1', '1']);
    const strict = parse(renderJunit(campaign(true), { campaignDir: dir }));
    assert.match(strict.testcase.find((t: any) => t.name.endsWith('seed 2')).failure.message, /^violation matching known upstream issue ZOOKEEPER-4882/);
    assert.deepEqual([strict.failures, strict.skipped], ['2', '0']);
  });
});

describe('campaign.html and the store index', function () {
  this.timeout(60_000);
  let store: string;
  let page: string;
  before(async () => {
    store = mkdtempSync(path.join(tmpdir(), 'fl-campaign-page-'));
    const dir = path.join(store, 'campaigns', '2026-12-01T10-00-00-000Z');
    const runs = syntheticCampaign(dir);
    const c: Campaign = { version: 1, command: 'faultline campaign --seeds 3', startedAt: '2026-12-01T10:00:00.000Z', endedAt: '2026-12-01T10:05:00.000Z', wallMs: 300_000, options: OPTIONS, runs, table: summarize(runs), groups: groupViolations(runs), status: campaignStatus(runs, null) };
    writeFileSync(path.join(dir, 'campaign.json'), JSON.stringify(c));
    page = await writeCampaignPage(dir, c);
    await writeIndex(store);
  });
  after(() => rmSync(store, { recursive: true, force: true }));

  it('the store index links the campaign with its exit code', () => {
    const html = readFileSync(path.join(store, 'index.html'), 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="faultline-data">([\s\S]*?)<\/script>/.exec(html)![1]);
    assert.deepEqual(data.campaigns.map((x: { page: string; exitCode: number; runs: number }) => [x.page, x.exitCode, x.runs]), [['campaigns/2026-12-01T10-00-00-000Z/campaign.html', 1, 8]]);
  });

  it('draws in Chromium: outcome, table, catches, groups with replays, hostile text as text', async () => {
    const browser = await launchChromium();
    try {
      const tab = await browser.context.newPage();
      await tab.goto(`file://${page}`);
      await tab.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });
      const text = (await tab.textContent('body'))!;
      assert.match(text, /exit 1violation found2 ordinary runs found a violation/);
      assert.ok(text.includes('process N read N after the write of N was acknowledged (op N)'), 'the group kind');
      assert.ok(text.includes('npm run scenario -- zk-register --seed 2 --schedule shrunk.json'), 'the shrunk replay');
      assert.ok(text.includes('<script>alert("&\'")</script><img src=x onerror="window.__pwned=1">'), 'hostile text shown literally');
      assert.equal(await tab.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
      assert.equal(await tab.textContent('#catches tbody tr td:nth-child(3)'), '1 of 2');
      const links = await tab.$$eval('#table a', (as) => as.map((a) => a.getAttribute('href')));
      assert.deepEqual(links, ['zk-register/zookeeper-s2/report.html', 'zk-register/zookeeper-s3/report.html']);
    } finally {
      await browser.close();
    }
  });
});

describe('campaign runner pieces', () => {
  it('sizes parallelism by cores and memory, and runs alone on runtimes that cannot share', () => {
    const machine = (cores: number, gib: number) => ({ cores, freeBytes: gib * MEMORY_PER_RUN });
    assert.deepEqual(chooseParallel({ runs: 30, machine: machine(2, 20) }), { parallel: 2, why: '2 cores, 20.0 GiB free: one run per core' });
    assert.deepEqual(chooseParallel({ runs: 30, machine: machine(16, 3.5) }), { parallel: 3, why: '16 cores, 3.5 GiB free: 3.5 GiB free at ~1 GiB a run' });
    assert.equal(chooseParallel({ runs: 1, machine: machine(8, 20) }).parallel, 1);
    assert.equal(chooseParallel({ runs: 30, machine: machine(1, 0.3) }).parallel, 1);
    assert.deepEqual(chooseParallel({ requested: 4, runs: 30, machine: machine(2, 20) }), { parallel: 4, why: 'as asked' });
    assert.match(chooseParallel({ requested: 4, runtime: 'ssh', runs: 30, machine: machine(2, 20) }).why, /one at a time: runs on the 'ssh' runtime/);
  });

  it('passes each run to `faultline scenario` with its folder, seed, shrinking and the pass-through flags', () => {
    const run: PlannedRun = { id: 1, scenario: 'zk-register', target: 'zk-lite:bug=stale-read', seed: 5, expect: 'valid', timeLimit: 12, dir: 'zk-register/x-s5' };
    const o = { ...OPTIONS, runtime: 'local', passThrough: ['--nodes', '5'] };
    assert.deepEqual(childArgs(run, o, '/c'), ['zk-register', '--target', 'zk-lite:bug=stale-read', '--seed', '5', '--time-limit', '12', '--out', '/c/zk-register/x-s5', '--runtime', 'local', '--shrink', '--shrink-budget', '60', '--nodes', '5']);
    assert.ok(!childArgs({ ...run, expect: 'violation' }, o, '/c').includes('--shrink'), 'must-fail runs are not shrunk unless asked');
    assert.ok(childArgs({ ...run, expect: 'violation' }, { ...o, shrink: { ...o.shrink, broken: true } }, '/c').includes('--shrink'));
    assert.ok(!childArgs(run, { ...o, shrink: { ...o.shrink, enabled: false } }, '/c').includes('--shrink'));
    assert.ok(runDeadlineMs(30, 120) > runDeadlineMs(30, null) + 120_000);
  });

  it('the pool runs at most K at once in plan order, stops at the budget and passes an interrupt on', async () => {
    const runs = (n: number): CampaignRun[] => Array.from({ length: n }, (_, i) => ({ id: i + 1, scenario: 's', target: 't', seed: i, expect: 'valid', timeLimit: 1, dir: `s/${i}`, state: 'planned' }));
    const trace: string[] = [];
    let live = 0;
    let peak = 0;
    const fakeChild = (run: CampaignRun, ms: number) => {
      let finish: (e: ChildExit) => void = () => {};
      const exited = new Promise<ChildExit>((r) => (finish = r));
      live++;
      peak = Math.max(peak, live);
      const timer = setTimeout(() => { live--; finish({ code: 0, signal: null, tail: '' }); }, ms);
      return { pid: run.id, exited, signal: (sig: NodeJS.Signals) => { trace.push(`${sig} ${run.id}`); clearTimeout(timer); live--; finish({ code: 130, signal: null, interrupted: true, tail: '' }); } };
    };
    const events = { started: (r: CampaignRun) => trace.push(`start ${r.id}`), finished: (r: CampaignRun) => { r.state = 'done'; trace.push(`end ${r.id}`); } };

    const all = runs(5);
    await new RunPool({ parallel: 2, start: (r) => fakeChild(r, 20), events }).run(all);
    assert.equal(peak, 2);
    assert.deepEqual(trace.filter((t) => t.startsWith('start')), ['start 1', 'start 2', 'start 3', 'start 4', 'start 5']);

    let clock = 0;
    const budgeted = runs(4);
    await new RunPool({ parallel: 1, budgetMs: 100, now: () => clock, start: (r) => { clock += 150; return fakeChild(r, 5); }, events }).run(budgeted);
    assert.deepEqual(budgeted.map((r) => r.state), ['done', 'not-started', 'not-started', 'not-started'], 'the budget was spent by the first run');

    trace.length = 0;
    const cut = runs(4);
    const pool = new RunPool({ parallel: 2, start: (r) => fakeChild(r, 10_000), events });
    const done = pool.run(cut);
    setTimeout(() => pool.interrupt('SIGINT'), 30);
    await done;
    assert.deepEqual(trace, ['start 1', 'start 2', 'SIGINT 1', 'SIGINT 2', 'end 1', 'end 2']);
    assert.deepEqual(cut.map((r) => r.state), ['done', 'done', 'not-started', 'not-started']);
  });
});
