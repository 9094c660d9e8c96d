// Holds uWSGI to its harakiri promise (DESIGN.md): a request whose worker runs past H seconds is
// killed and the client gets 502 from nginx, the kill landing after H and within about H+2 s of the
// worker starting it; a request shorter than H is never killed; the killed worker is replaced (its pid
// never serves again, a new pid takes its place). Fault windows excuse the errors they cause.
import type { Checker, CheckResult, Violation } from '../result.ts';
import type { Op } from '../../history/op.ts';
import {
  describe, expectations, faultsDuring, oversizedBlock, httpRequests, outcome, perWorker, queueDelay,
  requestTable, serverLatency, workersRead, type Expectations, type HttpRequest,
} from './requests.ts';
import { faultWindows } from '../../history/faults.ts';

export interface KillWindow {
  rid: string;
  pid?: number;
  /** History times (ms since run start): request sent, worker started it, 502 received. */
  start: number;
  workerStart: number;
  killAt: number;
  /** ms from the worker starting the request to the 502 (the harakiri kill as seen through nginx). */
  killDelayMs: number;
  replacedBy?: number;
}

const stats = (xs: number[]) => xs.length
  ? { count: xs.length, min: Math.round(Math.min(...xs)), max: Math.round(Math.max(...xs)), mean: Math.round(xs.reduce((s, x) => s + x, 0) / xs.length) }
  : { count: 0 };

/** Whether nginx's read timeout answers (504) before harakiri could (502) for this request. */
function timeoutFirst(r: HttpRequest, e: Expectations): boolean {
  return r.status === 504 && queueDelay(r) + r.spec.stallMs >= e.readTimeoutMs - e.marginMs;
}

function judge(r: HttpRequest, e: Expectations, excused: boolean, kills: KillWindow[]): Violation | undefined {
  const H = e.harakiriMs;
  // uWSGI checks harakiri about once a second, so a request ending between H and H+slack may finish
  // before the check (200) or be killed (502); past H+slack the kill is certain.
  const mayKill = r.spec.totalMs > H + e.marginMs;
  const dueKill = r.spec.totalMs > H + e.harakiriSlackMs;
  const short = r.spec.totalMs < H - e.marginMs;
  const at = { ops: [r.index, r.completeIndex].filter((i) => i >= 0), time: r.start };
  if (mayKill && r.status === 502) {
    const delay = serverLatency(r);
    const workerStart = r.start + queueDelay(r);
    kills.push({ rid: r.spec.rid, pid: r.serverPid, start: Math.round(r.start), workerStart: Math.round(workerStart), killAt: Math.round(workerStart + delay), killDelayMs: Math.round(delay) });
    if (excused || (delay >= H - 50 && delay <= H + e.harakiriSlackMs)) return undefined;
    return { ...at, message: `${describe(r)} needed ${r.spec.totalMs} ms, past harakiri ${H / 1000} s; its 502 came ${Math.round(delay)} ms after the worker started it, outside the promised window [${H}, ${H + e.harakiriSlackMs}] ms`, detail: { killDelayMs: Math.round(delay) } };
  }
  if (dueKill && !excused && !timeoutFirst(r, e)) {
    return { ...at, message: `${describe(r)} needed ${r.spec.totalMs} ms, past harakiri ${H / 1000} s, so its worker should have been killed and nginx should have answered 502 — it was ${outcome(r)}` };
  }
  if (short && r.status === 502 && !excused) {
    return { ...at, message: `${describe(r)} needed only ${r.spec.totalMs} ms, shorter than harakiri ${H / 1000} s, yet was ${outcome(r)} while no fault was active: a request shorter than H was killed` };
  }
  return undefined;
}

/** The killed worker is replaced: its pid serves nothing later and is not among the live workers. */
function replacement(kills: KillWindow[], reqs: HttpRequest[], live: number[] | undefined, e: Expectations): Violation[] {
  const out: Violation[] = [];
  const firstSeen = new Map<number, number>();
  for (const [pid, list] of perWorker(reqs)) firstSeen.set(pid, Math.min(...list.map((r) => r.start + queueDelay(r))));
  for (const k of kills) {
    if (k.pid === undefined) continue;
    const later = reqs.find((r) => (r.pid ?? r.serverPid) === k.pid && r.start + queueDelay(r) > k.killAt + 200);
    if (later) out.push({ message: `worker ${k.pid} was killed by harakiri at ${k.killAt} ms (request ${k.rid}) but started request ${later.spec.rid} afterwards: the kill did not happen`, ops: [later.index], time: later.start });
    const taken = (pid: number) => kills.some((o) => o.replacedBy === pid);
    const successor = [...firstSeen].filter(([pid, t]) => t > k.workerStart && !taken(pid)).sort((a, b) => a[1] - b[1])[0];
    // a successor that served nothing yet is still among the live workers, unseen before the kill
    const unseen = live?.find((pid) => !taken(pid) && !(firstSeen.get(pid)! <= k.workerStart));
    if (successor) k.replacedBy = successor[0];
    else if (unseen !== undefined) k.replacedBy = unseen;
    if (live?.includes(k.pid)) out.push({ message: `worker ${k.pid}, killed by harakiri at ${k.killAt} ms, is still alive at the end of the run`, time: k.killAt });
  }
  if (live && kills.length && live.length < e.processes) out.push({ message: `after ${kills.length} harakiri kill(s) only ${live.length} of ${e.processes} workers are alive at the end: a killed worker was not replaced` });
  return out;
}

export function checkHarakiri(history: readonly Op[], opts?: Record<string, unknown>): CheckResult {
  const e = expectations(opts);
  const reqs = httpRequests(history);
  if (e.harakiriMs <= 0) return { checker: 'harakiri', valid: true, summary: 'harakiri is off in this scenario; nothing to check', details: { requests: requestTable(reqs) } };
  const windows = faultWindows(history);
  const kills: KillWindow[] = [];
  const violations: Violation[] = [];
  for (const r of reqs) {
    if (oversizedBlock(r, e)) continue; // refused by buffer-size, not killed: the timeout checker's case
    const v = judge(r, e, faultsDuring(r, windows).length > 0, kills);
    if (v) violations.push(v);
  }
  const live = workersRead(history);
  violations.push(...replacement(kills, reqs, live, e));
  const due = reqs.filter((r) => r.spec.totalMs > e.harakiriMs + e.harakiriSlackMs).length;
  const workers = Object.fromEntries([...perWorker(reqs)].map(([pid, list]) => [pid, list.length]));
  const delays = kills.map((k) => k.killDelayMs);
  const details = {
    harakiriMs: e.harakiriMs, window: [e.harakiriMs, e.harakiriMs + e.harakiriSlackMs], killWindows: kills,
    killDelayMs: stats(delays), requestsPastWindow: due, liveWorkers: live ?? null, workers, requests: requestTable(reqs),
  };
  if (violations.length) return { checker: 'harakiri', valid: false, summary: violations[0].message + (violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''), violations, details };
  if (due === 0) return { checker: 'harakiri', valid: 'unknown', summary: `no request ran past harakiri ${e.harakiriMs / 1000} s + ${e.harakiriSlackMs} ms, so the kill was never exercised`, details };
  const s = stats(delays);
  return { checker: 'harakiri', valid: true, summary: `${kills.length} request(s) killed by harakiri ${e.harakiriMs / 1000} s with 502 ${s.count ? `${s.min}–${s.max}` : '-'} ms after their worker started them (window ${e.harakiriMs}–${e.harakiriMs + e.harakiriSlackMs} ms); all ${due} requests needing longer than that window ended by the kill (or by nginx's timeout first); no shorter request was killed`, details };
}

export const harakiriChecker: Checker = { name: 'harakiri', check: checkHarakiri };
