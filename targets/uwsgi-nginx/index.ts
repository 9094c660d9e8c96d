// The real uWSGI (master + prefork workers) behind the real nginx (`uwsgi_pass`), on two hosts —
// `nginx` and `app` — so the nemesis can cut the link between them, kill or stop single workers, kill
// and restart the master, or freeze the whole app host. Configs are generated per run in the hosts'
// folders (never the system's); start-up waits until a request travels nginx → uWSGI → a worker.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../harness/errors.ts';
import type { Target, TargetContext } from '../../harness/target.ts';
import { uwsgiFaults } from './faults.ts';
import { STACK_REQUIREMENTS, uwsgiArgs } from './config.ts';
import { parseTargetOptions, UwsgiNginxOptions } from './options.ts';
import { startStack, writeHostFile, type AppServer, type UwsgiCluster } from './stack.ts';

export { httpGet, NGINX_PORT, UWSGI_PORT, type Endpoint, type UwsgiCluster } from './stack.ts';

const APP_SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'app', 'app.py');

/** uWSGI itself as the stack's app server, serving the python test app copied into the app folder. */
function uwsgiServer(ctx: TargetContext, options: UwsgiNginxOptions): AppServer {
  return {
    target: 'uwsgi-nginx',
    label: 'uWSGI',
    // measured (docs/CLOCKS.md): with the default clock source 'unix' the master's harakiri check
    // compares wall-clock seconds; the clock_monotonic plugin makes it read CLOCK_MONOTONIC
    wallClockReads: options.clock === 'unix' ? ['harakiri deadlines (uWSGI clock source unix)'] : [],
    process: (app) => ({ name: 'uwsgi', command: 'uwsgi', args: uwsgiArgs(options, app, ctx.runtime.runId), cwd: app.dir }),
    prepare: (host, app) => writeHostFile(host, path.join(app.appDir, 'app.py'), readFileSync(APP_SOURCE, 'utf8')),
  };
}

const target: Target<UwsgiCluster> = {
  name: 'uwsgi-nginx',
  description: 'real uWSGI 2.0 (master + prefork workers, python3 test app) behind real nginx (uwsgi_pass), on hosts nginx and app',
  nodes: [2],
  options: UwsgiNginxOptions,
  hostNames: () => ['nginx', 'app'],
  requirements: (host) => STACK_REQUIREMENTS[host as 'nginx' | 'app'] ?? [],
  faultKinds: uwsgiFaults,
  async start(ctx: TargetContext): Promise<UwsgiCluster> {
    const options = parseTargetOptions(ctx.options);
    const t0 = performance.now();
    if (options.socket === 'unix' && ctx.runtime.kind === 'docker') throw new UsageError('socket=unix needs nginx and uWSGI to share a file system; the docker runtime keeps them apart');
    const stack = await startStack(ctx, options, uwsgiServer(ctx, options), t0);
    ctx.log(`uwsgi-nginx: serving at ${stack.endpoint.host}:${stack.endpoint.port} after ${stack.metrics.startMs} ms (uWSGI ${options.processes} workers, harakiri ${options.harakiri || 'off'}, max-requests ${options.maxRequests || 'off'})`);
    return stack;
  },
};

export default target;
