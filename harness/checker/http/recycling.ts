// Holds uWSGI to its max-requests promise (DESIGN.md): a worker is replaced after serving N requests
// (unless it is younger than min-worker-lifetime, uWSGI's documented exception), the request in flight
// is finished first and never cut, and requests arriving during the respawn wait instead of being
// refused. Requests are counted per worker pid from the X-Worker-Pid header and the app's journal.
import type { Checker, CheckResult, Violation } from '../result.ts';
import type { Op } from '../../history/op.ts';
import {
  describe, expectations, faultsDuring, httpRequests, outcome, oversizedBlock, perWorker, queueDelay, requestTable,
  type Expectations, type HttpRequest,
} from './requests.ts';
import { faultWindows } from '../../history/faults.ts';

/** When the worker took the request (history ms). */
const began = (r: HttpRequest) => r.start + queueDelay(r);
const finished = (r: HttpRequest) => (Number.isNaN(r.end) ? began(r) + r.spec.totalMs : r.end);

/** The earliest the worker can have decided, after `r`, whether to retire: once it had run the app
 *  for the request's own time. (The client's end of the request is no bound: it may come after the
 *  decision, by nginx's and the client's delays, which grow on a loaded machine.) */
const decidedAfter = (r: HttpRequest) => began(r) + r.spec.totalMs;

/**
 * The request after the N-th on one pid is a violation once the worker was old enough to be recycled
 * when it decided after its previous request. The worker's spawn time is not observed; its first
 * request is a later bound, and `decidedAfter` an earlier bound on the decision, so this never blames
 * a worker that was still protected by min-worker-lifetime.
 */
function overServed(pid: number, list: HttpRequest[], e: Expectations): Violation | undefined {
  const first = began(list[0]);
  for (let j = e.maxRequests; j < list.length; j++) {
    const previous = list[j - 1];
    if (decidedAfter(previous) < first + e.minWorkerLifetimeMs) continue;
    const r = list[j];
    return {
      message: `worker ${pid} served ${list.length} requests, more than max-requests ${e.maxRequests}: request #${j + 1} (${r.spec.rid}) started after the worker had served ${j} and was older than min-worker-lifetime ${e.minWorkerLifetimeMs / 1000} s, so it should have been recycled`,
      ops: [r.index], time: r.start, detail: { pid, served: list.length },
    };
  }
  return undefined;
}

/** A request that should simply have succeeded (no deadline due, no fault) but did not: cut in
 *  flight by a recycle, or refused while a worker was respawning. */
function cutOrRefused(r: HttpRequest, e: Expectations, recycleTimes: { pid: number; at: number }[]): Violation | undefined {
  const deadline = Math.min(e.harakiriMs || Infinity, e.readTimeoutMs);
  if (r.status === 200 || r.spec.totalMs + queueDelay(r) > deadline - e.marginMs || r.clientTimeout) return undefined;
  const end = finished(r);
  const near = recycleTimes.find((x) => Math.abs(x.at - end) < 3000);
  const cause = near ? ` around the recycling of worker ${near.pid} at ${Math.round(near.at)} ms` : '';
  return { message: `${describe(r)} needed ${r.spec.totalMs} ms, within every deadline, yet was ${outcome(r)}${cause}: recycling must neither cut a request in flight nor refuse one during the respawn`, ops: [r.index, r.completeIndex].filter((i) => i >= 0), time: r.start };
}

export function checkRecycling(history: readonly Op[], opts?: Record<string, unknown>): CheckResult {
  const e = expectations(opts);
  const reqs = httpRequests(history);
  const byPid = perWorker(reqs);
  const workers = Object.fromEntries([...byPid].map(([pid, list]) => [pid, list.length]));
  if (e.maxRequests <= 0) return { checker: 'recycling', valid: true, summary: 'max-requests is off in this scenario; nothing to check', details: { workers, requests: requestTable(reqs) } };
  const windows = faultWindows(history);
  const violations: Violation[] = [];
  for (const [pid, list] of byPid) {
    const v = overServed(pid, list, e);
    if (v) violations.push(v);
  }
  const recycles = [...byPid].filter(([, list]) => list.length >= e.maxRequests).map(([pid, list]) => ({ pid, served: list.length, at: Math.round(finished(list[list.length - 1])) }));
  for (const r of reqs) {
    if (faultsDuring(r, windows).length || oversizedBlock(r, e)) continue;
    const v = cutOrRefused(r, e, recycles);
    if (v) violations.push(v);
  }
  const details = { maxRequests: e.maxRequests, minWorkerLifetimeMs: e.minWorkerLifetimeMs, workers, recycles, requests: requestTable(reqs) };
  if (violations.length) return { checker: 'recycling', valid: false, summary: violations[0].message + (violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''), violations, details };
  if (!recycles.length) return { checker: 'recycling', valid: 'unknown', summary: `no worker reached max-requests ${e.maxRequests}, so recycling was never exercised`, details };
  return { checker: 'recycling', valid: true, summary: `${byPid.size} worker pids served at most ${Math.max(...Object.values(workers))} requests each (max-requests ${e.maxRequests}); ${recycles.length} recycled, no request cut or refused`, details };
}

export const recyclingChecker: Checker = { name: 'recycling', check: checkRecycling };
