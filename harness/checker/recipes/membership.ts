// Holds the group-membership recipe to what ZooKeeper promises about ephemeral nodes, from the
// history alone (pure functions):
// - membership-removal: a member whose session ended is no longer listed once the promise's bound
//   has passed — killed (or expired) members within session timeout + bound of the kill, members
//   that closed their session within a small bound of the close, and members whose server was cut
//   off (partition, kill, pause of that node) for longer than session timeout + bound, within that
//   bound of the cut. Another fault active before that deadline moves it to the fault's end + the
//   same bound (a new leader gives every session a fresh timeout; measured: a killed member's node
//   outlived its kill by 12.7 s when the leader was isolated just as it was expiring the session).
//   Lists are catch-up lists (see the workload), so a list begun after the deadline that still
//   names the member is a violation.
// - membership-presence: a member whose node surely existed throughout a list is in that list. The
//   node existed from before the join was acknowledged, and still at a later `hold` (a setData on
//   it that succeeded); ephemeral nodes never come back, so it existed in between.
// Measured: how long after each end the member was last listed and first seen gone.
import type { Op } from '../../history/op.ts';
import { faultWindows, type FaultWindow } from '../../history/faults.ts';
import { pairOps } from '../../history/pair.ts';
import type { Checker, CheckResult, Violation } from '../result.ts';

/** Faults whose targets lose contact with the ensemble's majority: a member connected to a target
 *  cannot keep its session alive while they last. */
const CUT_KINDS = new Set(['partition-one', 'partition-leader', 'partition-halves', 'kill', 'kill-leader', 'pause', 'pause-leader']);
/** A closed session's node goes with the close; this allows for the close's answer being late. */
const LEAVE_BOUND_MS = 1000;

export interface MembershipBounds { sessionTimeoutMs: number; removalBoundMs: number }

interface MemberLife { member: string; node?: string; joinedAt?: number; joinOp?: number; lastHoldStart?: number; end?: { time: number; how: string; index: number; deadline: number; delayedBy: string[] } }
interface List { start: number; end: number; members: Set<string>; op: number }

const memberOf = (v: unknown): string | undefined => {
  const m = (v as { member?: unknown } | null)?.member;
  return typeof m === 'string' ? m : undefined;
};

export function membershipFacts(history: readonly Op[], b: MembershipBounds): { lives: Map<string, MemberLife>; lists: List[] } {
  const lives = new Map<string, MemberLife>();
  const life = (member: string) => lives.get(member) ?? lives.set(member, { member }).get(member)!;
  const nodeAt = new Map<number, string | undefined>(history.map((op) => [op.index, op.node]));
  const lists: List[] = [];
  for (const op of pairOps(history)) {
    const member = memberOf(op.value) ?? memberOf(op.invokeValue);
    if (op.f === 'list' && op.type === 'ok' && Array.isArray(op.value)) lists.push({ start: op.start, end: op.end, members: new Set(op.value.map(String)), op: op.invokeIndex });
    if (!member || op.type !== 'ok') continue;
    if (op.f === 'join') Object.assign(life(member), { joinedAt: op.end, joinOp: op.invokeIndex, node: nodeAt.get(op.completeIndex) });
    if (op.f === 'hold') life(member).lastHoldStart = Math.max(life(member).lastHoldStart ?? -Infinity, op.start);
  }
  for (const op of history) {
    if (op.type !== 'event' || op.f !== 'member') continue;
    const v = op.value as { member?: string; state?: string };
    if (!v.member || !['killed', 'left', 'expired'].includes(v.state ?? '')) continue;
    const l = life(v.member);
    const bound = v.state === 'left' ? LEAVE_BOUND_MS : b.sessionTimeoutMs + b.removalBoundMs;
    if (!l.end) l.end = { time: op.time, how: v.state!, index: op.index, deadline: op.time + bound, delayedBy: [] };
  }
  const windows = faultWindows(history);
  applyCutOffs(windows, lives, b);
  allowForFaults(windows, lives, b);
  return { lives, lists };
}

/** A member whose server was cut off for longer than session timeout + bound (and that was still a
 *  member at the cut) must be gone by the cut's start + that bound. */
function applyCutOffs(windows: FaultWindow[], lives: Map<string, MemberLife>, b: MembershipBounds): void {
  const bound = b.sessionTimeoutMs + b.removalBoundMs;
  for (const w of windows) {
    if (!CUT_KINDS.has(w.fault) || w.end - w.start < bound) continue;
    for (const l of lives.values()) {
      if (l.joinedAt === undefined || l.joinedAt > w.start || !l.node || !w.targets.includes(l.node)) continue;
      if (l.end && l.end.time <= w.start) continue;
      const deadline = w.start + bound;
      if (!l.end || deadline < l.end.deadline) l.end = { time: w.start, how: `cut off (${w.fault} of ${l.node})`, index: w.startIndex, deadline, delayedBy: [] };
    }
  }
}

/** Any fault active before a dead member's deadline may delay its removal: an election in between
 *  gives every session a fresh timeout on the new leader, and a server that is down or cut off
 *  cannot expire anything. Such a fault moves the deadline to its end + session timeout + bound. */
function allowForFaults(windows: FaultWindow[], lives: Map<string, MemberLife>, b: MembershipBounds): void {
  const bound = b.sessionTimeoutMs + b.removalBoundMs;
  for (const l of lives.values()) {
    const end = l.end;
    if (!end || end.how === 'left') continue;
    for (const w of windows) {
      if (w.startIndex === end.index) continue; // the cut that ended this member
      if (w.start > end.deadline || w.end < end.time || w.end + bound <= end.deadline) continue;
      end.deadline = w.end + bound;
      end.delayedBy.push(w.fault);
    }
  }
}

interface RemovalRow { member: string; node?: string; joinedAt: number | null; endedAt: number; how: string; allowedMs: number; delayedBy: string; lastListedMs: number | null; goneWithinMs: number | null; op?: number }

export function checkMembershipRemoval(history: readonly Op[], b: MembershipBounds): CheckResult {
  const { lives, lists } = membershipFacts(history, b);
  const violations: Violation[] = [];
  const rows: RemovalRow[] = [];
  for (const l of lives.values()) {
    if (!l.end) continue;
    const end = l.end;
    const listedAfter = lists.filter((x) => x.start > end.time && x.members.has(l.member));
    const late = listedAfter.find((x) => x.start > end.deadline);
    if (late) violations.push({ message: `member ${l.member} was still listed ${Math.round(late.start - end.time)} ms after it ${end.how === 'left' ? 'closed its session' : end.how === 'killed' ? 'was killed' : end.how} (allowed: ${Math.round(end.deadline - end.time)} ms${end.delayedBy.length ? `, allowing for ${end.delayedBy.join(', ')}` : ''})`, ops: [late.op, ...(l.joinOp !== undefined ? [l.joinOp] : [])], time: late.start });
    const gone = lists.find((x) => x.start > end.time && !x.members.has(l.member));
    const lastListed = listedAfter.length ? listedAfter[listedAfter.length - 1].start : null;
    rows.push({ member: l.member, node: l.node, joinedAt: l.joinedAt ?? null, endedAt: end.time, how: end.how, allowedMs: Math.round(end.deadline - end.time), delayedBy: end.delayedBy.join(', '), lastListedMs: lastListed === null ? null : Math.round(lastListed - end.time), goneWithinMs: gone ? Math.round(gone.end - end.time) : null, op: l.joinOp });
  }
  const details = { sessionTimeoutMs: b.sessionTimeoutMs, removalBoundMs: b.removalBoundMs, lists: lists.length, members: rows, ...removalSummary(rows), membershipChanges: changes(lists) };
  if (violations.length) return { checker: 'membership-removal', valid: false, summary: `${violations.length} ended members were still listed past the bound (first: ${violations[0].message})`, violations: violations.slice(0, 100), details };
  const how = (h: string) => rows.filter((r) => r.how.startsWith(h)).length;
  return { checker: 'membership-removal', valid: true, summary: `${rows.length} members ended (${how('killed')} killed, ${how('left')} left, ${how('expired')} expired, ${how('cut off')} cut off), none listed past its bound`, details };
}

function removalSummary(rows: { how: string; goneWithinMs: number | null }[]): Record<string, unknown> {
  const of = (pred: (how: string) => boolean) => rows.filter((r) => pred(r.how) && r.goneWithinMs !== null).map((r) => r.goneWithinMs!).sort((a, b) => a - b);
  const stats = (ms: number[]) => (ms.length ? { median: ms[Math.floor(ms.length / 2)], max: ms[ms.length - 1], samples: ms.length } : undefined);
  return { killedGoneWithinMs: stats(of((h) => h === 'killed' || h === 'expired')), leftGoneWithinMs: stats(of((h) => h === 'left')), cutOffGoneWithinMs: stats(of((h) => h.startsWith('cut off'))) };
}

/** Membership over time: each list whose members differ from the previous one (first 200). */
function changes(lists: List[]): { time: number; members: string[] }[] {
  const out: { time: number; members: string[] }[] = [];
  let before = '';
  for (const l of lists) {
    const names = [...l.members].sort();
    const key = names.join(',');
    if (key !== before) out.push({ time: l.start, members: names });
    before = key;
    if (out.length >= 200) break;
  }
  return out;
}

export function checkMembershipPresence(history: readonly Op[], b: MembershipBounds): CheckResult {
  const { lives, lists } = membershipFacts(history, b);
  const violations: Violation[] = [];
  let judged = 0;
  for (const list of lists) {
    for (const l of lives.values()) {
      if (l.joinedAt === undefined || l.lastHoldStart === undefined || !(l.joinedAt < list.start && l.lastHoldStart > list.end)) continue;
      judged++;
      if (!list.members.has(l.member)) violations.push({ message: `member ${l.member} was missing from a list although its node existed throughout it (joined before the list began, and its own write to the node succeeded after the list ended)`, ops: [list.op, ...(l.joinOp !== undefined ? [l.joinOp] : [])], time: list.start });
    }
  }
  const details = { lists: lists.length, memberListPairsJudged: judged };
  if (violations.length) return { checker: 'membership-presence', valid: false, summary: `live members missing from ${violations.length} lists (first: ${violations[0].message})`, violations: violations.slice(0, 100), details };
  if (!judged) return { checker: 'membership-presence', valid: 'unknown', summary: 'no list fell within a member\'s proven lifetime, so presence cannot be judged', details };
  return { checker: 'membership-presence', valid: true, summary: `live members were listed every time (${judged} member-list pairs judged over ${lists.length} lists)`, details };
}

export function membershipCheckers(b: MembershipBounds): Checker[] {
  return [
    { name: 'membership-removal', check: (history) => checkMembershipRemoval(history, b) },
    { name: 'membership-presence', check: (history) => checkMembershipPresence(history, b) },
  ];
}
