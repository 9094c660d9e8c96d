// Holds ZooKeeper to its session promise from the client side (pure): a session expires only after
// the ensemble has heard nothing from it for the session timeout. Every `ok` op proves the server
// heard from the op's session at or after the op's invoke, and an `expired` event says the server
// had expired the session by then; so an expiry learned less than the timeout after the invoke of
// the session's last ok op happened early, by at least the difference. (How late an expiry comes
// cannot be told from the client: a cut-off client learns of its expiry only once it reconnects.)
// Measured for every expiry: the silence the history allows before it, against the timeout.
//
// An idle session has no ok op to go by, only the pings that keep it alive. With `evidence:
// 'answers'` the checker also takes the client's own record in the `expired` event: when the latest
// request its server answered (an op or a liveness ping, `lastAnsweredMsAgo`) was sent. That is sound
// only while no fault separates a server from its leader — then the server passes every touch on to
// the leader within half a tick, which stamps it on arrival — so it is for runs whose faults leave
// the network whole (clock faults). Under partitions a cut-off server may answer pings for a while
// after the ensemble stopped hearing from it, and only ok ops (`evidence: 'ops'`, the default;
// a confirmed read or a write went through the quorum) count.
import type { Op } from '../../history/op.ts';
import { pairOps } from '../../history/pair.ts';
import type { Checker, CheckResult, Violation } from '../result.ts';

export interface SessionExpiryBounds {
  sessionTimeoutMs: number;
  /** Early by less than this is not judged (the client's and the history's clocks round). */
  toleranceMs: number;
  /** What proves the ensemble heard from a session (see the top of this file); default 'ops'. */
  evidence?: 'ops' | 'answers';
}

interface SessionEventValue { state?: string; session?: string; lastAnsweredMsAgo?: unknown }

export interface ExpiryRow {
  process: number | string;
  session: string;
  node?: string;
  /** History time the client learned of the expiry. */
  learnedAt: number;
  /** When the server last surely heard from the session: the invoke of its last ok op before the
   *  expiry, or (evidence 'answers') the sending of the last request its server answered if later. */
  lastHeardAt: number | null;
  /** What lastHeardAt rests on. */
  heardBy?: 'op' | 'answer';
  /** learnedAt − lastHeardAt: the longest silence the history allows before the expiry. */
  maxSilenceMs: number | null;
  /** timeout − maxSilenceMs when positive: the expiry came at least this early. */
  earlyByMs: number;
  eventIndex: number;
  lastOkIndex?: number;
}

/** Every `expired` session event with the last ok op of that session before it. */
export function sessionExpiries(history: readonly Op[], b: SessionExpiryBounds): ExpiryRow[] {
  const current = new Map<number | string, string>();
  const owner = new Map<number, string>(); // invoke index → session it ran on
  for (const op of history) {
    if (op.type === 'event' && op.f === 'session') {
      const v = (op.value ?? {}) as SessionEventValue;
      if (v.state === 'connected' && v.session) current.set(op.process, v.session);
    } else if (op.type === 'invoke' && current.has(op.process)) owner.set(op.index, current.get(op.process)!);
  }
  const lastOk = new Map<string, { at: number; index: number; completedAt: number }>();
  const oks = pairOps(history).filter((p) => p.type === 'ok').sort((a, b) => a.end - b.end);
  const rows: ExpiryRow[] = [];
  let next = 0;
  for (const op of history) {
    if (op.type !== 'event' || op.f !== 'session' || (op.value as SessionEventValue)?.state !== 'expired') continue;
    const session = (op.value as SessionEventValue).session ?? '';
    for (; next < oks.length && oks[next].end <= op.time; next++) {
      const p = oks[next];
      const s = (p.meta?.session as string | undefined) ?? owner.get(p.invokeIndex);
      if (s && (lastOk.get(s)?.at ?? -Infinity) < p.start) lastOk.set(s, { at: p.start, index: p.invokeIndex, completedAt: p.end });
    }
    const heard = lastOk.get(session);
    const answered = b.evidence === 'answers' ? answeredAt(op) : null;
    const heardBy = answered !== null && (!heard || answered > heard.at) ? 'answer' : heard ? 'op' : undefined;
    const at = heardBy === 'answer' ? answered! : heard?.at;
    const maxSilenceMs = at === undefined ? null : op.time - at;
    rows.push({
      process: op.process, session, node: op.node, learnedAt: Math.round(op.time), lastHeardAt: at === undefined ? null : Math.round(at),
      ...(heardBy ? { heardBy } : {}),
      maxSilenceMs: maxSilenceMs === null ? null : Math.round(maxSilenceMs),
      earlyByMs: maxSilenceMs === null ? 0 : Math.max(0, Math.round(b.sessionTimeoutMs - maxSilenceMs)),
      eventIndex: op.index, ...(heard ? { lastOkIndex: heard.index } : {}),
    });
  }
  return rows;
}

/** History time at which the latest request the client's server answered was sent, from an
 *  `expired` event's own record (null when it has none). */
function answeredAt(event: Op): number | null {
  const ago = (event.value as SessionEventValue).lastAnsweredMsAgo;
  return typeof ago === 'number' && Number.isFinite(ago) && ago >= 0 ? event.time - ago : null;
}

export function checkSessionExpiry(history: readonly Op[], b: SessionExpiryBounds): CheckResult {
  const rows = sessionExpiries(history, b);
  const early = rows.filter((r) => r.earlyByMs > b.toleranceMs);
  const violations: Violation[] = early.map((r) => ({
    message: `session ${r.session} (process ${r.process}${r.node ? ` on ${r.node}` : ''}) was expired ${r.maxSilenceMs} ms after ${r.heardBy === 'answer' ? 'the last request its server answered was sent' : 'its last acknowledged op began'} — at least ${r.earlyByMs} ms before its ${b.sessionTimeoutMs} ms timeout could have run out`,
    ops: [r.eventIndex, ...(r.lastOkIndex !== undefined && r.heardBy === 'op' ? [r.lastOkIndex] : [])], time: r.learnedAt,
  }));
  const silences = rows.map((r) => r.maxSilenceMs).filter((x): x is number => x !== null).sort((a, c) => a - c);
  const details = {
    sessionTimeoutMs: b.sessionTimeoutMs, toleranceMs: b.toleranceMs, evidence: b.evidence ?? 'ops', expiries: rows,
    maxSilenceMs: silences.length ? { min: silences[0], median: silences[Math.floor(silences.length / 2)], max: silences[silences.length - 1] } : null,
    earliestByMs: Math.max(0, ...rows.map((r) => r.earlyByMs)),
  };
  const metrics = { expiries: rows.length, early: early.length, earliestByMs: details.earliestByMs };
  if (violations.length) return { checker: 'session-expiry', valid: false, summary: `${early.length} of ${rows.length} session expiries came before the ${b.sessionTimeoutMs} ms timeout (earliest by ≥ ${details.earliestByMs} ms): ${violations[0].message}`, violations: violations.slice(0, 100), details, metrics };
  const judged = rows.filter((r) => r.maxSilenceMs !== null).length;
  const what = rows.length ? `${rows.length} session expiries, none early (${judged} judged; shortest silence allowed before one: ${silences[0] ?? '-'} ms, timeout ${b.sessionTimeoutMs} ms)` : 'no session expired';
  return { checker: 'session-expiry', valid: true, summary: what, details, metrics };
}

export const sessionExpiryChecker = (b: SessionExpiryBounds): Checker => ({ name: 'session-expiry', check: (history) => checkSessionExpiry(history, b) });
