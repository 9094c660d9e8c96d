// What steps of the app host's wall clock do to harakiri (pure, from the history). Every clock fault
// on the app host steps its clock twice (at its start, and back at its end); at each step:
// - a forward step: were requests shorter than H, in flight at the step, killed (502)? A harakiri
//   that compares wall-clock deadlines sees them all run past H at once.
// - a backward step: did requests longer than H + slack, in flight at the step or begun within the
//   step's size after it, outlive H + slack (answered 200, or killed late)? A wall-clock harakiri
//   sees their deadline move |step| away.
// Both are counted (kills per forward step and per minute of workload, overruns and by how much).
// How they are judged depends on what the stack's harakiri reads, as the fault recorded it
// (`cluster.wallClockReads`, measured in docs/CLOCKS.md): a harakiri on the wall clock (uWSGI's
// default clock source 'unix') does this by design, so the figures are reported as that
// configuration's hazards and the check holds; a harakiri that claims a monotonic clock (uWSGI with
// clock=monotonic, uwsgi-lite) must do neither, so each one is a violation.
import type { Op } from '../../history/op.ts';
import type { Checker, CheckResult, Violation } from '../result.ts';
import { clockTimeline, type OffsetStep } from '../clock-faults.ts';
import { describe, expectations, httpRequests, outcome, type HttpRequest } from './requests.ts';
import { faultWindows, type FaultWindow } from '../../history/faults.ts';

interface Step { time: number; deltaMs: number; node: string; fault: string; felt: boolean; reads: unknown }

interface ClockDetail { node?: string; fromMs?: number; offsetMs?: number; strobe?: unknown; felt?: boolean; reads?: unknown }

/** The steps of `node`'s wall clock: two per clock fault (strobes are not steps of one size: skipped). */
export function clockSteps(windows: readonly FaultWindow[], node: string): Step[] {
  const steps: Step[] = [];
  for (const w of windows) {
    const d = (w.detail ?? {}) as ClockDetail;
    if (!w.fault.startsWith('clock-') || d.node !== node || d.strobe || d.offsetMs === undefined) continue;
    const delta = d.offsetMs - (d.fromMs ?? 0);
    const base = { node, fault: w.fault, felt: d.felt !== false, reads: d.reads };
    steps.push({ time: w.start, deltaMs: delta, ...base }, { time: w.end, deltaMs: -delta, ...base });
  }
  return steps.filter((s) => s.deltaMs !== 0).sort((a, b) => a.time - b.time);
}

/** The node's offset in force at history time `t` (0 before its first step). */
function offsetAt(timeline: readonly OffsetStep[], node: string, t: number): number {
  let offset = 0;
  for (const s of timeline) if (s.node === node && s.time <= t) offset = s.offsetMs;
  return offset;
}

/** How long the worker had the request: from its start in the app's journal (stamped with the app
 *  host's stepped wall clock, so the offset in force then is taken off) to the response. A step
 *  between the client's send and the worker's start leaves two candidate offsets: the one in force
 *  at the send is tried first, then the node's others; the one that puts the start inside the
 *  request's own lifetime wins. Without a journal entry (or a fitting offset): the client's latency,
 *  which includes time queued for a worker. */
function workerMs(r: HttpRequest, timeline: readonly OffsetStep[], node: string): number {
  if (r.serverStart === undefined || r.t1 === undefined) return r.latencyMs;
  const offsets = [offsetAt(timeline, node, r.start), 0, ...timeline.filter((s) => s.node === node).map((s) => s.offsetMs)];
  for (const offset of offsets) {
    const ran = r.t1 - (r.serverStart - offset);
    if (ran >= -50 && ran <= r.latencyMs + 100) return ran;
  }
  return r.latencyMs;
}

const inFlight = (r: HttpRequest, t: number) => r.start <= t && (Number.isNaN(r.end) ? Infinity : r.end) >= t;

export function checkHarakiriClock(history: readonly Op[], opts?: Record<string, unknown>): CheckResult {
  const e = expectations(opts);
  const node = String(opts?.clockNode ?? 'app');
  const H = e.harakiriMs;
  const reqs = httpRequests(history);
  const steps = clockSteps(faultWindows(history), node);
  const timeline = clockTimeline(history);
  if (H <= 0) return { checker: 'harakiri-clock', valid: 'unknown', summary: 'harakiri is off in this scenario; nothing to check' };
  if (steps.length === 0) return { checker: 'harakiri-clock', valid: 'unknown', summary: `no step of ${node}'s wall clock in this run, so nothing tells what one does to harakiri` };
  const kills: { rid: string; step: number; deltaMs: number; latencyMs: number; index: number }[] = [];
  const overruns: { rid: string; step: number; deltaMs: number; latencyMs: number; overByMs: number; status: number; index: number }[] = [];
  let shortAtForward = 0;
  let longAtBackward = 0;
  for (const s of steps) {
    for (const r of reqs) {
      if (s.deltaMs > 0 && inFlight(r, s.time) && r.spec.totalMs < H - e.marginMs) {
        shortAtForward++;
        if (r.status === 502) kills.push({ rid: r.spec.rid, step: Math.round(s.time), deltaMs: s.deltaMs, latencyMs: Math.round(r.latencyMs), index: r.index });
      }
      const exposed = inFlight(r, s.time) || (r.start >= s.time && r.start <= s.time - s.deltaMs);
      if (s.deltaMs < 0 && exposed && r.spec.totalMs > H + e.harakiriSlackMs) {
        longAtBackward++;
        const ran = workerMs(r, timeline, node);
        const late = r.status !== 502 || ran > H + e.harakiriSlackMs;
        if (late && r.completed) overruns.push({ rid: r.spec.rid, step: Math.round(s.time), deltaMs: s.deltaMs, latencyMs: Math.round(ran), overByMs: Math.round(ran - H), status: r.status ?? 0, index: r.index });
      }
    }
  }
  const forward = steps.filter((s) => s.deltaMs > 0).length;
  const backward = steps.length - forward;
  const workloadMin = Math.max(1e-9, (Math.max(...reqs.map((r) => (Number.isNaN(r.end) ? r.start : r.end)), 0) - Math.min(...reqs.map((r) => r.start), 0)) / 60_000);
  const felt = steps.some((s) => s.felt);
  const reads = steps.find((s) => Array.isArray(s.reads) && (s.reads as unknown[]).length)?.reads ?? [];
  const metrics = {
    forwardSteps: forward, backwardSteps: backward, shortInFlightAtForward: shortAtForward, killsOfShort: kills.length,
    killsPerForwardStep: forward ? Number((kills.length / forward).toFixed(2)) : 0, killsPerMinute: Number((kills.length / workloadMin).toFixed(2)),
    longExposedToBackward: longAtBackward, overruns: overruns.length, maxOverByMs: Math.max(0, ...overruns.map((o) => o.overByMs)),
  };
  const details = { harakiriMs: H, slackMs: e.harakiriSlackMs, node, steps, kills, overruns, felt, reads };
  const figures = `${kills.length} of ${shortAtForward} short requests in flight at ${forward} forward step(s) killed (${metrics.killsPerMinute}/min); ${overruns.length} of ${longAtBackward} long requests exposed to ${backward} backward step(s) outlived H + ${e.harakiriSlackMs / 1000} s (longest by ${metrics.maxOverByMs} ms)`;
  if (felt) {
    return { checker: 'harakiri-clock', valid: true, summary: `harakiri reads ${node}'s wall clock (${(reads as string[]).join(', ') || 'declared'}), so clock steps move its deadlines by design — measured: ${figures}`, details, metrics };
  }
  const violations: Violation[] = [
    ...kills.map((k) => ({ message: `${describe(reqs.find((r) => r.index === k.index)!)} needed less than harakiri ${H / 1000} s yet was killed (${outcome(reqs.find((r) => r.index === k.index)!)}) across a ${k.deltaMs / 1000} s forward step of ${node}'s wall clock, which this stack's harakiri claims not to read`, ops: [k.index], time: k.step })),
    ...overruns.map((o) => ({ message: `${describe(reqs.find((r) => r.index === o.index)!)} outlived harakiri ${H / 1000} s + ${e.harakiriSlackMs} ms by ${o.overByMs - e.harakiriSlackMs} ms across a ${o.deltaMs / 1000} s backward step of ${node}'s wall clock, which this stack's harakiri claims not to read`, ops: [o.index], time: o.step })),
  ];
  if (violations.length) return { checker: 'harakiri-clock', valid: false, summary: `${violations[0].message}${violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''}`, violations: violations.slice(0, 100), details, metrics };
  if (shortAtForward + longAtBackward === 0) return { checker: 'harakiri-clock', valid: 'unknown', summary: `no request was in flight at any of the ${steps.length} clock steps, so none could show what a step does`, details, metrics };
  return { checker: 'harakiri-clock', valid: true, summary: `harakiri ignored ${steps.length} steps of ${node}'s wall clock: ${figures}`, details, metrics };
}

export const harakiriClockChecker: Checker = { name: 'harakiri-clock', check: checkHarakiriClock };
