// uwsgi-lite as a faultline target: the real nginx with the very config the uwsgi-nginx target
// generates, in front of our TypeScript prefork server (server/main.ts) instead of uWSGI, on the same
// two hosts (`nginx`, `app`) with the same options and the same UwsgiCluster capabilities (worker
// pids from the master's pidfile and /proc children, worker kill/stop, master kill + restart, pause),
// so every uwsgi-* scenario and fault runs on it unchanged: the stack itself is ../uwsgi-nginx/stack.ts,
// this file only says how our server is launched. `--target uwsgi-lite:bug=NAME` switches
// a bug on; see BUGS.md.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../harness/errors.ts';
import { flag, namesFrom, parseOptions } from '../../harness/options.ts';
import { harnessNodeRequirement } from '../../harness/runtime/requirements.ts';
import type { Target, TargetContext } from '../../harness/target.ts';
import { uwsgiFaults } from '../uwsgi-nginx/faults.ts';
import { STACK_REQUIREMENTS, type AppLayout } from '../uwsgi-nginx/config.ts';
import { pickKnown, UwsgiNginxOptions } from '../uwsgi-nginx/options.ts';
import { startStack, type AppServer, type UwsgiCluster } from '../uwsgi-nginx/stack.ts';
import { KNOWN_BUGS, type Bug } from './server/options.ts';

const SERVER_MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server', 'main.ts');
/** tsx's loader by absolute URL, so the server resolves it whatever its working directory. */
const TSX = import.meta.resolve('tsx');
/** uWSGI's own default min-worker-lifetime (s), used when the scenario does not set one. */
const DEFAULT_MIN_WORKER_LIFETIME = 10;

/** The uwsgi-nginx options (the same stack), bug=a,b or bare bug names (`uwsgi-lite:recycle-cuts`),
 *  less what our server cannot honour, refused instead of silently ignored. */
export const UwsgiLiteOptions = UwsgiNginxOptions.extend({
  bug: namesFrom(KNOWN_BUGS, 'bug').default([]),
  ...Object.fromEntries(KNOWN_BUGS.map((b) => [b, flag.optional()])),
}).superRefine((o, ctx) => {
  const refuse = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (o.socket !== 'tcp') refuse('socket', 'uwsgi-lite listens on TCP only (socket=tcp)');
  if (o.protocol !== 'uwsgi') refuse('protocol', 'uwsgi-lite speaks the uwsgi protocol only (protocol=uwsgi)');
  if (!o.master) refuse('master', 'uwsgi-lite always runs a master (master=true)');
  if (o.daemonize) refuse('daemonize', 'uwsgi-lite does not daemonize');
});

type LiteOptions = UwsgiNginxOptions & { bugs: Bug[] };

/** The parsed options with the bugs to switch on gathered from `bug=` and the bare names. */
export function liteOptions(o: Record<string, unknown>): LiteOptions {
  const parsed = parseOptions(UwsgiLiteOptions, pickKnown(UwsgiLiteOptions, o), 'uwsgi-lite') as UwsgiNginxOptions & { bug: Bug[] } & Record<string, unknown>;
  const bugs = new Set<Bug>(parsed.bug);
  for (const b of KNOWN_BUGS) if (parsed[b] === true) bugs.add(b);
  return { ...parsed, bugs: [...bugs].sort() };
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

/** Our server (a node process) as the stack's app server; the app folder only has to exist. */
function liteServer(options: UwsgiNginxOptions, bugs: readonly Bug[]): AppServer {
  return {
    target: 'uwsgi-lite',
    label: 'uwsgi-lite',
    // the master measures requests on performance.now (CLOCK_MONOTONIC); the harakiri-wall-clock
    // bug breaks that claim without changing it, which is what harakiri-clock must catch
    wallClockReads: [],
    process: (app) => ({ name: 'uwsgi-lite', command: process.execPath, args: liteArgs(options, app, bugs), cwd: app.dir }),
    async prepare(host, app) {
      await host.exec('mkdir', ['-p', app.appDir], { timeoutMs: 10_000 });
    },
  };
}

const target: Target<UwsgiCluster> = {
  name: 'uwsgi-lite',
  description: 'our prefork uwsgi-protocol server in TypeScript (master + forked workers, the same test app) behind real nginx (uwsgi_pass), on hosts nginx and app; bug=NAME switches a bug on',
  nodes: [2],
  options: UwsgiLiteOptions,
  hostNames: () => ['nginx', 'app'],
  requirements: (host) => (host === 'app' ? [harnessNodeRequirement(SERVER_MAIN)] : STACK_REQUIREMENTS.nginx),
  faultKinds: uwsgiFaults,
  async start(ctx: TargetContext): Promise<UwsgiCluster> {
    const options = liteOptions(ctx.options);
    const bugs = options.bugs;
    if (ctx.runtime.kind === 'docker') throw new UsageError('uwsgi-lite runs on the netns and local runtimes (its server is a node process; the docker images carry no node)');
    const t0 = performance.now();
    const stack = await startStack(ctx, options, liteServer(options, bugs), t0);
    const bugText = bugs.length ? `, bugs: ${bugs.join(', ')}` : '';
    ctx.log(`uwsgi-lite: serving at ${stack.endpoint.host}:${stack.endpoint.port} after ${stack.metrics.startMs} ms (${options.processes} workers, harakiri ${options.harakiri || 'off'}, max-requests ${options.maxRequests || 'off'}${bugText})`);
    return stack;
  },
};

export default target;
