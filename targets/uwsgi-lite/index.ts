// uwsgi-lite as a faultline target: the real nginx with the very config the uwsgi-nginx target
// generates, in front of our TypeScript prefork server (server/main.ts) instead of uWSGI, on the same
// two hosts (`nginx`, `app`) with the same options and the same UwsgiCluster capabilities (worker
// pids from the master's pidfile and /proc children, worker kill/stop, master kill + restart, pause),
// so every uwsgi-* scenario and fault runs on it unchanged. `--target uwsgi-lite:bug=NAME` switches
// a bug on; see BUGS.md.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError, UsageError } from '../../harness/errors.ts';
import { waitFor } from '../../harness/runtime/process.ts';
import type { Host, HostProcess } from '../../harness/runtime/types.ts';
import type { Target, TargetContext } from '../../harness/target.ts';
import { appLayout, nginxConf, nginxLayout, type AppLayout, type NginxLayout } from '../uwsgi-nginx/config.ts';
import { httpGet, NGINX_PORT, UWSGI_PORT, type Endpoint, type UwsgiCluster } from '../uwsgi-nginx/index.ts';
import { parseTargetOptions, type UwsgiNginxOptions } from '../uwsgi-nginx/options.ts';
import { KNOWN_BUGS, type Bug } from './server/options.ts';

const SERVER_MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server', 'main.ts');
/** tsx's loader by absolute URL, so the server resolves it whatever its working directory. */
const TSX = import.meta.resolve('tsx');
/** uWSGI's own default min-worker-lifetime (s), used when the scenario does not set one. */
const DEFAULT_MIN_WORKER_LIFETIME = 10;

/** `bug=a,b` or bare bug names (`uwsgi-lite:recycle-cuts`) → the bugs to switch on. */
export function liteBugs(o: Record<string, unknown>): Bug[] {
  const bugs = new Set(String(o.bug ?? '').split(',').map((b) => b.trim()).filter(Boolean));
  for (const key of Object.keys(o)) if ((KNOWN_BUGS as readonly string[]).includes(key) && String(o[key]) === 'true') bugs.add(key);
  for (const b of bugs) if (!(KNOWN_BUGS as readonly string[]).includes(b)) throw new UsageError(`uwsgi-lite has no bug '${b}' (known: ${KNOWN_BUGS.join(', ')})`);
  return [...bugs].sort() as Bug[];
}

/** The uwsgi-nginx options uwsgi-lite cannot honour, refused instead of silently ignored. */
function refuseUnsupported(o: UwsgiNginxOptions): void {
  if (o.socket !== 'tcp') throw new UsageError('uwsgi-lite listens on TCP only (socket=tcp)');
  if (o.protocol !== 'uwsgi') throw new UsageError('uwsgi-lite speaks the uwsgi protocol only (protocol=uwsgi)');
  if (!o.master) throw new UsageError('uwsgi-lite always runs a master (master=true)');
  if (o.daemonize) throw new UsageError('uwsgi-lite does not daemonize');
}

/** The server's command line for the layout, as uWSGI's would be. */
export function liteArgs(o: UwsgiNginxOptions, app: AppLayout, bugs: readonly Bug[]): string[] {
  const args = [
    '--import', TSX, SERVER_MAIN, '--socket', app.listen, '--processes', String(o.processes),
    '--harakiri', String(o.harakiri), '--max-requests', String(o.maxRequests),
    '--min-worker-lifetime', String(o.minWorkerLifetime ?? DEFAULT_MIN_WORKER_LIFETIME),
    '--buffer-size', String(o.bufferSize), '--socket-timeout', String(o.socketTimeout),
    '--effects-file', app.effectsFile, '--journal-file', app.journalFile, '--pidfile', app.pidFile,
  ];
  if (o.effectTwice) args.push('--effect-twice');
  for (const b of bugs) args.push('--bug', b);
  return args;
}

function logTail(file: string, lines = 8): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(log not readable)';
  }
}

async function writeHostFile(host: Host, file: string, text: string): Promise<void> {
  const r = await host.exec('sh', ['-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', file], { input: text, timeoutMs: 10_000 });
  if (r.code !== 0) throw new HarnessError(`cannot write ${file} on ${host.name}: ${r.stderr.trim()}`);
}

class LiteStack implements UwsgiCluster {
  readonly target = 'uwsgi-lite';
  readonly nodes = ['nginx', 'app'] as const;
  readonly metrics: Record<string, number> = {};
  private server: HostProcess | undefined;
  private nginx: HostProcess | undefined;
  private readonly paused = new Map<string, number[]>();
  private readonly stoppedWorkers = new Set<number>();
  /** Workers of a killed master, not yet seen gone. */
  private orphans: number[] = [];

  constructor(
    readonly options: UwsgiNginxOptions, readonly bugs: readonly Bug[], private readonly ctx: TargetContext, private readonly appHost: Host,
    private readonly nginxHost: Host, private readonly app: AppLayout, private readonly web: NginxLayout, readonly endpoint: Endpoint,
  ) {}

  private async signal(host: Host, pids: number[], sig: string): Promise<void> {
    if (pids.length) await host.exec('kill', ['-s', sig, ...pids.map(String)], { timeoutMs: 10_000 });
  }

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

  /** The master's children are its workers (as with uWSGI's master). */
  async workerPids(): Promise<number[]> {
    const master = await this.masterPid();
    return master === undefined ? [] : this.childrenOf(this.appHost, master);
  }

  private async pickWorker(pick: number): Promise<number> {
    const pids = (await this.workerPids()).sort((a, b) => a - b);
    if (!pids.length) throw new HarnessError('uwsgi-lite has no workers to pick from (is the master down?)');
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

  /** Starts the server (again) and waits until its pidfile names a new master with all its workers. */
  async startApp(): Promise<void> {
    const before = await this.masterPid();
    const proc = await this.appHost.spawn({ name: 'uwsgi-lite', command: process.execPath, args: liteArgs(this.options, this.app, this.bugs), cwd: this.app.dir });
    this.server = proc;
    this.ctx.cleanup.add(`uwsgi-lite on ${this.appHost.name}`, () => this.stopApp());
    const outcome = await waitFor(`uwsgi-lite master on ${this.appHost.name} to write ${this.app.pidFile} and fork ${this.options.processes} workers`, this.ctx.startTimeoutMs, async () => {
      if (!proc.alive) return 'exited';
      const master = await this.masterPid();
      if (master === undefined || master === before) return false;
      return (await this.workerPids()).length >= this.options.processes && 'ready';
    }, 50);
    if (outcome === 'exited') throw new HarnessError(`uwsgi-lite exited during start-up; its log ends:\n${logTail(proc.logFile)}`);
  }

  private async stopApp(): Promise<void> {
    await this.signal(this.appHost, [...this.stoppedWorkers, ...(this.paused.get('app') ?? [])], 'CONT');
    this.stoppedWorkers.clear();
    this.paused.delete('app');
    const master = await this.masterPid();
    const workers = [...this.orphans.splice(0), ...(master === undefined ? [] : await this.childrenOf(this.appHost, master))];
    await this.server?.stop(5000);
    await this.waitGone(workers, 5000);
  }

  /** Waits until none of `pids` exists on the app host; SIGKILLs the rest when the deadline passes. */
  private async waitGone(pids: number[], deadlineMs: number): Promise<void> {
    if (!pids.length) return;
    const alive = async () => {
      const r = await this.appHost.exec('sh', ['-c', 'for p; do [ -e /proc/$p ] && ! grep -q "^State:.*Z" /proc/$p/status && echo $p; done; true', 'sh', ...pids.map(String)], { timeoutMs: 10_000 });
      return r.stdout.trim().split(/\s+/).filter(Boolean).map(Number);
    };
    try {
      await waitFor(`uwsgi-lite processes ${pids.join(', ')} to exit`, deadlineMs, async () => (await alive()).length === 0, 100);
    } catch {
      await this.signal(this.appHost, await alive(), 'KILL');
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

  /** Waits until a request goes through nginx to a worker and back (a 200 naming the worker pid). */
  async waitServing(what: string, deadlineMs: number): Promise<void> {
    await waitFor(`${what}: GET /health through nginx at ${this.endpoint.host}:${this.endpoint.port} answered 200 by a uwsgi-lite worker`, deadlineMs, async () => {
      if (this.nginx && !this.nginx.alive) throw new HarnessError(`nginx exited; its log ends:\n${logTail(this.nginx.logFile)}`);
      const res = await httpGet(this.endpoint, '/health', 2000);
      if (res.status !== 200 || !res.headers['x-worker-pid']) throw new Error(`answered ${res.status}`);
      return true;
    }, 50);
  }

  private nodeHost(node: string): Host {
    if (node === 'app') return this.appHost;
    if (node === 'nginx') return this.nginxHost;
    throw new UsageError(`uwsgi-lite has nodes 'app' and 'nginx', not '${node}'`);
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
    // only the master: its workers see the IPC channel close and exit by themselves
    await this.signal(this.appHost, pids.slice(0, 1), 'KILL');
    this.orphans.push(...pids.slice(1));
  }

  async restart(node: string): Promise<void> {
    const t0 = performance.now();
    if (node === 'app') {
      await this.waitGone(this.orphans.splice(0), 5000);
      await this.startApp();
    } else await this.startNginx();
    await this.waitServing(`${node} restarted`, this.ctx.startTimeoutMs);
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

const target: Target<UwsgiCluster> = {
  name: 'uwsgi-lite',
  description: 'our prefork uwsgi-protocol server in TypeScript (master + forked workers, the same test app) behind real nginx (uwsgi_pass), on hosts nginx and app; bug=NAME switches a bug on',
  hostNames: () => ['nginx', 'app'],
  async start(ctx: TargetContext): Promise<UwsgiCluster> {
    const options = parseTargetOptions(ctx.options);
    const bugs = liteBugs(ctx.options);
    refuseUnsupported(options);
    if (ctx.runtime.kind === 'docker') throw new UsageError('uwsgi-lite runs on the netns and local runtimes (its server is a node process; the docker images carry no node)');
    const t0 = performance.now();
    const appHost = ctx.runtime.host('app');
    const nginxHost = ctx.runtime.host('nginx');
    const app = appLayout(appHost.dir, `${appHost.address}:${appHost.port(UWSGI_PORT)}`);
    const peer = await appHost.peerEndpoint(nginxHost, UWSGI_PORT);
    const web = nginxLayout(nginxHost.dir, `${nginxHost.address}:${nginxHost.port(NGINX_PORT)}`, `${peer.host}:${peer.port}`);
    const stack = new LiteStack(options, bugs, ctx, appHost, nginxHost, app, web, await nginxHost.endpoint(NGINX_PORT));
    await appHost.exec('mkdir', ['-p', app.appDir], { timeoutMs: 10_000 });
    await writeHostFile(nginxHost, web.conf, nginxConf(options, web));
    const dirs = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((d) => path.join(web.tempDir, d));
    await nginxHost.exec('mkdir', ['-p', web.logDir, ...dirs], { timeoutMs: 10_000 });
    await stack.startApp();
    stack.metrics.uwsgiStartMs = Math.round(performance.now() - t0);
    await stack.startNginx();
    await stack.waitServing('start-up', ctx.startTimeoutMs);
    stack.metrics.startMs = Math.round(performance.now() - t0);
    const bugText = bugs.length ? `, bugs: ${bugs.join(', ')}` : '';
    ctx.log(`uwsgi-lite: serving at ${stack.endpoint.host}:${stack.endpoint.port} after ${stack.metrics.startMs} ms (${options.processes} workers, harakiri ${options.harakiri || 'off'}, max-requests ${options.maxRequests || 'off'}${bugText})`);
    return stack;
  },
};

export default target;
