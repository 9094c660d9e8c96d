// Leftovers of runs that did not end normally. A run killed with SIGKILL cannot clean up, so its
// ledger must let `faultline clean` remove every namespace, link, process and folder it made; a run
// stopped with SIGTERM cleans up by itself; and clean never touches a run that is still going.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cleanup } from '../harness/cleanup.ts';
import { clean } from '../harness/commands/clean.ts';
import netns from '../harness/runtime/netns/index.ts';
import { leftoversOf } from '../harness/runtime/netns/leftovers.ts';
import { Ledger, ledgerDir, processesTagged } from '../harness/runtime/ledger.ts';
import { runCommand, waitFor } from '../harness/runtime/process.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LOG_DIR = '/tmp/faultline-test-clean-logs';

interface ChildRun {
  child: ChildProcess;
  runId: string;
  pids: { pid: number; start: number | undefined; name: string }[];
}

/** A faultline-like process: builds a 2-host run with a daemon per host and a partition, then waits. */
async function startRun(handleSignals: boolean): Promise<ChildRun> {
  const code = `
    import netns from '${ROOT}/harness/runtime/netns/index.ts';
    import { Cleanup, cleanupOnSignals } from '${ROOT}/harness/cleanup.ts';
    import { pidStartTime } from '${ROOT}/harness/runtime/process.ts';
    const cleanup = new Cleanup();
    if (${handleSignals}) cleanupOnSignals(cleanup);
    const rt = await netns.create({ hosts: ['n1', 'n2'], logDir: '${LOG_DIR}', cleanup, log: () => {} });
    const pids = [];
    for (const h of rt.hosts) {
      const p = await h.spawn({ name: 'sleeper', command: 'sleep', args: ['30'] });
      pids.push({ pid: p.pid, start: pidStartTime(p.pid), name: h.name });
    }
    await rt.network.partition({ n1: ['n2'], n2: ['n1'] });
    console.log(JSON.stringify({ runId: rt.runId, pids }));
    setTimeout(() => {}, 30000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const line = await waitFor('the child run to report its run id', 30_000, () => (out.includes('\n') ? out.split('\n')[0] : undefined));
  return { child, ...(JSON.parse(line) as Omit<ChildRun, 'child'>) };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

async function faultlineClean(): Promise<string> {
  const r = await runCommand(process.execPath, ['--import', 'tsx', path.join(ROOT, 'harness/cli.ts'), 'clean'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe('faultline clean @integration', function () {
  this.timeout(60_000);

  before(async function () {
    if (await netns.unavailable()) this.skip();
  });

  it('removes everything a SIGKILLed run left behind, as listed in its ledger', async () => {
    const run = await startRun(false);
    run.child.kill('SIGKILL');
    await exited(run.child);
    const left = await leftoversOf(run.runId, run.pids);
    for (const what of [`namespace fl-${run.runId}-n1`, `namespace fl-${run.runId}-br`, `link fl-${run.runId}-h`, `file /tmp/fl-${run.runId}`, 'process']) {
      assert.ok(left.some((l) => l.startsWith(what)), `a killed run should leave ${what}; found ${left.join(' | ')}`);
    }
    assert.ok(existsSync(path.join(ledgerDir(), `${run.runId}.json`)));

    let out: string;
    try {
      out = await faultlineClean();
    } finally {
      await clean({}, () => {}); // if the CLI itself broke, still leave nothing behind
    }
    assert.match(out, new RegExp(`removed namespace fl-${run.runId}-n1`));
    assert.match(out, new RegExp(`killed pid ${run.pids[0].pid} `));
    await waitFor(`run ${run.runId} to be gone`, 5000, async () => (await leftoversOf(run.runId, run.pids)).length === 0);
    assert.deepEqual(await leftoversOf(run.runId, run.pids), []);
  });

  it('a run stopped with SIGTERM cleans up after itself', async () => {
    const run = await startRun(true);
    run.child.kill('SIGTERM');
    assert.equal(await exited(run.child), 143);
    assert.deepEqual(await leftoversOf(run.runId, run.pids), []);
  });

  it('leaves runs whose owner is alive alone', async () => {
    const cleanup = new Cleanup();
    try {
      const rt = await netns.create({ hosts: ['n1'], logDir: LOG_DIR, cleanup, log: () => {} });
      const out = await faultlineClean();
      assert.match(out, new RegExp(`run ${rt.runId} is still running \\(pid ${process.pid}\\), left alone`));
      const left = await leftoversOf(rt.runId);
      assert.ok(left.includes(`namespace fl-${rt.runId}-n1`), left.join(' | '));
    } finally {
      assert.deepEqual(await cleanup.runAll(), []);
    }
  });
});

describe('faultline clean finds what escaped the ledger @integration', function () {
  this.timeout(90_000);

  it("kills a daemonized uWSGI of a SIGKILLed run (a new session, pids the ledger never listed) by the run's tag", async () => {
    // a faultline-like process: the local runtime (no namespace would take the daemon down with it)
    // and the real uwsgi-nginx stack with daemonize=true, then it waits to be killed
    const code = `
      import local from '${ROOT}/harness/runtime/local/index.ts';
      import target from '${ROOT}/targets/uwsgi-nginx/index.ts';
      import { Cleanup } from '${ROOT}/harness/cleanup.ts';
      const cleanup = new Cleanup();
      const rt = await local.create({ hosts: target.hostNames(1, {}), logDir: '${LOG_DIR}', cleanup, log: () => {} });
      const stack = await target.start({ runtime: rt, hosts: rt.hosts, options: { daemonize: 'true', processes: '2' }, cleanup, log: () => {}, startTimeoutMs: 30000 });
      console.log(JSON.stringify({ runId: rt.runId, workers: await stack.workerPids() }));
      setTimeout(() => {}, 60000);
    `;
    mkdirSync(LOG_DIR, { recursive: true });
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    let run: { runId: string; workers: number[] } | undefined;
    try {
      run = JSON.parse(await waitFor('the child run to start its daemonized uWSGI', 60_000, () => (out.includes('\n') ? out.split('\n')[0] : undefined))) as { runId: string; workers: number[] };
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
    const { runId, workers } = run;
    const master = Number(readFileSync(`/proc/${workers[0]}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    const daemon = [master, ...workers];
    const ledger = Ledger.list().find((l) => l.data.runId === runId);
    try {
      assert.ok(ledger, 'the killed run left its ledger');
      for (const pid of daemon) assert.ok(!ledger.data.processes.some((p) => p.pid === pid), `pid ${pid} of the daemon is not in the ledger`);
      assert.deepEqual(processesTagged(runId).filter((p) => daemon.includes(p)).sort(), [...daemon].sort(), 'master and workers carry the run tag');
      const cleaned = await faultlineClean();
      for (const pid of daemon) assert.match(cleaned, new RegExp(`killed pid ${pid} \\(tagged FAULTLINE_RUN=${runId}\\)`));
      await waitFor('the daemonized uWSGI to be gone', 5000, () => processesTagged(runId).length === 0);
    } finally {
      for (const pid of processesTagged(runId)) process.kill(pid, 'SIGKILL');
      await clean({}, () => {});
    }
  });
});

describe('faultline clean --all sweep @integration', function () {
  this.timeout(30_000);

  before(async function () {
    if (await netns.unavailable()) this.skip();
  });

  it('removes prefixed namespaces with their processes, root links and commented root iptables rules', async () => {
    // a prefix of our own, so the sweep cannot touch other runs going on at the same time
    const prefix = `fl-t${Math.floor(Math.random() * 0xffff).toString(16).padStart(4, '0')}`;
    const { sweepPrefix } = await import('../harness/runtime/netns/clean.ts');
    const sh = (...args: string[]) => runCommand(args[0], args.slice(1), { timeoutMs: 10_000 }).then((r) => assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`));
    const lines: string[] = [];
    let sleeper: ChildProcess | undefined;
    try {
      await sh('ip', 'netns', 'add', `${prefix}-x`);
      sleeper = spawn('ip', ['netns', 'exec', `${prefix}-x`, 'sleep', '30'], { detached: true, stdio: 'ignore' });
      const pid = String(sleeper.pid);
      await waitFor('the sleeper to run inside', 5000, async () => (await runCommand('ip', ['netns', 'pids', `${prefix}-x`])).stdout.trim() === pid);
      await sh('ip', 'link', 'add', 'name', `${prefix}-d`, 'type', 'veth', 'peer', 'name', `${prefix}-e`);
      await sh('iptables', '-w', '5', '-A', 'INPUT', '-s', '10.77.255.253/32', '-j', 'ACCEPT', '-m', 'comment', '--comment', `${prefix} sweep test`);
      await sweepPrefix((l) => lines.push(l), prefix);
    } finally {
      await sweepPrefix(() => {}, prefix); // whatever an assertion below would leave behind
      if (sleeper) await exited(sleeper);
    }
    assert.ok(lines.some((l) => l.includes(`killed ${sleeper!.pid} in ${prefix}-x`)), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes(`removed link ${prefix}-d`)), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('removed iptables rule (filter)')), lines.join('\n'));
    assert.deepEqual(await leftoversOf(prefix.slice(3)), []);
    assert.doesNotMatch((await runCommand('iptables-save', [])).stdout, new RegExp(prefix));
    await assert.rejects(sweepPrefix(() => {}, 'docker'), /only fl- names/);
  });
});
