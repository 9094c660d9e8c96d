// Checkers for the ZooKeeper lock recipe (ephemeral-sequential children, lowest holds), pure
// functions over a history of acquire / use / release ops and session events. They hold the recipe
// to what ZooKeeper promises and keep apart what it does not:
// - lock-safety: no two LIVE sessions hold the lock at once (a real violation of ZooKeeper or of the
//   recipe). A holder whose session expired has lost the lock even if it does not know yet.
// - lock-fencing: overlaps caused by such an expired-but-unaware holder, reported as fencing hazards
//   with the fencing token (the lock node's czxid) and what the token-guarded resource did with the
//   stale holder's writes. Invalid only if fencing itself broke: the resource accepted a token lower
//   than one it had accepted before, or a later acquisition got a lower token than an earlier one.
// - mutex linearizability over acquire/release, with a session's expiry counted as a release that
//   took effect between its disconnect and the moment its client learned of it.
import type { Op, PairedOp } from '../../history/op.ts';
import { pairOps } from '../../history/pair.ts';
import { checkLinearizability } from '../linearizability.ts';
import { mutex } from '../models/mutex.ts';
import type { CheckResult, Checker, Violation } from '../result.ts';
import { endOf, secs, sessionEnds, type SessionEnd } from './sessions.ts';

/** What an ok acquire carries in its meta. */
export interface AcquireMeta { token?: number; session?: string; lockNode?: string }

/** One stretch during which a client believed it held the lock. */
export interface Hold {
  process: number | string;
  session?: string;
  token?: number;
  lockNode?: string;
  /** ok acquire → release invoke, or until the client learned its session ended, or the end (null). */
  from: number;
  to: number | null;
  /** End of the part during which its session was surely live (≤ to); null = live to the end. */
  liveTo: number | null;
  ended: 'released' | 'session-expired' | 'session-closed' | 'held at end';
  acquireOp: number;
  endOp?: number;
  /** Set when the session ended (expired / closed) before a release was known to be done. */
  sessionEnd?: SessionEnd;
}

const end = (t: number | null) => (t === null ? Infinity : t);

/** Every hold in the history, in order of acquisition. */
export function holdsOf(history: readonly Op[]): Hold[] {
  const ops = pairOps(history);
  const ends = sessionEnds(history);
  const holds: Hold[] = [];
  for (const acq of ops) {
    if (acq.f !== 'acquire' || acq.type !== 'ok') continue;
    const meta = (acq.meta ?? {}) as AcquireMeta;
    // this hold's release: the first one that may have let go, before the process acquired again
    const nextAcquire = ops.find((o) => o.process === acq.process && o.f === 'acquire' && o.type === 'ok' && o.start >= acq.end);
    const release = ops.find((o) => o.process === acq.process && o.f === 'release' && o.start >= acq.end && o.type !== 'fail' && o.start < (nextAcquire?.start ?? Infinity));
    const sessionEnd = endOf(ends, acq.process, meta.session, acq.end);
    const hold: Hold = { process: acq.process, session: meta.session, token: meta.token, lockNode: meta.lockNode, from: acq.end, to: null, liveTo: null, ended: 'held at end', acquireOp: acq.invokeIndex };
    const releasedAt = release && (!sessionEnd || release.start <= sessionEnd.learnedAt) ? release.start : undefined;
    if (releasedAt !== undefined) Object.assign(hold, { to: releasedAt, liveTo: releasedAt, ended: 'released', endOp: release!.invokeIndex });
    if (sessionEnd) {
      // the session ended before the release was surely done: the expiry (or close) released it
      hold.sessionEnd = releasedAt !== undefined && release!.type === 'ok' ? undefined : sessionEnd;
      if (releasedAt === undefined) Object.assign(hold, { to: sessionEnd.learnedAt, ended: sessionEnd.how === 'expired' ? 'session-expired' : 'session-closed', endOp: sessionEnd.eventIndex });
      hold.liveTo = Math.min(end(hold.liveTo), sessionEnd.liveUntil);
    }
    holds.push(hold);
  }
  return holds.sort((a, b) => a.from - b.from);
}

const label = (h: Hold) => `process ${h.process}${h.token !== undefined ? ` (token ${h.token})` : ''}`;

/** Pairs of holds by different processes whose [from, to] overlap, with the overlapping stretch. */
function overlaps(holds: Hold[], span: (h: Hold) => [number, number]): { a: Hold; b: Hold; from: number; to: number }[] {
  const out: { a: Hold; b: Hold; from: number; to: number }[] = [];
  for (let i = 0; i < holds.length; i++) {
    for (let j = i + 1; j < holds.length; j++) {
      const [a, b] = [holds[i], holds[j]];
      if (a.process === b.process) continue;
      const [af, at] = span(a), [bf, bt] = span(b);
      const from = Math.max(af, bf), to = Math.min(at, bt);
      if (from < to) out.push({ a, b, from, to });
    }
  }
  return out;
}

const liveSpan = (h: Hold): [number, number] => [h.from, end(h.liveTo)];
const believedSpan = (h: Hold): [number, number] => [h.from, end(h.to)];

/** The report's `holders` lanes: each hold while its session was surely live. */
function holderRows(holds: Hold[]) {
  return holds.map((h) => ({ process: h.process, from: h.from, to: h.liveTo, token: h.token ?? null, session: h.session ?? null, ended: h.ended, op: h.acquireOp }));
}

export function checkLockSafety(history: readonly Op[]): CheckResult {
  const holds = holdsOf(history);
  const both = overlaps(holds, liveSpan);
  const violations: Violation[] = both.slice(0, 100).map(({ a, b, from, to }) => ({
    message: `${label(a)} and ${label(b)} both held the lock from ${secs(from)} to ${to === Infinity ? 'the end' : secs(to)} while both their sessions were live`,
    ops: [a.acquireOp, b.acquireOp], time: from,
    detail: { first: a.lockNode ?? null, second: b.lockNode ?? null },
  }));
  const details = { holders: holderRows(holds), holds: holds.length, doubleHolds: both.length };
  if (both.length === 0) return { checker: 'lock-safety', valid: true, summary: `${holds.length} holds, never two live sessions at once`, details };
  return { checker: 'lock-safety', valid: false, summary: `two live sessions held the lock at once (${both.length} times): ${violations[0].message}`, violations, details };
}

/** A `use` op: a write to the resource guarded by the fencing token. */
interface UseOp { op: PairedOp; token?: number; accepted: boolean; highest?: number }

function usesOf(history: readonly Op[]): UseOp[] {
  return pairOps(history).filter((o) => o.f === 'use' && o.type !== 'info').map((op) => {
    const m = (op.meta ?? {}) as { token?: number; highest?: number };
    return { op, token: m.token, accepted: op.type === 'ok', highest: m.highest };
  });
}

/** Overlaps of believed holds where one side's session had already ended — not a ZooKeeper
 *  violation, the hazard fencing tokens exist for — one entry per stale hold, with what the
 *  token-guarded resource did with its writes while others held the lock. */
function hazardsOf(holds: Hold[], uses: UseOp[]) {
  const live = new Set(overlaps(holds, liveSpan).map((o) => `${o.a.acquireOp}/${o.b.acquireOp}`));
  const byStale = new Map<Hold, { fresh: Hold; from: number; to: number }[]>();
  for (const { a, b, from, to } of overlaps(holds, believedSpan)) {
    if (live.has(`${a.acquireOp}/${b.acquireOp}`)) continue;
    const [stale, fresh] = end(a.liveTo) <= from ? [a, b] : [b, a];
    byStale.set(stale, [...(byStale.get(stale) ?? []), { fresh, from, to }]);
  }
  return [...byStale].map(([stale, others]) => {
    const from = Math.min(...others.map((o) => o.from)), to = Math.max(...others.map((o) => o.to));
    const staleUses = uses.filter((u) => u.op.process === stale.process && u.token === stale.token && u.op.end >= from && u.op.end <= to);
    const rejected = staleUses.filter((u) => !u.accepted);
    const first = others[0].fresh;
    return {
      process: stale.process, token: stale.token ?? null, session: stale.session ?? null,
      sessionLostAt: stale.liveTo, learnedAt: stale.to,
      newHolder: first.process, newToken: first.token ?? null, newHolds: others.length,
      from, to: to === Infinity ? null : to,
      staleWritesAccepted: staleUses.length - rejected.length, staleWritesRejected: rejected.length,
      evidence: rejected[0] ? `the resource rejected token ${stale.token}: ${rejected[0].op.error ?? 'fenced'}` : null,
      ops: [stale.acquireOp, first.acquireOp, ...rejected.slice(0, 5).map((u) => u.op.invokeIndex)],
    };
  });
}

export function checkLockFencing(history: readonly Op[]): CheckResult {
  const holds = holdsOf(history);
  const uses = usesOf(history);
  const violations: Violation[] = [];
  let highest: UseOp | undefined;
  for (const u of [...uses].filter((x) => x.accepted).sort((x, y) => x.op.end - y.op.end)) {
    if (highest?.token !== undefined && u.token !== undefined && u.token < highest.token) {
      violations.push({ message: `the resource accepted token ${u.token} from process ${u.op.process} after it had accepted token ${highest.token}`, ops: [highest.op.invokeIndex, u.op.invokeIndex], time: u.op.end });
    }
    if (!highest || (u.token ?? -Infinity) > (highest.token ?? -Infinity)) highest = u;
  }
  holds.forEach((h, i) => {
    const prev = holds[i - 1];
    if (prev?.token !== undefined && h.token !== undefined && h.token <= prev.token) {
      violations.push({ message: `${label(h)} acquired after ${label(prev)} with a token that is not higher: the lock was not granted in queue order`, ops: [prev.acquireOp, h.acquireOp], time: h.from });
    }
  });
  const hazards = hazardsOf(holds, uses);
  const rejected = uses.filter((u) => !u.accepted).length;
  const details = { hazards, writes: uses.length, rejectedWrites: rejected, believedHolds: holds.map((h) => ({ process: h.process, from: h.from, to: h.to, liveTo: h.liveTo, token: h.token ?? null, ended: h.ended })) };
  if (violations.length) return { checker: 'lock-fencing', valid: false, summary: violations[0].message, violations: violations.slice(0, 100), details };
  const summary = hazards.length === 0
    ? `no fencing hazards; ${uses.length} guarded writes, tokens increased with every acquisition`
    : `${hazards.length} fencing hazard(s) (not ZooKeeper violations): a holder whose session had expired still believed it held the lock while ${hazards.reduce((n, h) => n + h.newHolds, 0)} newer hold(s) happened; the token-guarded resource rejected ${hazards.reduce((n, h) => n + h.staleWritesRejected, 0)} stale write(s)`;
  return { checker: 'lock-fencing', valid: true, summary, details };
}

/** acquire/release plus, for each hold that ended in session expiry, a release that took effect
 *  somewhere between the disconnect and the client learning of the expiry. */
export function mutexHistory(history: readonly Op[]): Op[] {
  const kept = history.filter((op) => op.type !== 'event' && (op.f === 'acquire' || op.f === 'release'));
  const synthetic: Op[] = [];
  for (const h of holdsOf(history)) {
    const e = h.sessionEnd;
    if (!e || e.how !== 'expired') continue;
    const process = `expiry of ${h.process}/${e.session}`;
    synthetic.push(
      { index: e.lossIndex + 0.25, time: e.liveUntil, process, type: 'invoke', f: 'release', value: null, meta: { synthetic: 'session expiry' } },
      { index: e.eventIndex + 0.25, time: e.learnedAt, process, type: 'ok', f: 'release', value: null, meta: { synthetic: 'session expiry' } },
    );
  }
  return [...kept, ...synthetic].sort((a, b) => a.index - b.index);
}

export function checkMutex(history: readonly Op[], timeLimitS = 30): CheckResult {
  const result = checkLinearizability(mutex, mutexHistory(history), { timeLimitS });
  return { ...result, checker: 'mutex-linearizable' };
}

export const lockSafetyChecker: Checker = { name: 'lock-safety', check: (h) => checkLockSafety(h) };
export const lockFencingChecker: Checker = { name: 'lock-fencing', check: (h) => checkLockFencing(h) };
export const mutexChecker: Checker = { name: 'mutex-linearizable', check: (h) => checkMutex(h) };
