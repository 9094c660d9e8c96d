// What ZooKeeper promises for plain reads: sequential consistency per session, not linearizability.
// A client talking to a lagging or partitioned follower may read an old value — that is documented
// behaviour, counted here as `staleReads` but never called a bug. What a session must never see:
// - a value nobody wrote (other than the initial nil);
// - a value that differs from what the write with that zxid wrote, or a write not yet invoked;
// - time going backwards: a read older (by zxid, ZooKeeper's single global order of writes) than
//   something the same session already saw — its own writes included (read-your-writes), and across
//   keys: after seeing zxid F, a read may not miss a write to its key with a zxid at or below F.
//
// Works on register histories (read / write v / cas [old new], optional `key`). The zxid order comes
// from the ops' `meta.zxid` (the znode's mzxid after a write, or at the read), the session from
// `meta.session` (the process id when absent). Reads without a zxid get only the value checks.
import type { Op, PairedOp } from '../history/op.ts';
import { pairOps } from '../history/pair.ts';
import type { CheckResult, Checker, Violation } from './result.ts';

interface Write {
  op: PairedOp;
  key: string;
  value: unknown;
  zxid?: number;
}

const zxidOf = (op: PairedOp): number | undefined => (typeof op.meta?.zxid === 'number' ? op.meta.zxid : undefined);
const sessionOf = (op: PairedOp): string => (op.meta?.session !== undefined ? String(op.meta.session) : `process ${op.process}`);
const keyOf = (op: PairedOp): string => op.key ?? '';
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const show = (v: unknown) => JSON.stringify(v ?? null);
const opsOf = (...ops: PairedOp[]) => ops.flatMap((o) => [o.invokeIndex, ...(o.completeIndex >= 0 ? [o.completeIndex] : [])]);

/** Writes that may have happened (ok or unknown; a `fail` certainly did not). */
function writesOf(ops: readonly PairedOp[]): Write[] {
  return ops
    .filter((op) => (op.f === 'write' || op.f === 'cas') && op.type !== 'fail')
    .map((op) => ({ op, key: keyOf(op), value: op.f === 'write' ? op.invokeValue : (op.invokeValue as unknown[])[1], zxid: op.type === 'ok' ? zxidOf(op) : undefined }));
}

class SessionView {
  /** Highest zxid seen per key, and the op that showed it. */
  readonly lastByKey = new Map<string, { zxid: number; op: PairedOp }>();
  /** Highest zxid seen on any key. */
  frontier = -Infinity;
  see(key: string, zxid: number, op: PairedOp): void {
    const last = this.lastByKey.get(key);
    if (!last || zxid > last.zxid) this.lastByKey.set(key, { zxid, op });
    this.frontier = Math.max(this.frontier, zxid);
  }
}

/** One key's writes: by zxid (sorted, with the earliest completion among all later zxids) and the
 *  earliest invoke of each value, so each read is checked in O(log n). */
class KeyWrites {
  readonly sorted: Write[];
  /** minEndFrom[i]: earliest completion time among sorted[i..]. */
  private readonly minEndFrom: number[];
  private readonly firstInvoke = new Map<string, number>();
  readonly byZxid = new Map<number, Write>();

  constructor(writes: Write[]) {
    for (const w of writes) {
      const v = JSON.stringify(w.value ?? null);
      this.firstInvoke.set(v, Math.min(this.firstInvoke.get(v) ?? Infinity, w.op.start));
      if (w.zxid !== undefined) this.byZxid.set(w.zxid, w);
    }
    this.sorted = writes.filter((w) => w.zxid !== undefined).sort((a, b) => a.zxid! - b.zxid!);
    this.minEndFrom = new Array<number>(this.sorted.length + 1).fill(Infinity);
    for (let i = this.sorted.length - 1; i >= 0; i--) this.minEndFrom[i] = Math.min(this.sorted[i].op.end, this.minEndFrom[i + 1]);
  }

  /** Earliest invoke time of a write of `value`, Infinity if none. */
  firstWriteOf(value: unknown): number {
    return this.firstInvoke.get(JSON.stringify(value ?? null)) ?? Infinity;
  }

  /** Index of the first write with a zxid above z. */
  private above(z: number): number {
    let lo = 0, hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid].zxid! > z) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The first write with zxid in (z, upTo], if any. */
  between(z: number, upTo: number): Write | undefined {
    const w = this.sorted[this.above(z)];
    return w && w.zxid! <= upTo ? w : undefined;
  }

  /** Whether a write newer than z had completed before `time`. */
  newerCompletedBefore(z: number, time: number): boolean {
    return this.minEndFrom[this.above(z)] < time;
  }
}

const NO_WRITES = new KeyWrites([]);

class SequentialCheck {
  readonly violations: Violation[] = [];
  staleReads = 0;
  readsChecked = 0;
  readsWithZxid = 0;
  private readonly keys = new Map<string, KeyWrites>();

  constructor(writes: Write[]) {
    const grouped = new Map<string, Write[]>();
    for (const w of writes) {
      if (!grouped.has(w.key)) grouped.set(w.key, []);
      grouped.get(w.key)!.push(w);
    }
    for (const [key, list] of grouped) this.keys.set(key, new KeyWrites(list));
  }

  private writesTo(key: string): KeyWrites {
    return this.keys.get(key) ?? NO_WRITES;
  }

  private flag(message: string, time: number, ...ops: PairedOp[]): false {
    this.violations.push({ message, ops: opsOf(...ops), time });
    return false;
  }

  /** The value was written by someone who had started by the time the read finished. */
  private checkOrigin(read: PairedOp, key: string): boolean {
    if (read.value === null) return true;
    if (this.writesTo(key).firstWriteOf(read.value) <= read.end) return true;
    return this.flag(`process ${read.process} read ${show(read.value)} from key ${show(key)}, a value no write had put there (op ${read.invokeIndex})`, read.end, read);
  }

  /** The write that produced the read's zxid wrote exactly this value, and had been invoked. */
  private checkZxidSource(read: PairedOp, key: string, z: number): boolean {
    const w = this.writesTo(key).byZxid.get(z);
    if (!w) return true;
    if (!same(w.value, read.value)) return this.flag(`process ${read.process} read ${show(read.value)} from key ${show(key)} at zxid ${z}, but the write with that zxid (op ${w.op.invokeIndex}) wrote ${show(w.value)}`, read.end, read, w.op);
    if (w.op.start > read.end) return this.flag(`process ${read.process} read ${show(read.value)} (op ${read.invokeIndex}) from a write (op ${w.op.invokeIndex}) that was invoked only after the read had returned`, read.end, read, w.op);
    return true;
  }

  /** Neither older than what this session saw on the key, nor missing a write at or below its frontier. */
  private checkMonotonic(read: PairedOp, key: string, z: number, view: SessionView, session: string): boolean {
    const last = view.lastByKey.get(key);
    if (last && z < last.zxid) {
      return this.flag(`session ${session} went back in time on key ${show(key)}: it read ${show(read.value)} at zxid ${z} (op ${read.invokeIndex}) after it had already seen zxid ${last.zxid} (op ${last.op.invokeIndex})`, read.end, read, last.op);
    }
    const missed = this.writesTo(key).between(z, view.frontier);
    if (missed) {
      return this.flag(`session ${session} read ${show(read.value)} from key ${show(key)} at zxid ${z} (op ${read.invokeIndex}) although it had already seen zxid ${view.frontier}, after the write of ${show(missed.value)} at zxid ${missed.zxid} (op ${missed.op.invokeIndex})`, read.end, read, missed.op);
    }
    return true;
  }

  /** Documented behaviour, measured: the read missed a write that had completed before it began. */
  private countStale(read: PairedOp, key: string, z: number): void {
    if (this.writesTo(key).newerCompletedBefore(z, read.start)) this.staleReads++;
  }

  read(read: PairedOp, view: SessionView, session: string): void {
    const key = keyOf(read);
    this.readsChecked++;
    if (!this.checkOrigin(read, key)) return;
    const z = zxidOf(read);
    if (z === undefined) return;
    this.readsWithZxid++;
    if (this.checkZxidSource(read, key, z) && this.checkMonotonic(read, key, z, view, session)) this.countStale(read, key, z);
    view.see(key, z, read);
  }

  /** A session's own write is ordered after everything it saw before. */
  write(op: PairedOp, view: SessionView, session: string): void {
    const z = zxidOf(op);
    if (z === undefined) return;
    const key = keyOf(op);
    if (z < view.frontier) {
      this.flag(`session ${session}'s ${op.f} on key ${show(key)} (op ${op.invokeIndex}) got zxid ${z}, below zxid ${view.frontier} it had already seen`, op.end, op);
    }
    view.see(key, z, op);
  }
}

export function checkSequential(history: readonly Op[]): CheckResult {
  const ops = pairOps(history).filter((op) => op.f === 'read' || op.f === 'write' || op.f === 'cas');
  const check = new SequentialCheck(writesOf(ops));
  const sessions = new Map<string, { view: SessionView; ops: PairedOp[] }>();
  for (const op of ops) {
    if (op.type !== 'ok') continue;
    const s = sessionOf(op);
    if (!sessions.has(s)) sessions.set(s, { view: new SessionView(), ops: [] });
    sessions.get(s)!.ops.push(op);
  }
  for (const [session, { view, ops: own }] of sessions) {
    for (const op of own.sort((a, b) => a.start - b.start)) {
      if (op.f === 'read') check.read(op, view, session);
      else check.write(op, view, session);
    }
  }
  const details = { readsChecked: check.readsChecked, readsWithZxid: check.readsWithZxid, staleReads: check.staleReads, sessions: sessions.size, writes: ops.filter((o) => o.f !== 'read' && o.type === 'ok').length };
  if (check.violations.length) {
    return { checker: 'sequential', valid: false, summary: `not sequentially consistent: ${check.violations[0].message}${check.violations.length > 1 ? ` (and ${check.violations.length - 1} more)` : ''}`, violations: check.violations, details };
  }
  if (check.readsChecked === 0) return { checker: 'sequential', valid: 'unknown', summary: 'no read completed, so there was nothing to check', details };
  const stale = check.staleReads ? `; ${check.staleReads} stale read(s), which ZooKeeper allows` : '';
  return { checker: 'sequential', valid: true, summary: `sequentially consistent per session: ${check.readsChecked} reads over ${sessions.size} sessions${stale}`, details };
}

export const sequentialChecker: Checker = { name: 'sequential', check: (history) => checkSequential(history) };
