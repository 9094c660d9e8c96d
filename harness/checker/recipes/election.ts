// Checker for the ZooKeeper leader-election recipe (lowest ephemeral-sequential candidate leads), a
// pure function over a history of `leader` events (who each candidate believes leads, recorded when
// its belief changes), `resign` ops, the final `view` op of every candidate after the heal, and
// session events. What it holds the recipe to (DESIGN.md):
// - at most one leader per moment among LIVE sessions (a candidate whose session already expired
//   may still believe it leads: that is reported as a stale claim, not as two leaders);
// - a candidate told that its session expired stops claiming leadership at once;
// - after the leader's session ends (or it resigns), a new leader within session timeout + an
//   election bound — measured, and listed as failover times;
// - after the heal, every candidate's view converges on one leader, which knows it leads.
import type { Op } from '../../history/op.ts';
import { pairOps } from '../../history/pair.ts';
import type { CheckResult, Checker, Violation } from '../result.ts';
import { endOf, secs, sessionEnds, type SessionEnd } from './sessions.ts';

/** Value of a `leader` event. */
export interface LeaderBelief {
  leader: string | null;
  self?: boolean;
  session?: string;
  /** Why the belief changed: 'resign', 'disconnected', 'expired', 'watch', 'joined', ... */
  reason?: string;
}

export interface LeaderTerm {
  leader: string;
  process: number | string;
  session?: string;
  from: number;
  /** When the candidate stopped believing it leads (null = to the end). */
  to: number | null;
  /** End of the part during which its session was surely live. */
  liveTo: number | null;
  ended: 'resigned' | 'stepped down' | 'session-expired' | 'session-closed' | 'leading at end';
  sessionEnd?: SessionEnd;
  op: number;
}

export interface ElectionOptions {
  sessionTimeoutMs: number;
  /** Time ZooKeeper and the recipe may take on top of the session timeout to seat a new leader. */
  electionBoundMs: number;
}

const GRACE_MS = 100;
const fin = (t: number | null) => (t === null ? Infinity : t);

/** Each stretch during which a candidate believed it was the leader. */
export function termsOf(history: readonly Op[]): LeaderTerm[] {
  const ends = sessionEnds(history);
  const open = new Map<number | string, LeaderTerm>();
  const terms: LeaderTerm[] = [];
  const close = (t: LeaderTerm, at: number, ended: LeaderTerm['ended']) => {
    Object.assign(t, { to: at, liveTo: at, ended });
    open.delete(t.process);
  };
  for (const op of history) {
    if (op.type !== 'event' || op.f !== 'leader') continue;
    const b = (op.value ?? {}) as LeaderBelief;
    const current = open.get(op.process);
    if (current && b.self && b.session === current.session) continue;
    if (current) close(current, op.time, b.reason === 'resign' ? 'resigned' : 'stepped down');
    if (b.self && b.leader) {
      const term: LeaderTerm = { leader: b.leader, process: op.process, session: b.session, from: op.time, to: null, liveTo: null, ended: 'leading at end', op: op.index };
      open.set(op.process, term);
      terms.push(term);
    }
  }
  for (const t of terms) applySessionEnd(t, endOf(ends, t.process, t.session, t.from));
  return terms.sort((a, b) => a.from - b.from);
}

/** A term outlived by its session: live only until the session was lost. */
function applySessionEnd(t: LeaderTerm, e: SessionEnd | undefined): void {
  if (!e || e.liveUntil > fin(t.to)) return;
  t.sessionEnd = e;
  t.liveTo = e.liveUntil;
  // a term still believed to the end keeps to = null: the candidate never let go of it
  if (t.to === null || e.learnedAt <= t.to + GRACE_MS) t.ended = e.how === 'expired' ? 'session-expired' : 'session-closed';
}

function twoLiveLeaders(terms: LeaderTerm[]): Violation[] {
  const out: Violation[] = [];
  for (let i = 0; i < terms.length; i++) {
    for (let j = i + 1; j < terms.length; j++) {
      const [a, b] = [terms[i], terms[j]];
      if (a.leader === b.leader) continue;
      const from = Math.max(a.from, b.from), to = Math.min(fin(a.liveTo), fin(b.liveTo));
      if (from < to) out.push({ message: `${a.leader} and ${b.leader} both led from ${secs(from)} to ${to === Infinity ? 'the end' : secs(to)} while both their sessions were live`, ops: [a.op, b.op], time: from });
    }
  }
  return out;
}

/** Claims that went on after the candidate was told its session had expired (a recipe bug). */
function staleClaims(history: readonly Op[], terms: LeaderTerm[]): Violation[] {
  const ends = sessionEnds(history);
  return terms.flatMap((t) => {
    const e = endOf(ends, t.process, t.session, t.from);
    if (!e || e.how !== 'expired' || fin(t.to) <= e.learnedAt + GRACE_MS) return [];
    const more = t.to === null ? 'until the end of the run' : `for ${secs(t.to - e.learnedAt)}`;
    return [{ message: `${t.leader} kept claiming leadership ${more} after it was told at ${secs(e.learnedAt)} that its session ${e.session} had expired`, ops: [t.op, e.eventIndex], time: e.learnedAt }];
  });
}

export interface Failover { previous: string; next: string | null; from: number; to: number | null; failoverMs: number | null; cause: string }

/** Gaps between one leader's (live) term and the next leader seated after it. */
function failoversOf(terms: LeaderTerm[], endOfMain: number): Failover[] {
  const out: Failover[] = [];
  for (const t of terms) {
    // sessions closed when the run ends are no failover
    if (t.liveTo === null || t.liveTo >= endOfMain || !(t.ended === 'resigned' || t.sessionEnd)) continue;
    const cause = t.sessionEnd ? `session ${t.sessionEnd.how}` : t.ended;
    const next = terms.find((n) => n !== t && n.from >= t.liveTo! - GRACE_MS && !(n.process === t.process && n.session === t.session));
    if (next) out.push({ previous: t.leader, next: next.leader, from: t.liveTo, to: next.from, failoverMs: Math.max(0, Math.round(next.from - t.liveTo)), cause });
    else out.push({ previous: t.leader, next: null, from: t.liveTo, to: null, failoverMs: null, cause: `${cause}; no new leader by ${secs(endOfMain)}` });
  }
  return out;
}

function slowFailovers(failovers: Failover[], o: ElectionOptions, endOfMain: number): Violation[] {
  const bound = o.sessionTimeoutMs + o.electionBoundMs;
  return failovers.flatMap((f) => {
    const took = f.failoverMs ?? endOfMain - f.from;
    if (took <= bound) return [];
    const what = f.next ? `${f.next} led only ${secs(took)} later` : `no candidate led for the remaining ${secs(took)} of the run`;
    return [{ message: `after ${f.previous} stopped leading (${f.cause}) at ${secs(f.from)}, ${what}: over the bound of ${secs(bound)} (session timeout + election bound)`, time: f.from }];
  });
}

/** After the heal, every candidate's final view must name the same leader, which knows it leads. */
function divergentViews(history: readonly Op[]): { violations: Violation[]; views: { process: number | string; leader: string | null; ok: boolean }[] } {
  const views = pairOps(history).filter((o) => o.f === 'view').map((o) => ({ process: o.process, leader: o.type === 'ok' ? ((o.value as { leader?: string | null })?.leader ?? null) : null, ok: o.type === 'ok', op: o.invokeIndex, error: o.error }));
  if (views.length === 0) return { violations: [], views: [] };
  const named = new Set(views.map((v) => v.leader));
  const violations: Violation[] = [];
  const listing = views.map((v) => `p${v.process}→${v.leader ?? (v.ok ? 'none' : `unknown (${v.error ?? 'no answer'})`)}`).join(', ');
  if (named.size > 1 || named.has(null)) violations.push({ message: `after the heal the candidates' views did not converge: ${listing}`, ops: views.map((v) => v.op) });
  return { violations, views: views.map(({ process, leader, ok }) => ({ process, leader, ok })) };
}

/** When the main phase ended: the first final `view` invoke (or the end of the history). */
function mainPhaseEnd(history: readonly Op[]): number {
  const firstView = history.find((o) => o.type === 'invoke' && o.f === 'view');
  return firstView?.time ?? history.at(-1)?.time ?? 0;
}

export function checkElection(history: readonly Op[], o: ElectionOptions): CheckResult {
  const terms = termsOf(history);
  const endOfMain = mainPhaseEnd(history);
  const failovers = failoversOf(terms, endOfMain);
  const { violations: viewViolations, views } = divergentViews(history);
  const violations = [...twoLiveLeaders(terms), ...staleClaims(history, terms), ...slowFailovers(failovers, o, endOfMain), ...viewViolations];
  const times = failovers.map((f) => f.failoverMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
  const details = {
    leaders: terms.map((t) => ({ leader: t.leader, process: t.process, from: t.from, to: t.liveTo, believedUntil: t.to, session: t.session ?? null, ended: t.ended, op: t.op })),
    failovers,
    failoverMsMax: times.at(-1) ?? null,
    failoverMsMedian: times.length ? times[Math.floor(times.length / 2)] : null,
    boundMs: o.sessionTimeoutMs + o.electionBoundMs,
    finalViews: views,
  };
  const metrics = times.length ? { failoverMsMax: times.at(-1)!, failoverMsMedian: details.failoverMsMedian! } : undefined;
  if (violations.length) return { checker: 'leader-election', valid: false, summary: violations[0].message + (violations.length > 1 ? ` (+${violations.length - 1} more)` : ''), violations: violations.slice(0, 100), details, ...(metrics ? { metrics } : {}) };
  const converged = views.length ? `; all ${views.length} candidates agree on ${views[0].leader} after the heal` : '';
  const fo = times.length ? `; ${times.length} failovers, longest ${secs(times.at(-1)!)}` : '';
  return { checker: 'leader-election', valid: true, summary: `${terms.length} terms, never two live leaders${fo}${converged}`, details, ...(metrics ? { metrics } : {}) };
}

export function electionChecker(defaults: ElectionOptions): Checker {
  return {
    name: 'leader-election',
    check: (history, opts) => checkElection(history, {
      sessionTimeoutMs: Number(opts?.sessionTimeoutMs ?? defaults.sessionTimeoutMs),
      electionBoundMs: Number(opts?.electionBoundMs ?? defaults.electionBoundMs),
    }),
  };
}
