// Holds nginx to its upstream deadlines (DESIGN.md): when the upstream sends nothing for the read
// timeout T the client gets 504 after about T (and never a 504 while the upstream is still within T);
// an upstream that fails outright (refused, closed — e.g. a uwsgi variable block over buffer-size)
// gives 502 at once instead; and nginx, not the client's own timeout, is what ends a request whenever
// a server deadline should have fired.
import type { Checker, CheckResult, Violation } from '../result.ts';
import type { Op } from '../../history/op.ts';
import {
  describe, expectations, faultsDuring, httpRequests, outcome, oversizedBlock, queueDelay, requestTable,
  type Expectations, type HttpRequest,
} from './requests.ts';
import { faultWindows, type FaultWindow } from '../../history/faults.ts';

/** Faults that end requests by breaking the upstream (→ 502) rather than stalling it (→ 504). */
const BREAKING_FAULTS = new Set(['worker-kill', 'master-kill']);
/** Faults that may stop nginx itself from answering (then the client's timeout is the only one left). */
const nginxDown = (w: FaultWindow) => w.targets.includes('nginx') && w.fault !== 'app-partition';

/** "At once" for an upstream that refuses a request outright. */
const REFUSED_AT_ONCE_MS = 1000;

interface Timing { rid: string; kind: string; start: number; ms: number }

const stats = (xs: number[]) => xs.length
  ? { count: xs.length, min: Math.round(Math.min(...xs)), max: Math.round(Math.max(...xs)), mean: Math.round(xs.reduce((s, x) => s + x, 0) / xs.length) }
  : { count: 0 };

/** How long nginx saw the upstream silent, when known: time in the queue plus the app's own stall. */
const silence = (r: HttpRequest): number | undefined => (r.serverStart !== undefined ? queueDelay(r) + r.spec.stallMs : undefined);

const harakiriDue = (r: HttpRequest, e: Expectations) => e.harakiriMs > 0 && r.spec.totalMs > e.harakiriMs - e.marginMs;

/** The latest moment nginx should have answered this request by, ms after it was sent. */
export function serverDeadline(r: HttpRequest, e: Expectations): number {
  return e.connectTimeoutMs + (r.spec.bodyBytes ? e.sendTimeoutMs : 0) + e.readTimeoutMs + r.spec.totalMs + e.timeoutSlackMs;
}

function judge(r: HttpRequest, e: Expectations, faults: FaultWindow[]): Violation | string | undefined {
  const T = e.readTimeoutMs;
  const at = { ops: [r.index, r.completeIndex].filter((i) => i >= 0), time: r.start };
  const quiet = silence(r) ?? r.spec.stallMs;
  const stalled = faults.some((w) => !BREAKING_FAULTS.has(w.fault));
  if (r.clientTimeout) {
    const bound = serverDeadline(r, e);
    if (r.latencyMs < bound) return `client timeout after ${Math.round(r.latencyMs)} ms is shorter than nginx's deadline ${bound} ms for ${describe(r)}`;
    if (faults.some(nginxDown)) return undefined;
    return { ...at, message: `${describe(r)}: the client's own timeout fired after ${Math.round(r.latencyMs)} ms, yet nginx should have answered (504 or 502) by ${bound} ms` };
  }
  if (oversizedBlock(r, e)) {
    if ((r.status === 502 && r.latencyMs < REFUSED_AT_ONCE_MS) || faults.length) return undefined;
    return { ...at, message: `${describe(r)} carried a ${r.spec.padBytes}-byte header, so its uwsgi variable block exceeds buffer-size ${e.bufferSize}: uWSGI must refuse it and nginx answer 502 at once — it was ${outcome(r)}` };
  }
  if (r.status === 502 && harakiriDue(r, e)) return undefined; // harakiri ended it first: the harakiri checker's case
  if (quiet > T + e.marginMs && !(r.status === 502 && (faults.length || harakiriDue(r, e)))) {
    if (r.status === 504 && r.latencyMs >= T - 100 && r.latencyMs <= T + e.timeoutSlackMs) return undefined;
    if (faults.length && r.status !== 200) return undefined;
    return { ...at, message: `${describe(r)} left the upstream silent for ${Math.round(quiet)} ms, past uwsgi_read_timeout ${T} ms, so nginx should have answered 504 after about ${T} ms — it was ${outcome(r)}` };
  }
  const known = silence(r);
  if (r.status === 504 && known !== undefined && known < T - e.marginMs && !stalled) {
    const why = faults.length ? ` (only ${faults.map((w) => w.fault).join(', ')} was active, which breaks the upstream: that is a 502)` : '';
    return { ...at, message: `${describe(r)} was answered 504 after ${Math.round(r.latencyMs)} ms although the upstream was silent for only ${Math.round(known)} ms, less than uwsgi_read_timeout ${T} ms${why}` };
  }
  return undefined;
}

export function checkTimeout(history: readonly Op[], opts?: Record<string, unknown>): CheckResult {
  const e = expectations(opts);
  const reqs = httpRequests(history);
  const windows = faultWindows(history);
  const violations: Violation[] = [];
  const tooShort: string[] = [];
  for (const r of reqs) {
    const v = judge(r, e, faultsDuring(r, windows));
    if (typeof v === 'string') tooShort.push(v);
    else if (v) violations.push(v);
  }
  const timing = (status: number): Timing[] => reqs.filter((r) => r.status === status).map((r) => ({ rid: r.spec.rid, kind: r.kind, start: Math.round(r.start), ms: Math.round(r.latencyMs) }));
  const t504 = timing(504);
  const t502 = timing(502);
  const details = {
    readTimeoutMs: e.readTimeoutMs, bufferSize: e.bufferSize, window504: [e.readTimeoutMs - 100, e.readTimeoutMs + e.timeoutSlackMs],
    timings504: t504, timings502: t502, stats504: stats(t504.map((t) => t.ms)), stats502: stats(t502.map((t) => t.ms)),
    clientTimeouts: reqs.filter((r) => r.clientTimeout).length, clientTimeoutTooShort: tooShort, requests: requestTable(reqs),
  };
  if (violations.length) return { checker: 'timeout', valid: false, summary: violations[0].message + (violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''), violations, details };
  if (tooShort.length) return { checker: 'timeout', valid: 'unknown', summary: `the client gave up before nginx's deadline, so the server deadline could not be observed: ${tooShort[0]}`, details };
  const s = stats(t504.map((t) => t.ms));
  const answered504 = s.count ? `${t504.length} request(s) answered 504 after ${s.min}–${s.max} ms` : 'no request answered 504';
  return { checker: 'timeout', valid: true, summary: `${answered504} (read timeout ${e.readTimeoutMs} ms), ${t502.length} answered 502; no early 504, no silent upstream left unanswered, no client timeout where nginx should have answered`, details };
}

export const timeoutChecker: Checker = { name: 'timeout', check: checkTimeout };
