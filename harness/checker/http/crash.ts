// Holds the stack to what DESIGN.md says a crash does: a SIGKILLed worker affects only the request it
// was serving (502 at once) and the master respawns it with a new pid; with the master SIGKILLed
// nothing serves and nginx refuses every request with 502 at once (never a hang) until the restart.
// Only requests whose overlapping faults are all of the judged kind are judged, so overlapping faults
// never produce a false alarm.
import type { Checker, CheckResult, Violation } from '../result.ts';
import type { Op } from '../../history/op.ts';
import {
  describe, faultsDuring, httpRequests, outcome, queueDelay, workersRead,
  type HttpRequest,
} from './requests.ts';
import { faultWindows, type FaultWindow } from '../../history/faults.ts';

/** A refusal or a crash is answered "at once": well under any timeout. */
const AT_ONCE_MS = 1000;
/** A dying master's orphaned workers may still answer for a few ms (measured); judge after this. */
const MASTER_SETTLE_MS = 1000;

interface Crash { pid: number; at: number; failed: string[]; replacedBy?: number }

const onlyKind = (r: HttpRequest, windows: FaultWindow[], kind: string) => {
  const during = faultsDuring(r, windows, 500, 500);
  return during.length > 0 && during.every((w) => w.fault === kind);
};
const failedUpstream = (r: HttpRequest) => r.status === 502 || (r.status === undefined && !r.clientTimeout);
const at = (r: HttpRequest) => ({ ops: [r.index, r.completeIndex].filter((i) => i >= 0), time: r.start });

function workerKills(reqs: HttpRequest[], windows: FaultWindow[], live: number[] | undefined, violations: Violation[]): Crash[] {
  const crashes: Crash[] = [];
  for (const w of windows.filter((x) => x.fault === 'worker-kill')) {
    const pid = Number((w.detail as { pid?: number } | undefined)?.pid);
    if (!Number.isInteger(pid)) continue;
    const crash: Crash = { pid, at: Math.round(w.start), failed: [] };
    crashes.push(crash);
    const hit = reqs.filter((r) => failedUpstream(r) && onlyKind(r, windows, 'worker-kill') && r.start <= w.start + 200 && r.end >= w.start - 500 && r.end <= w.start + AT_ONCE_MS);
    for (const r of hit) {
      crash.failed.push(r.spec.rid);
      if (r.serverPid !== undefined && r.serverPid !== pid && !windows.some((o) => o !== w && o.fault === 'worker-kill' && (o.detail as { pid?: number })?.pid === r.serverPid)) {
        violations.push({ ...at(r), message: `${describe(r)} ran on worker ${r.serverPid} but was ${outcome(r)} when worker ${pid} was killed: a worker crash must affect only the request that worker was serving` });
      }
    }
    const later = reqs.find((r) => (r.pid ?? r.serverPid) === pid && r.start + queueDelay(r) > w.start + 200);
    if (later) violations.push({ ...at(later), message: `worker ${pid} was SIGKILLed at ${crash.at} ms but served ${describe(later)} afterwards` });
    crash.replacedBy = reqs.filter((r) => r.pid !== undefined && r.start > w.start && !reqs.some((o) => o.pid === r.pid && o.start < w.start)).map((r) => r.pid!)[0];
    if (live?.includes(pid)) violations.push({ message: `worker ${pid}, SIGKILLed at ${crash.at} ms, is still listed alive at the end`, time: w.start });
  }
  return crashes;
}

function masterKills(reqs: HttpRequest[], windows: FaultWindow[], violations: Violation[]): { refused: number; refusedMaxMs: number } {
  let refused = 0;
  let refusedMaxMs = 0;
  for (const w of windows.filter((x) => x.fault === 'master-kill')) {
    const dead = reqs.filter((r) => onlyKind(r, windows, 'master-kill') && r.start >= w.start + MASTER_SETTLE_MS && r.start < w.end - 200);
    for (const r of dead) {
      if (r.status === 502 && r.latencyMs < AT_ONCE_MS) {
        refused++;
        refusedMaxMs = Math.max(refusedMaxMs, r.latencyMs);
        continue;
      }
      // the restart happens at the end of the window (its end is recorded once the stack serves
      // again), so a 200 late in the window may come from the new master: only a hang is wrong here
      if (r.status === 200) continue;
      violations.push({ ...at(r), message: `${describe(r)} was sent ${Math.round(r.start - w.start)} ms after the uWSGI master was SIGKILLed, so nginx should have refused it with 502 at once (nothing listens) — it was ${outcome(r)}` });
    }
  }
  return { refused, refusedMaxMs: Math.round(refusedMaxMs) };
}

export function checkCrash(history: readonly Op[]): CheckResult {
  const reqs = httpRequests(history);
  const windows = faultWindows(history);
  const violations: Violation[] = [];
  const crashes = workerKills(reqs, windows, workersRead(history), violations);
  const master = masterKills(reqs, windows, violations);
  const details = { workerKills: crashes, masterKills: windows.filter((w) => w.fault === 'master-kill').length, refusedWhileMasterDead: master.refused, refusedMaxMs: master.refusedMaxMs };
  if (violations.length) return { checker: 'worker-crash', valid: false, summary: violations[0].message + (violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''), violations, details };
  if (!crashes.length && !details.masterKills) return { checker: 'worker-crash', valid: 'unknown', summary: 'no worker or master was killed in this run, so crash behaviour was never exercised', details };
  const parts = [
    crashes.length ? `${crashes.length} worker kill(s) failed only the killed worker's own request (${crashes.reduce((s, c) => s + c.failed.length, 0)} request(s) in all)` : '',
    details.masterKills ? `${master.refused} request(s) sent while the master was dead were refused with 502 within ${master.refusedMaxMs} ms, none hung` : '',
  ];
  return { checker: 'worker-crash', valid: true, summary: parts.filter(Boolean).join('; '), details };
}

export const crashChecker: Checker = { name: 'worker-crash', check: checkCrash };
