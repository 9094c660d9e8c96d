// Holds the configuration-watch recipe to what ZooKeeper promises, from the history alone (pure).
// - watch-once: a watch fires at most once per registration (a second `watch` event for the same
//   registration of the same process is a violation), and only after a change (a newer
//   configuration than the registration read was being written before it fired);
// - config-monotonic: within one session the configurations a client sees (watch-fed reads and
//   plain reads, in the order the session answered them) never go backwards, and nobody sees a
//   configuration nobody wrote;
// - config-convergence: after the heal every watcher's watch-fed view (final `view` op) equals the
//   last configuration written. Also measured: how long after a write was acknowledged each
//   watcher's view reached it (notification latency).
import type { Op, PairedOp } from '../../history/op.ts';
import { pairOps } from '../../history/pair.ts';
import type { Checker, CheckResult, Violation } from '../result.ts';

interface Seen { process: number | string; session: string; value: number; time: number; index: number; via: 'watch' | 'read'; registration?: number; seq?: number }

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Every configuration a client saw, with its session, in history order. */
export function sightings(history: readonly Op[]): Seen[] {
  const seen: Seen[] = [];
  for (const op of history) {
    if (op.type === 'event' && op.f === 'config') {
      const v = op.value as { value?: unknown; session?: unknown; registration?: unknown; seq?: unknown };
      const value = num(v?.value);
      if (value !== undefined) seen.push({ process: op.process, session: String(v.session), value, time: op.time, index: op.index, via: 'watch', registration: num(v.registration), seq: num(v.seq) });
    } else if (op.type === 'ok' && op.f === 'read') {
      const value = num(op.value);
      if (value !== undefined) seen.push({ process: op.process, session: String(op.meta?.session), value, time: op.time, index: op.index, via: 'read', seq: num(op.meta?.seq) });
    }
  }
  return seen;
}

/** Each session's sightings in the order the session answered them: by the client's issue number
 *  when it recorded one (a session answers in issue order; the history's record order can differ),
 *  else by history position. */
function bySession(seen: Seen[]): Map<string, Seen[]> {
  const groups = new Map<string, Seen[]>();
  for (const s of seen) {
    const key = `${s.process}/${s.session}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const g of groups.values()) g.sort((a, b) => (a.seq !== undefined && b.seq !== undefined ? a.seq - b.seq : a.index - b.index));
  return groups;
}

/** Every write that may have changed the configuration (ok or unknown), with its value and invoke
 *  time, sorted by invoke time, and the highest value written up to each. */
function writeStarts(history: readonly Op[]): { start: number; highest: number }[] {
  const byIndex = new Map(history.map((op) => [op.index, op]));
  const writes = pairOps(history).filter((w) => w.f === 'write' && w.type !== 'fail')
    .map((w) => ({ start: w.start, value: num(w.type === 'ok' ? w.value : byIndex.get(w.completeIndex)?.value) }))
    .filter((w): w is { start: number; value: number } => w.value !== undefined)
    .sort((a, b) => a.start - b.start);
  let highest = -Infinity;
  return writes.map((w) => ({ start: w.start, highest: (highest = Math.max(highest, w.value)) }));
}

/** The highest configuration any write begun before `time` may have set (-Infinity if none). */
function highestWrittenBefore(writes: { start: number; highest: number }[], time: number): number {
  let lo = 0;
  let hi = writes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (writes[mid].start < time) lo = mid + 1;
    else hi = mid;
  }
  return lo ? writes[lo - 1].highest : -Infinity;
}

/** A watch fires at most once per registration, and only for a change: some write of a newer
 *  configuration than the one its registration read must have begun before it fired (a server
 *  that notifies twice shows up here too, as the client library hands the second notification to
 *  the next registration). */
export function checkWatchOnce(history: readonly Op[]): CheckResult {
  const firings = new Map<string, Op[]>();
  for (const op of history) {
    if (op.type !== 'event' || op.f !== 'watch') continue;
    const v = op.value as { registration?: unknown; session?: unknown };
    const key = `${op.process}/${String(v?.session)}/${String(v?.registration)}`;
    firings.set(key, [...(firings.get(key) ?? []), op]);
  }
  const registeredAt = new Map(sightings(history).filter((s) => s.via === 'watch').map((s) => [`${s.process}/${s.session}/${s.registration}`, s]));
  const writes = writeStarts(history);
  const violations: Violation[] = [];
  for (const [key, ops] of firings) {
    const [process, session, registration] = key.split('/');
    if (ops.length > 1) violations.push({ message: `watch registration ${registration} of process ${process} (session ${session}) fired ${ops.length} times: a watch fires at most once per registration`, ops: ops.map((o) => o.index), time: ops[1].time });
    const read = registeredAt.get(key);
    if (read && highestWrittenBefore(writes, ops[0].time) <= read.value) {
      violations.push({ message: `watch registration ${registration} of process ${process} (session ${session}) fired although no configuration newer than the ${read.value} it read had been written: a notification without a change`, ops: [read.index, ops[0].index], time: ops[0].time });
    }
  }
  const total = [...firings.values()].reduce((n, ops) => n + ops.length, 0);
  const details = { registrationsFired: firings.size, firings: total };
  if (violations.length) return { checker: 'watch-once', valid: false, summary: `${violations.length} watch firings broke once-per-registration-and-change (first: ${violations[0].message})`, violations: violations.slice(0, 100), details };
  return { checker: 'watch-once', valid: true, summary: `${total} firings, each of a different registration and after a newer configuration was written`, details };
}

function writesOf(history: readonly Op[]): { ok: PairedOp[]; maybe: Set<number> } {
  const writes = pairOps(history).filter((o) => o.f === 'write');
  const ok = writes.filter((w) => w.type === 'ok' && num(w.value) !== undefined);
  const maybe = new Set<number>([0, ...writes.filter((w) => w.type !== 'fail').map((w) => num(w.type === 'ok' ? w.value : w.invokeValue)).filter((v): v is number => v !== undefined)]);
  // an info write's value is only in the completion record; pairOps drops it for info
  for (const op of history) if (op.f === 'write' && op.type === 'info' && num(op.value) !== undefined) maybe.add(op.value as number);
  return { ok, maybe };
}

/** Within a session the configuration never goes backwards; every configuration seen was written. */
export function checkConfigMonotonic(history: readonly Op[]): CheckResult {
  const { maybe } = writesOf(history);
  const violations: Violation[] = [];
  const seen = sightings(history);
  for (const s of seen) if (!maybe.has(s.value)) violations.push({ message: `process ${s.process} saw configuration ${s.value}, which no writer wrote`, ops: [s.index], time: s.time });
  const sessions = bySession(seen);
  for (const group of sessions.values()) {
    let highest: Seen | undefined;
    for (const s of group) {
      if (highest && s.value < highest.value) {
        violations.push({ message: `process ${s.process} saw configuration ${s.value} (${s.via}) after ${highest.value} (${highest.via}) in the same session ${s.session}: it went backwards`, ops: [highest.index, s.index], time: s.time });
      }
      if (!highest || s.value >= highest.value) highest = s;
    }
  }
  const details = { sightings: seen.length, sessions: sessions.size, watchFed: seen.filter((s) => s.via === 'watch').length };
  if (violations.length) return { checker: 'config-monotonic', valid: false, summary: `configuration went backwards or was invented ${violations.length} times (first: ${violations[0].message})`, violations: violations.slice(0, 100), details };
  return { checker: 'config-monotonic', valid: true, summary: `${seen.length} sightings in ${sessions.size} sessions, never backwards`, details };
}

/** After the heal every watcher's watch-fed view is the last configuration written. */
export function checkConfigConvergence(history: readonly Op[]): CheckResult {
  const { ok, maybe } = writesOf(history);
  const seen = sightings(history);
  const views = pairOps(history).filter((o) => o.f === 'view');
  const candidates = [...ok.map((w) => w.value as number), ...seen.map((s) => s.value), ...views.map((v) => num(v.meta?.serverHolds) ?? 0)].filter((v) => maybe.has(v));
  const lastWritten = candidates.length ? Math.max(...candidates) : 0;
  const rows = views.map((v) => ({ process: v.process, view: v.type === 'ok' ? v.value : null, serverHolds: v.meta?.serverHolds, lastWritten, viewed: v.type === 'ok', converged: v.type === 'ok' && v.value === lastWritten, op: v.invokeIndex, error: v.error }));
  const details = { lastWritten, writesAcknowledged: ok.length, views: rows, ...notificationLatency(ok, seen) };
  if (!views.length) return { checker: 'config-convergence', valid: 'unknown', summary: 'no watcher took a final view, so convergence cannot be judged', details };
  const stuck = rows.filter((r) => r.viewed && !r.converged);
  if (stuck.length) {
    const violations = stuck.map((r) => ({ message: `watcher ${r.process} ended with configuration ${r.view === null ? 'none' : String(r.view)} after the heal, not the last written ${lastWritten}: its watches stopped delivering`, ops: [r.op] }));
    return { checker: 'config-convergence', valid: false, summary: `${stuck.length} of ${rows.length} watchers did not converge to the last configuration ${lastWritten} (first: ${violations[0].message})`, violations, details };
  }
  const blind = rows.filter((r) => !r.converged);
  if (blind.length) return { checker: 'config-convergence', valid: 'unknown', summary: `${blind.length} of ${rows.length} watchers could not take a final view (${blind[0].error ?? 'no configuration seen'}), so their convergence cannot be judged`, details };
  return { checker: 'config-convergence', valid: true, summary: `all ${rows.length} watchers converged to the last configuration ${lastWritten}`, details };
}

/** For each acknowledged write and each watcher, the time from the write's acknowledgement until
 *  that watcher's watch-fed view reached it (or a later configuration). */
function notificationLatency(ok: PairedOp[], seen: Seen[]): { notificationLatencyMs?: { median: number; p99: number; max: number; samples: number } } {
  const byWatcher = new Map<string, Seen[]>();
  for (const s of seen) if (s.via === 'watch') byWatcher.set(String(s.process), [...(byWatcher.get(String(s.process)) ?? []), s]);
  const lat: number[] = [];
  for (const w of ok) {
    for (const sightings of byWatcher.values()) {
      if (sightings[0].time > w.end) continue; // this watcher started after the write
      const reached = sightings.find((s) => s.value >= (w.value as number));
      if (reached) lat.push(Math.max(0, reached.time - w.end));
    }
  }
  if (!lat.length) return {};
  lat.sort((a, b) => a - b);
  const at = (q: number) => Math.round(lat[Math.min(lat.length - 1, Math.floor(q * lat.length))]);
  return { notificationLatencyMs: { median: at(0.5), p99: at(0.99), max: Math.round(lat[lat.length - 1]), samples: lat.length } };
}

export function configCheckers(): Checker[] {
  return [
    { name: 'watch-once', check: (history) => checkWatchOnce(history) },
    { name: 'config-monotonic', check: (history) => checkConfigMonotonic(history) },
    { name: 'config-convergence', check: (history) => checkConfigConvergence(history) },
  ];
}
