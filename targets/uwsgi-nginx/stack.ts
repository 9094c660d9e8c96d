// The nginx + app-server stack that both uwsgi-nginx (real uWSGI) and uwsgi-lite (our prefork server)
// run: everything about the two hosts — layout, nginx's config and process, the app server's pidfile,
// its workers as /proc children, worker kill/stop, master kill + restart, pause, readiness through
// nginx, clean-up — lives here once. A target says only how its app server is launched (`AppServer`)
// and what it prepares in the app folder, so a fix to fault handling reaches both targets alike.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { HarnessError, UsageError } from '../../harness/errors.ts';
import { waitFor } from '../../harness/runtime/process.ts';
import type { Host, HostProcess, ProcessSpec } from '../../harness/runtime/types.ts';
import type { Endpoint, HttpEndpoint, TargetContext, WorkerControl } from '../../harness/target.ts';
import { appLayout, nginxConf, nginxLayout, type AppLayout, type NginxLayout } from './config.ts';
import type { UwsgiNginxOptions } from './options.ts';

/** Conventional ports: nginx listens on 80 of its host, uWSGI on 3031 of the app host. */
export const NGINX_PORT = 80;
export const UWSGI_PORT = 3031;

export type { Endpoint } from '../../harness/target.ts';

/** A started stack. Node names: 'app' = the uWSGI master (and its workers), 'nginx'; the harness's
 *  HTTP clients connect to nginx at `endpoint`. */
export interface UwsgiCluster extends HttpEndpoint, WorkerControl {
  readonly options: UwsgiNginxOptions;
}

/** What differs between the targets: their names and how the app server's process is started. */
export interface AppServer {
  /** The target's name, e.g. 'uwsgi-nginx'. */
  readonly target: string;
  /** How messages name the app server, e.g. 'uWSGI'. */
  readonly label: string;
  /** The app server's process for the app host's layout (a master that writes `app.pidFile`). */
  process(app: AppLayout): ProcessSpec;
  /** Readies the app folder on the app host before the server starts. */
  prepare(host: Host, app: AppLayout): Promise<void>;
  /** What the app server decides by the wall clock (docs/CLOCKS.md); nginx reads none. */
  readonly wallClockReads: readonly string[];
}

/** Writes a file on a host through the host itself, so it works wherever the host's folder lives. */
export async function writeHostFile(host: Host, file: string, text: string): Promise<void> {
  try {
    await host.writeFile(file, text);
  } catch (err) {
    throw new HarnessError(`cannot write ${file} on ${host.name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** One HTTP GET with its own deadline; used for readiness only. */
export function httpGet(ep: Endpoint, urlPath: string, timeoutMs: number): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: ep.host, port: ep.port, path: urlPath, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

function logTail(file: string, lines = 8): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(log not readable)';
  }
}

/** The two hosts and their per-run folders, addresses and nginx's upstream. */
interface StackLayout { appHost: Host; nginxHost: Host; app: AppLayout; web: NginxLayout; endpoint: Endpoint }

async function layOut(ctx: TargetContext, options: UwsgiNginxOptions): Promise<StackLayout> {
  const appHost = ctx.runtime.host('app');
  const nginxHost = ctx.runtime.host('nginx');
  const sock = path.join(appHost.dir, 'uwsgi.sock');
  const app = appLayout(appHost.dir, options.socket === 'unix' ? sock : `${appHost.address}:${appHost.port(UWSGI_PORT)}`);
  const peer = await appHost.peerEndpoint(nginxHost, UWSGI_PORT);
  const upstream = options.socket === 'unix' ? `unix:${sock}` : `${peer.host}:${peer.port}`;
  const web = nginxLayout(nginxHost.dir, `${nginxHost.address}:${nginxHost.port(NGINX_PORT)}`, upstream);
  return { appHost, nginxHost, app, web, endpoint: await nginxHost.endpoint(NGINX_PORT) };
}

/** Lays the stack out, prepares both hosts, starts the app server then nginx, and waits until a
 *  request goes through; `t0` is when the target's start began (for the start-up metrics). */
export async function startStack(ctx: TargetContext, options: UwsgiNginxOptions, server: AppServer, t0: number): Promise<NginxAppStack> {
  const layout = await layOut(ctx, options);
  const stack = new NginxAppStack(server, options, ctx, layout);
  await server.prepare(layout.appHost, layout.app);
  await writeHostFile(layout.nginxHost, layout.web.conf, nginxConf(options, layout.web));
  const dirs = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((d) => path.join(layout.web.tempDir, d));
  await layout.nginxHost.exec('mkdir', ['-p', layout.web.logDir, ...dirs], { timeoutMs: 10_000 });
  await stack.startApp();
  stack.metrics.uwsgiStartMs = Math.round(performance.now() - t0);
  await stack.startNginx();
  await stack.waitServing('start-up', ctx.startTimeoutMs);
  stack.metrics.startMs = Math.round(performance.now() - t0);
  return stack;
}

export class NginxAppStack implements UwsgiCluster {
  readonly target: string;
  readonly nodes = ['nginx', 'app'] as const;
  readonly metrics: Record<string, number> = {};
  readonly endpoint: Endpoint;
  private readonly appHost: Host;
  private readonly nginxHost: Host;
  private readonly app: AppLayout;
  private readonly web: NginxLayout;
  private appServer: HostProcess | undefined;
  private nginx: HostProcess | undefined;
  /** Pids SIGSTOPped by pause(node), per node (each host sees its own pids). */
  private readonly paused = new Map<string, number[]>();
  private readonly stoppedWorkers = new Set<number>();
  /** Workers of a killed master, not yet seen gone. */
  private orphans: number[] = [];

  constructor(private readonly server: AppServer, readonly options: UwsgiNginxOptions, private readonly ctx: TargetContext, layout: StackLayout) {
    this.target = server.target;
    ({ appHost: this.appHost, nginxHost: this.nginxHost, app: this.app, web: this.web, endpoint: this.endpoint } = layout);
  }

  /** nginx's timers run on CLOCK_MONOTONIC; the app server says what it reads. */
  wallClockReads(node: string): readonly string[] {
    return node === 'app' ? this.server.wallClockReads : [];
  }

  private async signal(host: Host, pids: number[], sig: string): Promise<void> {
    if (pids.length) await host.exec('kill', ['-s', sig, ...pids.map(String)], { timeoutMs: 10_000 });
  }

  /** Pid (as seen on its host) from a pidfile, or undefined when absent. */
  private async pidFrom(host: Host, file: string): Promise<number | undefined> {
    const r = await host.exec('cat', [file], { timeoutMs: 10_000 });
    const pid = Number(r.stdout.trim());
    return r.code === 0 && Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  private async childrenOf(host: Host, pid: number): Promise<number[]> {
    const r = await host.exec('cat', [`/proc/${pid}/task/${pid}/children`], { timeoutMs: 10_000 });
    return r.code === 0 ? r.stdout.trim().split(/\s+/).filter(Boolean).map(Number) : [];
  }

  private masterPid(): Promise<number | undefined> {
    return this.pidFrom(this.appHost, this.app.pidFile);
  }

  /** The master's children are its workers; without a master (uWSGI master=false) the first
   *  process is worker 1 itself and forks the others. */
  async workerPids(): Promise<number[]> {
    const first = await this.masterPid();
    if (first === undefined) return [];
    const children = await this.childrenOf(this.appHost, first);
    return this.options.master ? children : [first, ...children];
  }

  private async pickWorker(pick: number): Promise<number> {
    const pids = (await this.workerPids()).sort((a, b) => a - b);
    if (!pids.length) throw new HarnessError(`${this.server.label} has no workers to pick from (is the master down?)`);
    return pids[Math.min(pids.length - 1, Math.floor(pick * pids.length))];
  }

  async killWorker(pick: number): Promise<number> {
    const pid = await this.pickWorker(pick);
    await this.signal(this.appHost, [pid], 'KILL');
    return pid;
  }

  async stopWorker(pick: number): Promise<number> {
    const pid = await this.pickWorker(pick);
    await this.signal(this.appHost, [pid], 'STOP');
    this.stoppedWorkers.add(pid);
    return pid;
  }

  async resumeWorker(pid: number): Promise<void> {
    this.stoppedWorkers.delete(pid);
    await this.signal(this.appHost, [pid], 'CONT');
  }

  /** Starts the app server (again) and waits until its pidfile names a new master with all its workers. */
  async startApp(): Promise<void> {
    const label = this.server.label;
    const before = await this.masterPid();
    const proc = await this.appHost.spawn(this.server.process(this.app));
    this.appServer = proc;
    this.ctx.cleanup.add(`${label} on ${this.appHost.name}`, () => this.stopApp());
    const outcome = await waitFor(`${label} master on ${this.appHost.name} to write ${this.app.pidFile} and fork ${this.options.processes} workers`, this.ctx.startTimeoutMs, async () => {
      if (!this.options.daemonize && !proc.alive) return 'exited';
      const master = await this.masterPid();
      if (master === undefined || master === before) return false;
      return (await this.workerPids()).length >= this.options.processes && 'ready';
    }, 50);
    if (outcome === 'exited') throw new HarnessError(`${label} exited during start-up; its log ends:\n${logTail(proc.logFile)}`);
  }

  private async stopApp(): Promise<void> {
    await this.signal(this.appHost, [...this.stoppedWorkers, ...(this.paused.get('app') ?? [])], 'CONT');
    this.stoppedWorkers.clear();
    this.paused.delete('app');
    const master = await this.masterPid();
    const workers = [...this.orphans.splice(0), ...(master === undefined ? [] : await this.childrenOf(this.appHost, master))];
    if (this.options.daemonize && master !== undefined) {
      await this.signal(this.appHost, [master], 'TERM');
      await this.waitGone([master, ...workers], 8000);
    }
    await this.appServer?.stop(5000);
    await this.waitGone(workers, 5000);
  }

  /** Waits until none of `pids` exists on the app host; SIGKILLs the rest when the deadline passes. */
  private async waitGone(pids: number[], deadlineMs: number): Promise<void> {
    if (!pids.length) return;
    const alive = async () => {
      const r = await this.appHost.exec('sh', ['-c', 'for p; do [ -e /proc/$p ] && ! grep -q "^State:.*Z" /proc/$p/status && echo $p; done; true', 'sh', ...pids.map(String)], { timeoutMs: 10_000 });
      return r.stdout.trim().split(/\s+/).filter(Boolean).map(Number);
    };
    const gone = async () => (await alive()).length === 0;
    try {
      await waitFor(`${this.server.label} processes ${pids.join(', ')} to exit`, deadlineMs, gone, 100);
    } catch {
      // and until they are gone: a worker still holding the socket as the next master starts would
      // take (and drop) connections meant for the new one
      await this.signal(this.appHost, await alive(), 'KILL');
      await waitFor(`${this.server.label} processes ${pids.join(', ')} to exit after SIGKILL`, 5000, gone, 50);
    }
  }

  async startNginx(): Promise<void> {
    const args = ['-c', this.web.conf, '-p', this.web.dir + '/'];
    const check = await this.nginxHost.exec('nginx', ['-t', ...args], { timeoutMs: 10_000 });
    if (check.code !== 0) throw new HarnessError(`nginx rejects the generated config ${this.web.conf}: ${check.stderr.trim()}`);
    this.nginx = await this.nginxHost.spawn({ name: 'nginx', command: 'nginx', args, cwd: this.web.dir });
    this.ctx.cleanup.add(`nginx on ${this.nginxHost.name}`, () => this.stopNginx());
  }

  private async stopNginx(): Promise<void> {
    await this.signal(this.nginxHost, this.paused.get('nginx') ?? [], 'CONT');
    this.paused.delete('nginx');
    await this.nginx?.stop(3000);
  }

  /** Waits until a request goes through nginx to a worker and back (a 200 naming the worker pid, not one
   *  of `notFrom`: after a restart, a worker of the killed master does not count). */
  async waitServing(what: string, deadlineMs: number, notFrom: readonly number[] = []): Promise<void> {
    await waitFor(`${what}: GET /health through nginx at ${this.endpoint.host}:${this.endpoint.port} answered 200 by a ${this.server.label} worker`, deadlineMs, async () => {
      if (this.nginx && !this.nginx.alive) throw new HarnessError(`nginx exited; its log ends:\n${logTail(this.nginx.logFile)}`);
      const res = await httpGet(this.endpoint, '/health', 2000);
      if (res.status !== 200 || !res.headers['x-worker-pid']) throw new Error(`answered ${res.status}`);
      if (notFrom.includes(Number(res.headers['x-worker-pid']))) throw new Error(`answered by ${String(res.headers['x-worker-pid'])}, a worker of the killed master`);
      return true;
    }, 50);
  }

  private nodeHost(node: string): Host {
    if (node === 'app') return this.appHost;
    if (node === 'nginx') return this.nginxHost;
    throw new UsageError(`${this.target} has nodes 'app' and 'nginx', not '${node}'`);
  }

  /** The node's processes as its host sees them: master first, then its children. */
  private async processes(node: string): Promise<number[]> {
    const host = this.nodeHost(node);
    const master = await this.pidFrom(host, node === 'app' ? this.app.pidFile : this.web.pidFile);
    return master === undefined ? [] : [master, ...(await this.childrenOf(host, master))];
  }

  async kill(node: string): Promise<void> {
    const pids = await this.processes(node);
    if (node === 'nginx') return this.signal(this.nginxHost, pids, 'KILL');
    // only the master: its workers notice and exit by themselves (DESIGN.md); restart waits for them
    await this.signal(this.appHost, pids.slice(0, 1), 'KILL');
    this.orphans.push(...pids.slice(1));
  }

  async restart(node: string): Promise<void> {
    const t0 = performance.now();
    let old: number[] = [];
    if (node === 'app') {
      old = this.orphans.splice(0);
      await this.waitGone(old, 5000); // the old workers still hold the socket
      await this.startApp();
    } else await this.startNginx();
    await this.waitServing(`${node} restarted`, this.ctx.startTimeoutMs, old);
    this.metrics[`${node}RestartMs`] = Math.round(performance.now() - t0);
  }

  async pause(node: string): Promise<void> {
    const pids = await this.processes(node);
    this.paused.set(node, [...(this.paused.get(node) ?? []), ...pids]);
    await this.signal(this.nodeHost(node), pids, 'STOP');
  }

  async resume(node: string): Promise<void> {
    const pids = this.paused.get(node) ?? [];
    this.paused.delete(node);
    await this.signal(this.nodeHost(node), pids, 'CONT');
  }

  async stop(): Promise<void> {
    await this.stopNginx();
    await this.stopApp();
  }
}
