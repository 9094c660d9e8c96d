// When did a ZooKeeper session stop being live, as far as a history can tell? The lock and election
// checkers need it to separate what ZooKeeper promises (no two LIVE sessions hold a lock or lead at
// once) from what it does not (a client whose session already expired may not know it yet). A
// session's end is only learned by its client afterwards: the C client reports `disconnected` when
// its server goes silent and `expired` only when it reconnects and the server says so. So a session
// that ended in expiry is counted as live only up to the disconnect that preceded the expiry (the
// last moment its client was surely in touch), and its client learned the loss at the expiry event.
import type { Op } from '../../history/op.ts';

/** How one session of one client process ended (or that it did not, by the end of the history). */
export interface SessionEnd {
  process: number | string;
  session: string;
  /** Last moment the session was surely live: the disconnect before its expiry, or its close. */
  liveUntil: number;
  /** When the client learned it (expired / closed event). */
  learnedAt: number;
  how: 'expired' | 'closed';
  /** History index of the event that told the client. */
  eventIndex: number;
  /** History index of the event at `liveUntil` (the disconnect), when there was one. */
  lossIndex: number;
}

interface SessionEventValue { state?: string; session?: string }

const key = (process: number | string, session: string) => `${process}/${session}`;

/** Every session that expired or was closed, keyed by `process/session`. */
export function sessionEnds(history: readonly Op[]): Map<string, SessionEnd> {
  const ends = new Map<string, SessionEnd>();
  const disconnectedAt = new Map<string, { time: number; index: number }>();
  for (const op of history) {
    if (op.type !== 'event' || op.f !== 'session') continue;
    const v = (op.value ?? {}) as SessionEventValue;
    if (!v.session || !v.state) continue;
    const k = key(op.process, v.session);
    if (ends.has(k)) continue;
    if (v.state === 'connected') disconnectedAt.delete(k);
    else if (v.state === 'disconnected') {
      if (!disconnectedAt.has(k)) disconnectedAt.set(k, { time: op.time, index: op.index });
    } else if (v.state === 'expired' || v.state === 'closed') {
      const lost = v.state === 'expired' ? disconnectedAt.get(k) : undefined;
      ends.set(k, {
        process: op.process, session: v.session, how: v.state,
        liveUntil: lost?.time ?? op.time, lossIndex: lost?.index ?? op.index,
        learnedAt: op.time, eventIndex: op.index,
      });
    }
  }
  return ends;
}

/** The end of `session` of `process` at or after `from`, if the history has one. */
export function endOf(ends: Map<string, SessionEnd>, process: number | string, session: string | undefined, from: number): SessionEnd | undefined {
  if (!session) return undefined;
  const end = ends.get(key(process, session));
  return end && end.learnedAt >= from ? end : undefined;
}

/** Seconds with one decimal, for sentences. */
export const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
