// The uwsgi-nginx target on the local runtime: it starts the real uWSGI and nginx from per-run configs,
// serves through nginx to a worker, survives the faults its fault kinds inject the way DESIGN.md says
// (worker respawned, master kill → 502 at once until restarted, frozen app host → 504 after the read
// timeout) and leaves no process and no listening port behind.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cleanup } from '../harness/cleanup.ts';
import { UsageError } from '../harness/errors.ts';
import local from '../harness/runtime/local/index.ts';
import type { Runtime } from '../harness/runtime/types.ts';
import target, { httpGet, UWSGI_PORT, type UwsgiCluster } from '../targets/uwsgi-nginx/index.ts';
import { nginxConf, nginxLayout, uwsgiArgs, appLayout } from '../targets/uwsgi-nginx/config.ts';
import { parseTargetOptions } from '../targets/uwsgi-nginx/options.ts';

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
const listening = (port: number) => new Promise<boolean>((resolve) => {
  const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
  s.on('error', () => resolve(false));
});
const children = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

describe('uwsgi-nginx options and config', () => {
  it('parses kebab-case CLI strings, later keys winning, and rejects bad values with a usage error', () => {
    const o = parseTargetOptions({ maxRequests: 10, 'max-requests': '30', harakiri: '3', 'harakiri-verbose': 'false', uwsgiParams: 'A=1;B=two' });
    assert.equal(o.maxRequests, 30);
    assert.equal(o.harakiri, 3);
    assert.equal(o.harakiriVerbose, false);
    assert.deepEqual(o.uwsgiParams, { A: '1', B: 'two' });
    assert.throws(() => parseTargetOptions({ harakiri: 'abc' }), (e: unknown) => e instanceof UsageError && /harakiri/.test(e.message));
    assert.throws(() => parseTargetOptions({ socket: 'udp' }), UsageError);
  });

  it('keeps nginx off system paths and passes every seed option to uWSGI', () => {
    const o = parseTargetOptions({ harakiri: 2, maxRequests: 5, minWorkerLifetime: 1, bufferSize: 8192, socketTimeout: 3, autoProcname: true, readTimeout: 2.5 });
    const conf = nginxConf(o, nginxLayout('/run/x', '127.0.0.1:8080', '127.0.0.1:3031'));
    for (const d of ['daemon off;', 'master_process on;', 'pid /run/x/nginx.pid;', 'uwsgi_read_timeout 2500ms;', 'uwsgi_pass 127.0.0.1:3031;']) assert.ok(conf.includes(d), d);
    for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) assert.ok(conf.includes(`${t}_temp_path /run/x/temp/${t};`), t);
    const args = uwsgiArgs(o, appLayout('/run/a', '127.0.0.1:3031'), 'ab12').join(' ');
    for (const a of ['--harakiri 2', '--harakiri-verbose', '--max-requests 5', '--min-worker-lifetime 1', '--buffer-size 8192', '--socket-timeout 3', '--auto-procname', '--die-on-term', '--log-date=', '--procname-prefix-spaced fl-ab12']) assert.ok(args.includes(a), a);
    assert.ok(!args.includes('--logdate'));
  });
});

describe('uwsgi-nginx target @integration', function () {
  this.timeout(60_000);
  let cleanup: Cleanup;
  let logDir: string;
  let runtime: Runtime;

  beforeEach(async () => {
    cleanup = new Cleanup();
    logDir = mkdtempSync(path.join(tmpdir(), 'fl-uwsgi-test-'));
    runtime = await local.create({ hosts: ['nginx', 'app'], logDir, cleanup, log: () => {} });
  });
  afterEach(async () => {
    await cleanup.runAll();
    rmSync(logDir, { recursive: true, force: true });
  });

  /** What nginx said about its upstream, for a failed assertion on a status. */
  const nginxErrors = () => {
    const file = path.join(runtime.host('nginx').dir, 'logs', 'error.log');
    return existsSync(file) ? `nginx error.log ends:\n${readFileSync(file, 'utf8').split('\n').filter((l) => / \[error\] /.test(l)).slice(-6).join('\n')}` : `no ${file}`;
  };
  const start = (options: Record<string, unknown>) =>
    target.start({ runtime, hosts: runtime.hosts, options, cleanup, log: () => {}, startTimeoutMs: 20_000 });

  it('serves through nginx to a named worker and leaves nothing behind', async () => {
    const stack = await start({ processes: 3 });
    assert.ok(stack.metrics.startMs > 0 && stack.metrics.startMs < 15_000, `start took ${stack.metrics.startMs} ms`);
    const res = await httpGet(stack.endpoint, '/sleep?ms=1', 5000);
    assert.equal(res.status, 200);
    const workers = await stack.workerPids();
    assert.equal(workers.length, 3);
    assert.ok(workers.includes(Number(res.headers['x-worker-pid'])));
    const master = Number(readFileSync(path.join(runtime.host('app').dir, 'uwsgi.pid'), 'utf8'));
    assert.match(readFileSync(`/proc/${master}/cmdline`, 'utf8'), new RegExp(`fl-${runtime.runId}`));
    const nginxMaster = Number(readFileSync(path.join(runtime.host('nginx').dir, 'nginx.pid'), 'utf8'));
    const all = [master, ...workers, nginxMaster, ...children(nginxMaster)];
    await cleanup.runAll();
    assert.deepEqual(all.filter(alive), [], 'processes left behind');
    assert.equal(await listening(stack.endpoint.port), false, 'nginx port still open');
  });

  it('respawns a killed worker, answers 502 at once after a master kill until restarted, 504 while the app host is frozen', async () => {
    const stack: UwsgiCluster = await start({ processes: 2, readTimeout: 1 });
    const victim = await stack.killWorker(0);
    const t0 = Date.now();
    let workers: number[] = [];
    while (Date.now() - t0 < 5000 && !(workers.length === 2 && !workers.includes(victim))) workers = await stack.workerPids();
    assert.equal(workers.length, 2, 'the master respawned the killed worker');
    assert.ok(!workers.includes(victim));

    await stack.kill!('app');
    const t1 = performance.now();
    // a dying worker may still answer a request in the first few ms; then nginx answers 502
    while ((await httpGet(stack.endpoint, '/health', 5000)).status !== 502) assert.ok(performance.now() - t1 < 2000, 'no 502 within 2 s of the master kill');
    const t2 = performance.now();
    assert.equal((await httpGet(stack.endpoint, '/health', 5000)).status, 502);
    assert.ok(performance.now() - t2 < 500, 'connection refused upstream is answered at once');
    await stack.restart!('app');
    assert.equal((await httpGet(stack.endpoint, '/health', 5000)).status, 200, nginxErrors());

    await stack.pause!('app');
    const t3 = performance.now();
    const frozen = await httpGet(stack.endpoint, '/health', 5000);
    const waited = performance.now() - t3;
    await stack.resume!('app');
    assert.equal(frozen.status, 504);
    assert.ok(waited >= 950 && waited < 3000, `504 after ${waited} ms`);
    assert.equal((await httpGet(stack.endpoint, '/health', 5000)).status, 200, nginxErrors());
  });

  it('fails start-up with a clear error quoting uWSGI when its port is taken', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(runtime.host('app').port(UWSGI_PORT), '127.0.0.1', resolve));
    try {
      await assert.rejects(start({ processes: 1 }), /uWSGI exited during start-up; its log ends:[\s\S]*Address already in use/);
    } finally {
      squatter.close();
    }
  });
});
