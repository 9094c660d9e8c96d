// The HTTP request workload for the uwsgi-nginx stack: a seeded mix of fast requests, slow ones just
// inside the deadlines, ones past them, slow streams, large POST bodies, headers that overflow uWSGI's
// buffer-size, and POSTs with a counted side effect — sized from the harakiri and read timeout the scenario expects — sent through nginx with one
// connection per request and a client timeout well above every server deadline. Each completion
// records status, worker pid, request id, bytes and wall-clock times; a final phase reads the live
// worker pids and the app's side-effect counts so the delivery checker can count duplicates and losses.
import http from 'node:http';
import type { Client, Completion, GenContext, OpGenerator, OpSpec, Workload, WorkloadContext } from '../generator/types.ts';
import { defineWorkload } from '../generator/types.ts';
import { int, namesFrom, num, range as pair } from '../options.ts';
import { z } from 'zod';
import { eachWorkerOnce, onlyWorkers } from '../generator/combinators.ts';
import { isHttpEndpoint, isWorkerControl, withCapability, type Cluster, type Endpoint, type HttpEndpoint } from '../target.ts';
import { opt, REQUEST_KINDS, type RequestSpec, type ResponseMeta } from '../checker/http/requests.ts';
import { crashChecker } from '../checker/http/crash.ts';
import { deliveryChecker } from '../checker/http/delivery.ts';
import { harakiriChecker } from '../checker/http/harakiri.ts';
import { recyclingChecker } from '../checker/http/recycling.ts';
import { timeoutChecker } from '../checker/http/timeout.ts';
import type { Checker } from '../checker/result.ts';

type Kind = (typeof REQUEST_KINDS)[number];

/** nginx's default large_client_header_buffers size: a longer header line gets 400 from nginx. */
const NGINX_HEADER_LIMIT = 8192;

export interface HttpPlan {
  mix: Record<Kind, number>;
  /** uWSGI buffer-size the scenario expects (bigvars requests exceed it). */
  bufferSize: number;
  fastMs: [number, number];
  slowMs: [number, number];
  overMs: [number, number];
  stream: { chunks: number; gapMs: number };
  bodyKb: [number, number];
  clientTimeoutMs: number;
}

const n = (v: unknown, fallback: number) => (v === undefined || v === null || Number.isNaN(Number(v)) ? fallback : Number(v));
const range = (v: unknown, fallback: [number, number]): [number, number] => (Array.isArray(v) && v.length === 2 ? [Number(v[0]), Number(v[1])] : fallback);

/** Request sizes from the deadlines the scenario expects (ms): "slow" ends well inside the nearest
 *  deadline, "over" runs well past it, a stream stays under the read timeout between chunks. */
export function planFor(options: Record<string, unknown>): HttpPlan {
  const expect = (name: string, fallback: number) => n(opt(options, `expect${name[0].toUpperCase()}${name.slice(1)}`) ?? opt(options, name), fallback);
  const H = expect('harakiri', 0) * 1000;
  const T = expect('readTimeout', 60) * 1000;
  const connect = expect('connectTimeout', 60) * 1000;
  const limit = Math.min(H || Infinity, T);
  const slowMs = range(opt(options, 'slowMs'), Number.isFinite(limit) && limit < 30_000 ? [Math.round(limit * 0.4), Math.max(100, limit - 700)] : [300, 900]);
  // past harakiri the kill is certain only after H + ~2 s (the master checks once a second)
  const beyond = H && H <= T ? 3300 : 1200;
  const overMs = range(opt(options, 'overMs'), Number.isFinite(limit) && limit < 30_000 ? [limit + beyond, limit + beyond + 1300] : [1500, 2500]);
  const gapMs = n(opt(options, 'streamGapMs'), Math.max(50, Math.min(500, T - 800)));
  const streamTotal = Math.min(T < 30_000 ? T * 1.5 : 1500, H ? H - 700 : Infinity);
  const chunks = n(opt(options, 'streamChunks'), Math.max(2, Math.floor(streamTotal / gapMs)));
  const weights = (opt(options, 'mix') ?? {}) as Partial<Record<Kind, number>>;
  const mix = Object.fromEntries(REQUEST_KINDS.map((k) => [k, n(weights[k], opt(options, 'mix') ? 0 : 1)])) as Record<Kind, number>;
  const bufferSize = expect('bufferSize', 4096);
  if (bufferSize + 1100 > NGINX_HEADER_LIMIT) mix.bigvars = 0; // nginx itself would answer 400 first
  const longest = Math.max(overMs[1], slowMs[1], chunks * gapMs);
  const clientTimeoutMs = n(opt(options, 'clientTimeoutMs'), connect + T + longest + 5000);
  return { mix, bufferSize, fastMs: range(opt(options, 'fastMs'), [0, 20]), slowMs, overMs, stream: { chunks, gapMs }, bodyKb: range(opt(options, 'bodyKb'), [64, 512]), clientTimeoutMs };
}

function requestSpec(kind: Kind, rid: string, plan: HttpPlan, ctx: GenContext): RequestSpec {
  const sleep = (ms: number): RequestSpec => ({ rid, method: 'GET', path: `/sleep?ms=${ms}`, stallMs: ms, totalMs: ms });
  switch (kind) {
    case 'fast': return sleep(ctx.rng.int(...plan.fastMs));
    case 'slow': return sleep(ctx.rng.int(...plan.slowMs));
    case 'over': return sleep(ctx.rng.int(...plan.overMs));
    case 'stream': {
      const { chunks, gapMs } = plan.stream;
      return { rid, method: 'GET', path: `/stream?chunks=${chunks}&gap_ms=${gapMs}`, stallMs: gapMs, totalMs: (chunks - 1) * gapMs };
    }
    case 'body': {
      const bodyBytes = ctx.rng.int(...plan.bodyKb) * 1024;
      return { rid, method: 'POST', path: '/body', stallMs: 0, totalMs: 0, bodyBytes };
    }
    case 'effect': return { rid, method: 'POST', path: '/effect', stallMs: 0, totalMs: 0 };
    case 'bigvars': return { rid, method: 'GET', path: '/sleep?ms=0', stallMs: 0, totalMs: 0, padBytes: plan.bufferSize + ctx.rng.int(100, 1000) };
  }
}

/** The seeded request mix; request ids are unique per run (process id + per-process counter). */
export function requestGenerator(plan: HttpPlan): OpGenerator {
  const counters = new Map<number, number>();
  const weights = Object.fromEntries(Object.entries(plan.mix).filter(([, w]) => w > 0)) as Record<Kind, number>;
  return (ctx) => {
    const kind = ctx.rng.weighted(weights);
    const count = (counters.get(ctx.process) ?? 0) + 1;
    counters.set(ctx.process, count);
    return { f: kind, value: requestSpec(kind, `r${ctx.process}-${count}`, plan, ctx) };
  };
}

interface Raw { status?: number; pid?: number; bytes: number; body: string; error?: string; code?: string; clientTimeout?: boolean; cut?: boolean }

/** One HTTP exchange on a fresh connection; resolves (never rejects) within `timeoutMs`. */
export function exchange(ep: Endpoint, spec: Pick<RequestSpec, 'rid' | 'method' | 'path' | 'bodyBytes' | 'padBytes'>, timeoutMs: number): Promise<Raw> {
  return new Promise((resolve) => {
    const out: Raw = { bytes: 0, body: '' };
    let settled = false;
    const finish = (extra: Partial<Raw> = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...out, ...extra });
    };
    const headers: Record<string, string | number> = { 'x-request-id': spec.rid };
    if (spec.method === 'POST') headers['content-length'] = spec.bodyBytes ?? 0;
    if (spec.padBytes) headers['x-pad'] = 'p'.repeat(spec.padBytes);
    const req = http.request({ host: ep.host, port: ep.port, method: spec.method, path: spec.path, agent: false, headers });
    const timer = setTimeout(() => {
      finish({ clientTimeout: true, error: `client timeout: no complete answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('response', (res) => {
      out.status = res.statusCode;
      const pid = Number(res.headers['x-worker-pid']);
      if (Number.isInteger(pid) && pid > 0) out.pid = pid;
      res.on('data', (chunk: Buffer) => {
        out.bytes += chunk.length;
        if (out.body.length < 1 << 20) out.body += chunk.toString('utf8');
      });
      res.on('end', () => finish());
      res.on('error', (err) => finish({ cut: true, error: `response cut after ${out.bytes} bytes: ${err.message}` }));
      res.on('aborted', () => finish({ cut: true, error: `response cut after ${out.bytes} bytes` }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish({ error: err.message, ...(err.code ? { code: err.code } : {}) }));
    if (spec.bodyBytes) req.write(Buffer.alloc(spec.bodyBytes, 'x'));
    req.end();
  });
}

/** ok for a complete 200; info when a POST's effect may or may not have happened or the client gave
 *  up; fail otherwise (a GET answered with an error, or a refused connection). */
function classify(spec: RequestSpec, raw: Raw): Completion['type'] {
  if (raw.clientTimeout) return 'info';
  if (raw.status === 200 && !raw.cut) return 'ok';
  const mayHaveHappened = spec.method === 'POST' && raw.code !== 'ECONNREFUSED' && (raw.status === undefined || raw.status >= 500);
  return mayHaveHappened ? 'info' : 'fail';
}

class HttpClient implements Client {
  constructor(private readonly cluster: HttpEndpoint, private readonly plan: HttpPlan) {}
  async open(): Promise<void> {}
  async close(): Promise<void> {}

  async invoke(op: OpSpec): Promise<Completion> {
    if (op.f === 'workers') return this.workers();
    if (op.f === 'effects') return this.effects();
    const spec = op.value as RequestSpec;
    const t0 = Date.now();
    const p0 = performance.now();
    const raw = await exchange(this.cluster.endpoint, spec, this.plan.clientTimeoutMs);
    const meta: ResponseMeta = { rid: spec.rid, bytes: raw.bytes, t0, t1: Date.now(), ms: Math.round((performance.now() - p0) * 10) / 10 };
    if (raw.status !== undefined) meta.status = raw.status;
    if (raw.pid !== undefined) meta.pid = raw.pid;
    if (raw.clientTimeout) meta.clientTimeout = true;
    if (raw.code) meta.code = raw.code;
    if (op.f === 'body' && raw.status === 200) meta.echo = Number(raw.body.trim());
    const type = classify(spec, raw);
    const error = raw.error ?? (type === 'ok' ? undefined : `HTTP ${raw.status}`);
    return { type, meta: { ...meta }, ...(error ? { error } : {}) };
  }

  private async workers(): Promise<Completion> {
    if (!isWorkerControl(this.cluster)) return { type: 'fail', error: 'the target cannot list its workers' };
    return { type: 'ok', value: { pids: await this.cluster.workerPids() } };
  }

  private async effects(): Promise<Completion> {
    const raw = await exchange(this.cluster.endpoint, { rid: 'final-effects', method: 'GET', path: '/effects' }, 10_000);
    if (raw.status !== 200) return { type: 'fail', error: raw.error ?? `HTTP ${raw.status}` };
    try {
      const parsed = JSON.parse(raw.body) as { effects: Record<string, number>; started: Record<string, [number, number]> };
      return { type: 'ok', value: { effects: parsed.effects, started: parsed.started }, meta: { status: 200, pid: raw.pid, bytes: raw.bytes } };
    } catch (err) {
      return { type: 'fail', error: `unreadable /effects answer: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
}

/** Checkers by name, for scenarios that pick a subset. */
export const httpCheckers: Record<string, Checker> = {
  harakiri: harakiriChecker, timeout: timeoutChecker, recycling: recyclingChecker, delivery: deliveryChecker,
  'worker-crash': crashChecker,
};

const deadline = num(0);
/** The options the HTTP workload and its checkers read besides the target's: `expect*` (what the scenario
 *  promises; the target's own harakiri, read-timeout … are the fallback), request sizes in ms or KB,
 *  the mix of request kinds, the checkers to run and their slack. */
export const HttpOptionsSchema = z.object({
  expectHarakiri: deadline, expectReadTimeout: deadline, expectConnectTimeout: deadline, expectSendTimeout: deadline,
  expectMaxRequests: int(0), expectMinWorkerLifetime: deadline, expectBufferSize: int(0), expectProcesses: int(1),
  harakiriSlackMs: num(0), timeoutSlackMs: num(0), deadlineMarginMs: num(0),
  fastMs: pair, slowMs: pair, overMs: pair, bodyKb: pair, streamGapMs: int(1), streamChunks: int(1), clientTimeoutMs: num(1),
  mix: z.object(Object.fromEntries(REQUEST_KINDS.map((k) => [k, num(0).optional()])), { error: 'must be an object of request kind → weight' }).strict(),
  checkers: namesFrom(Object.keys(httpCheckers), 'http checker'),
}).partial();

/** The workload. options: the scenario's merged target + workload options; `checkers` names which
 *  of harakiri/timeout/recycling/delivery/worker-crash judge the run (default all). */
export const httpWorkload = defineWorkload(HttpOptionsSchema, (options: Record<string, unknown>): Workload<Cluster> => {
  const plan = planFor(options);
  const names = (opt(options, 'checkers') as string[] | undefined) ?? Object.keys(httpCheckers);
  return {
    name: 'http',
    client: (ctx: WorkloadContext<Cluster>) => new HttpClient(withCapability(ctx, isHttpEndpoint, 'the http workload needs a target served over HTTP').cluster, plan),
    generator: requestGenerator(plan),
    final: onlyWorkers([0], eachWorkerOnce(() => [{ f: 'workers', value: null }, { f: 'effects', value: null }])),
    checkers: names.map((name) => httpCheckers[name]),
  };
});
