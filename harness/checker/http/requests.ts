// The request view the HTTP checkers share: a history of HTTP ops (as harness/workloads/http.ts records
// them) turned into one record per request — what was asked (how long the upstream stays silent, how
// long it takes in all), what came back (status, worker pid, latency), when the worker really started
// it (from the app's journal, read in the final phase) — and the deadlines the scenario expects; the
// fault windows come from history/faults.ts. Pure: the checkers in this folder only read these records.
import type { Op } from '../../history/op.ts';
import { pairOps } from '../../history/pair.ts';
import type { FaultWindow } from '../../history/faults.ts';

/** Op names of the HTTP workload that are requests to the app (the final reads are not). */
export const REQUEST_KINDS = ['fast', 'slow', 'over', 'stream', 'body', 'effect', 'bigvars'] as const;

/** What the workload puts in an invoke's value. */
export interface RequestSpec {
  rid: string;
  method: 'GET' | 'POST';
  path: string;
  /** Longest time the upstream is expected to send nothing (what nginx's read timeout sees). */
  stallMs: number;
  /** Expected time the worker spends on the request. */
  totalMs: number;
  /** Request body bytes (POST /body). */
  bodyBytes?: number;
  /** Bytes of an extra header (X-Pad): nginx passes it in the uwsgi variable block, so a pad of
   *  buffer-size or more makes the block too large for uWSGI (refused → 502 at once). */
  padBytes?: number;
}

/** What the workload puts in a completion's meta. */
export interface ResponseMeta {
  rid: string;
  status?: number;
  pid?: number;
  bytes: number;
  /** Wall-clock ms (Date.now) when the request was sent and when it ended. */
  t0: number;
  t1: number;
  /** Latency measured by the client, ms. */
  ms: number;
  clientTimeout?: boolean;
  /** errno code of a connection-level failure (ECONNREFUSED, ECONNRESET, ...). */
  code?: string;
  /** POST /body: the body length the app says it read. */
  echo?: number;
}

export interface HttpRequest {
  index: number;
  completeIndex: number;
  process: number | string;
  kind: string;
  spec: RequestSpec;
  type: 'ok' | 'fail' | 'info';
  completed: boolean;
  /** History times (ms since run start). `end` is NaN when the request never completed. */
  start: number;
  end: number;
  latencyMs: number;
  status?: number;
  pid?: number;
  error?: string;
  clientTimeout: boolean;
  t0?: number;
  t1?: number;
  /** From the app's journal: when (wall ms) and on which worker the request started. */
  serverStart?: number;
  serverPid?: number;
  echo?: number;
}

/** The final `effects` read: side-effect counts and the journal of started requests. */
export interface EffectsRead {
  effects: Record<string, number>;
  started: Record<string, [number, number]>;
}

/** The last successful `effects` read in the history, if any. */
export function effectsRead(history: readonly Op[]): EffectsRead | undefined {
  let found: EffectsRead | undefined;
  for (const op of history) {
    if (op.f !== 'effects' || op.type !== 'ok') continue;
    const v = op.value as Partial<EffectsRead> | null;
    if (v && typeof v === 'object' && v.effects && v.started) found = { effects: v.effects, started: v.started };
  }
  return found;
}

/** The last successful `workers` read (live worker pids after the heal), if any. */
export function workersRead(history: readonly Op[]): number[] | undefined {
  let found: number[] | undefined;
  for (const op of history) if (op.f === 'workers' && op.type === 'ok' && Array.isArray((op.value as { pids?: unknown })?.pids)) found = (op.value as { pids: number[] }).pids;
  return found;
}

export function httpRequests(history: readonly Op[]): HttpRequest[] {
  const byIndex = new Map(history.map((op) => [op.index, op]));
  const journal = effectsRead(history)?.started ?? {};
  const kinds = new Set<string>(REQUEST_KINDS);
  return pairOps(history).filter((p) => kinds.has(p.f)).map((p) => {
    const spec = p.invokeValue as RequestSpec;
    const completion = p.completeIndex >= 0 ? byIndex.get(p.completeIndex) : undefined;
    const meta = (completion?.meta ?? {}) as Partial<ResponseMeta>;
    const end = completion ? completion.time : NaN;
    const r: HttpRequest = {
      index: p.invokeIndex, completeIndex: p.completeIndex, process: p.process, kind: p.f, spec, type: p.type,
      completed: !!completion, start: p.start, end, latencyMs: meta.ms ?? end - p.start,
      clientTimeout: meta.clientTimeout === true,
    };
    if (meta.status !== undefined) r.status = meta.status;
    if (meta.pid !== undefined) r.pid = meta.pid;
    if (completion?.error !== undefined) r.error = completion.error;
    if (meta.t0 !== undefined) r.t0 = meta.t0;
    if (meta.t1 !== undefined) r.t1 = meta.t1;
    if (meta.echo !== undefined) r.echo = meta.echo;
    const started = spec?.rid ? journal[spec.rid] : undefined;
    if (started) [r.serverPid, r.serverStart] = started;
    return r;
  });
}

/** Whether uWSGI must refuse the request: its variable block is larger than buffer-size. */
export const oversizedBlock = (r: HttpRequest, e: Expectations): boolean => (r.spec?.padBytes ?? 0) >= e.bufferSize;

/** ms from the worker starting the request to the response (or the client's send when the journal
 *  has no entry for it). */
export function serverLatency(r: HttpRequest): number {
  if (r.serverStart !== undefined && r.t1 !== undefined) return r.t1 - r.serverStart;
  return r.latencyMs;
}

/** Time the request waited before a worker took it (0 when unknown). */
export function queueDelay(r: HttpRequest): number {
  return r.serverStart !== undefined && r.t0 !== undefined ? Math.max(0, r.serverStart - r.t0) : 0;
}

/** Fault windows that overlap the request, widened by `graceMs` after each fault's end and by
 *  `leadMs` before its start (the start event is recorded once the fault is in place). */
export function faultsDuring(r: HttpRequest, windows: readonly FaultWindow[], graceMs = 1000, leadMs = 500): FaultWindow[] {
  const end = Number.isNaN(r.end) ? Infinity : r.end;
  return windows.filter((w) => r.start <= w.end + graceMs && end >= w.start - leadMs);
}

const camel = (key: string) => key.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase());

/** Reads an option by camelCase name; kebab-case keys count too and later keys win. */
export function opt(opts: Record<string, unknown> | undefined, name: string): unknown {
  let value: unknown;
  for (const [k, v] of Object.entries(opts ?? {})) if (camel(k) === name) value = v;
  return value;
}

const num = (v: unknown, fallback: number) => (v === undefined || v === null || v === '' || Number.isNaN(Number(v)) ? fallback : Number(v));

/** The deadlines a scenario holds the stack to. `expect*` options (what the scenario promises)
 *  win over the target options (what the stack was started with), so a stack configured differently
 *  from what the scenario expects shows up as a violation. */
export interface Expectations {
  harakiriMs: number;
  readTimeoutMs: number;
  connectTimeoutMs: number;
  sendTimeoutMs: number;
  maxRequests: number;
  minWorkerLifetimeMs: number;
  /** uWSGI buffer-size: the largest uwsgi variable block it accepts. */
  bufferSize: number;
  processes: number;
  /** Latest kill after H the harakiri checker accepts (DESIGN.md: about H+2 s; measured here up to
   *  H+2.5 s on a loaded 2-core machine, so 3 s by default). */
  harakiriSlackMs: number;
  /** Latest 504 after T the timeout checker accepts. */
  timeoutSlackMs: number;
  /** Requests within this much of a deadline are not judged (either outcome is right). */
  marginMs: number;
}

export function expectations(opts?: Record<string, unknown>): Expectations {
  const pick = (name: string, fallback: number) => num(opt(opts, `expect${name[0].toUpperCase()}${name.slice(1)}`) ?? opt(opts, name), fallback);
  return {
    harakiriMs: pick('harakiri', 0) * 1000,
    readTimeoutMs: pick('readTimeout', 60) * 1000,
    connectTimeoutMs: pick('connectTimeout', 60) * 1000,
    sendTimeoutMs: pick('sendTimeout', 60) * 1000,
    maxRequests: pick('maxRequests', 0),
    minWorkerLifetimeMs: pick('minWorkerLifetime', 10) * 1000,
    bufferSize: pick('bufferSize', 4096),
    processes: pick('processes', 2),
    harakiriSlackMs: num(opt(opts, 'harakiriSlackMs'), 3000),
    timeoutSlackMs: num(opt(opts, 'timeoutSlackMs'), 1000),
    marginMs: num(opt(opts, 'deadlineMarginMs'), 500),
  };
}

/** The compact per-request table reports draw (details.requests). */
export function requestTable(reqs: readonly HttpRequest[]): { start: number; end: number; status: number; pid?: number; kind: string; rid: string; ms: number }[] {
  return reqs.map((r) => ({
    start: Math.round(r.start), end: Math.round(Number.isNaN(r.end) ? r.start : r.end), status: r.status ?? 0,
    ...(r.pid !== undefined || r.serverPid !== undefined ? { pid: r.pid ?? r.serverPid } : {}),
    kind: r.kind, rid: r.spec?.rid ?? '', ms: Math.round(r.latencyMs),
  }));
}

/** Requests per worker pid: responses naming the pid plus journalled starts without a response. */
export function perWorker(reqs: readonly HttpRequest[]): Map<number, HttpRequest[]> {
  const out = new Map<number, HttpRequest[]>();
  for (const r of reqs) {
    const pid = r.pid ?? r.serverPid;
    if (pid === undefined) continue;
    if (!out.has(pid)) out.set(pid, []);
    out.get(pid)!.push(r);
  }
  for (const list of out.values()) list.sort((a, b) => (a.serverStart ?? a.t0 ?? a.start) - (b.serverStart ?? b.t0 ?? b.start));
  return out;
}

export const describe = (r: HttpRequest): string =>
  `${r.kind} request ${r.spec?.rid ?? `#${r.index}`} (${r.spec?.method ?? 'GET'} ${r.spec?.path ?? '?'})`;

export const outcome = (r: HttpRequest): string =>
  r.status !== undefined ? `answered ${r.status} after ${Math.round(r.latencyMs)} ms` : r.completed ? `failed after ${Math.round(r.latencyMs)} ms (${r.error ?? 'no error text'})` : 'never completed';
