// Holds the barrier recipe to what ZooKeeper promises, from the history alone (pure functions).
// - barrier-safety: nobody passes a round before all N participants joined it. A join may take
//   effect any time after its invoke (an ok join before its answer arrives, an info join perhaps
//   never), so a pass is a violation when some participant had not even begun a join of that round
//   (ok or info) by the time the pass completed; and a participant that reports passing on a count
//   of fewer than N is a violation by its own account.
// - barrier-liveness: after the heal, every participant passes the final barrier within its wait.
// Measured: per round, the time from the last join's acknowledgement to each pass (release time).
import type { Op, PairedOp } from '../../history/op.ts';
import { pairOps } from '../../history/pair.ts';
import type { Checker, CheckResult, Violation } from '../result.ts';

const FINAL = 'final';

interface Join { participant: number; round: string; start: number; end: number; type: PairedOp['type']; op: number }
interface Pass { participant: number; round: string; time: number; seen: number; via: string; op: number; process: number | string; final: boolean }

const participantOf = (op: PairedOp): number | undefined => {
  const p = (op.invokeValue as { participant?: unknown } | null)?.participant;
  return typeof p === 'number' ? p : undefined;
};

export function barrierFacts(history: readonly Op[]): { joins: Join[]; passes: Pass[]; finalAwaits: (PairedOp & { participant: number })[] } {
  const joins: Join[] = [];
  const passes: Pass[] = [];
  const finalAwaits: (PairedOp & { participant: number })[] = [];
  for (const op of pairOps(history)) {
    const participant = participantOf(op);
    const round = typeof op.meta?.round === 'string' ? op.meta.round : undefined;
    if (participant === undefined) continue;
    if (op.f === 'join' && round) joins.push({ participant, round, start: op.start, end: op.end, type: op.type, op: op.invokeIndex });
    if (op.f !== 'await') continue;
    const final = (op.invokeValue as { final?: boolean }).final === true;
    if (final) finalAwaits.push({ ...op, participant });
    if (op.type === 'ok' && round) passes.push({ participant, round, time: op.end, seen: Number(op.meta?.seen), via: String(op.meta?.via), op: op.invokeIndex, process: op.process, final });
  }
  return { joins, passes, finalAwaits };
}

/** The earliest moment each participant may have joined each round (invoke of an ok/info join). */
function joinStarts(joins: Join[]): Map<string, Map<number, Join>> {
  const byRound = new Map<string, Map<number, Join>>();
  for (const j of joins) {
    if (j.type === 'fail') continue;
    const round = byRound.get(j.round) ?? new Map<number, Join>();
    byRound.set(j.round, round);
    const before = round.get(j.participant);
    if (!before || j.start < before.start) round.set(j.participant, j);
  }
  return byRound;
}

export function checkBarrierSafety(history: readonly Op[], participants: number): CheckResult {
  const { joins, passes } = barrierFacts(history);
  const starts = joinStarts(joins);
  const violations: Violation[] = [];
  for (const pass of passes) {
    const round = starts.get(pass.round) ?? new Map<number, Join>();
    const missing = Array.from({ length: participants }, (_, q) => q).filter((q) => !round.has(q) || round.get(q)!.start > pass.time);
    if (missing.length) {
      const q = missing[0];
      const late = round.get(q);
      violations.push({
        message: `participant ${pass.participant} passed barrier ${pass.round} before participant ${q} had joined it (${late ? `its join began ${Math.round(late.start - pass.time)} ms after the pass` : 'it never joined'}${missing.length > 1 ? `; ${missing.length} participants missing` : ''})`,
        ops: [pass.op, ...(late ? [late.op] : [])], time: pass.time,
      });
    } else if (pass.via === 'count' && pass.seen < participants) {
      violations.push({ message: `participant ${pass.participant} passed barrier ${pass.round} having seen only ${pass.seen} of ${participants} participants`, ops: [pass.op], time: pass.time });
    }
  }
  const rounds = roundRows(joins, passes, participants);
  const details = { participants, rounds: rounds.slice(-200), roundsReleased: rounds.filter((r) => r.passes > 0).length, passes: passes.length, joins: joins.length, ...releaseSummary(rounds) };
  if (violations.length) {
    const early = violations.filter((v) => v.message.includes('before participant')).length;
    const kinds = [early && `${early} passes before every participant had begun joining`, violations.length - early && `${violations.length - early} passes on a count of fewer than ${participants}`].filter(Boolean).join(', ');
    return { checker: 'barrier-safety', valid: false, summary: `barrier let participants through early: ${kinds} (first: ${violations[0].message})`, violations: violations.slice(0, 100), details };
  }
  return { checker: 'barrier-safety', valid: true, summary: `${passes.length} passes over ${details.roundsReleased} rounds, each after all ${participants} participants joined`, details };
}

type RoundRow = { round: string; joins: number; passes: number; lastJoinAckAt: number | null; firstPassAt: number | null; releaseMs: number | null };

/** Per round: joins, passes, and the time from the last join acknowledgement to the first pass. */
function roundRows(joins: Join[], passes: Pass[], participants: number): RoundRow[] {
  const rows = new Map<string, RoundRow>();
  const row = (round: string) => rows.get(round) ?? rows.set(round, { round, joins: 0, passes: 0, lastJoinAckAt: null, firstPassAt: null, releaseMs: null }).get(round)!;
  const acked = new Map<string, Map<number, number>>();
  for (const j of joins) {
    row(j.round).joins++;
    if (j.type !== 'ok') continue;
    const m = acked.get(j.round) ?? new Map<number, number>();
    acked.set(j.round, m);
    m.set(j.participant, Math.min(m.get(j.participant) ?? Infinity, j.end));
  }
  for (const p of passes) {
    const r = row(p.round);
    r.passes++;
    r.firstPassAt = Math.min(r.firstPassAt ?? Infinity, p.time);
  }
  for (const r of rows.values()) {
    const m = acked.get(r.round);
    if (m && m.size === participants) r.lastJoinAckAt = Math.max(...m.values());
    if (r.lastJoinAckAt !== null && r.firstPassAt !== null) r.releaseMs = Math.round(r.firstPassAt - r.lastJoinAckAt);
  }
  const order = (round: string) => (round === FINAL ? Infinity : Number(round.slice(1)));
  return [...rows.values()].sort((a, b) => order(a.round) - order(b.round));
}

function releaseSummary(rows: RoundRow[]): { releaseMs?: { median: number; max: number; rounds: number } } {
  const ms = rows.map((r) => r.releaseMs).filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (!ms.length) return {};
  return { releaseMs: { median: ms[Math.floor(ms.length / 2)], max: ms[ms.length - 1], rounds: ms.length } };
}

/** After the heal every participant passes the final barrier. */
export function checkBarrierLiveness(history: readonly Op[], participants: number): CheckResult {
  const { finalAwaits } = barrierFacts(history);
  const passed = new Set(finalAwaits.filter((a) => a.type === 'ok').map((a) => a.participant));
  const rows = Array.from({ length: participants }, (_, q) => {
    const mine = finalAwaits.filter((a) => a.participant === q);
    const ok = mine.find((a) => a.type === 'ok');
    return { participant: q, passed: passed.has(q), awaits: mine.length, passedAt: ok?.end ?? null, error: mine.find((a) => a.type !== 'ok')?.error, ops: mine.map((a) => a.invokeIndex) };
  });
  const details = { participants, final: rows };
  if (!finalAwaits.length) return { checker: 'barrier-liveness', valid: 'unknown', summary: 'no participant reached the final barrier, so liveness cannot be judged', details };
  const stuck = rows.filter((r) => !r.passed);
  if (stuck.length) {
    const violations = stuck.map((r) => ({ message: `participant ${r.participant} did not pass the final barrier after the heal${r.error ? ` (${r.error})` : ''}`, ops: r.ops }));
    return { checker: 'barrier-liveness', valid: false, summary: `${stuck.length} of ${participants} participants did not pass the final barrier after the heal (first: ${violations[0].message})`, violations, details };
  }
  return { checker: 'barrier-liveness', valid: true, summary: `all ${participants} participants passed the final barrier after the heal`, details };
}

export function barrierCheckers(o: { participants: number }): Checker[] {
  return [
    { name: 'barrier-safety', check: (history) => checkBarrierSafety(history, o.participants) },
    { name: 'barrier-liveness', check: (history) => checkBarrierLiveness(history, o.participants) },
  ];
}
