// The compare-and-set register on ZooKeeper: a few znodes /fl-register/k0..kN, each holding one
// small integer (empty data = nil, the initial value). Ops: read, write v, cas [old new]. Writes
// are setData; a cas is getData, compare, then setData with the version it read, so it applies only
// if nobody wrote in between (BadVersion → it certainly did not apply → fail).
//
// Read modes (workload option `readMode`):
// - `linearizable`: getData, then setData of the same bytes with the version just read. ZooKeeper
//   serves getData from the connected server's possibly stale copy, and `sync` + getData does not
//   close that window (ZOOKEEPER-1675: a partitioned old leader can still answer sync). A versioned
//   setData, though, goes through the leader and the quorum and commits only if the znode's version
//   is still the one read — so at its commit point, inside the op's interval, the register held the
//   value read. Rewriting the same bytes leaves the register's value unchanged. Checked for
//   linearizability (cas-register model, keys independent).
// - `plain`: getData alone. Sequentially consistent per session, not linearizable: checked by
//   ../checker/sequential.ts, so documented stale reads are not called bugs.
// - `cached`: a deliberately broken client that answers reads from the last value it saw itself,
//   without asking, as if that were linearizable. The linearizability checker must catch it.
//
// Written values (option `writes`): `random` (default) draws them from 0..values-1, so a cas often
// matches; `unique` writes 1, 2, 3, … (never twice, never nil) and a cas names as its old value the
// last value generated for that key. A small domain can hide a lost write: when every node crashes,
// a write in flight at that moment (its outcome unknown, so free to take effect late) may carry the
// value the register falls back to, and the old value read after the restart is explained by it.
// With unique values a read names the one write it read from, so a loss always shows, and the
// checker decides by the unique-writes procedure instead of a search.
//
// Witnesses (option `witnesses`, default 0): worker slots 0..witnesses-1 do one read to open their
// session and then nothing until the final reads — idle sessions that only the client's liveness
// probe keeps alive, as a real application's mostly idle sessions are. A busy client touches its
// session with every op, so a server that misjudges how long a session has been silent (a session
// clock that jumps) is caught only by chance on busy ones; idle witnesses show it (a witness whose
// session expired opens a new one at once, to be idle again for the next fault). Every `expired`
// session event carries `lastAnsweredMsAgo` (how long before it the latest request the server
// answered was sent), the evidence the session-expiry checker measures idle sessions by.
import { linearizabilityChecker } from '../checker/linearizability.ts';
import { recoveryChecker } from '../checker/recovery.ts';
import type { Checker } from '../checker/result.ts';
import { sequentialChecker } from '../checker/sequential.ts';
import { eachWorkerOnce, limitPerWorker, mix } from '../generator/combinators.ts';
import type { Client, Completion, GenContext, OpGenerator, OpSpec, Workload, WorkloadContext } from '../generator/types.ts';
import type { Rng } from '../rng.ts';
import { defineWorkload } from '../generator/types.ts';
import { int, oneOf } from '../options.ts';
import { z } from 'zod';
import { HarnessError, UsageError } from '../errors.ts';
import { type Cluster, isZkEndpoint, withCapability, type ZkEndpoint, nodeForProcess } from '../target.ts';
import { isZkCode, outcomeOf, ZkSession, type Stat } from '../clients/zk-client.ts';
import { choiceOption } from './recipes/common.ts';
import type { Scenario } from '../scenario/types.ts';

export type ReadMode = 'linearizable' | 'plain' | 'cached';
const READ_MODES: readonly ReadMode[] = ['linearizable', 'plain', 'cached'];
export type WriteValues = 'random' | 'unique';
const WRITE_VALUES: readonly WriteValues[] = ['random', 'unique'];
export const REGISTER_ROOT = '/fl-register';

export interface RegisterOptions {
  readMode: ReadMode;
  /** How written values are chosen (see the top of this file). */
  writes: WriteValues;
  /** Independent registers k0..k(keys-1). */
  keys: number;
  /** Values written are drawn from 0..values-1: small for the linearizability search (and so cas
   *  often matches), larger for plain reads so a read's value says more about where it came from. */
  values: number;
  sessionTimeoutMs: number;
  /** Deadline of each ZooKeeper call (an op may make two or three). */
  callTimeoutMs: number;
  /** Worker slots 0..witnesses-1 are idle witnesses (see the top of this file). */
  witnesses: number;
}

export function registerOptions(o: Record<string, unknown>): RegisterOptions {
  const readMode = choiceOption(o, 'register', READ_MODES, 'readMode');
  const int = (k: string, d: number, min = 1) => {
    const v = o[k] === undefined ? d : Number(o[k]);
    if (!Number.isInteger(v) || v < min) throw new UsageError(`register option ${k} must be a ${min === 0 ? 'non-negative' : 'positive'} integer, got '${String(o[k])}'`);
    return v;
  };
  const writes = choiceOption(o, 'register', WRITE_VALUES, 'writes');
  return {
    readMode, writes, keys: int('keys', 3), values: int('values', readMode === 'plain' ? 50 : 5), sessionTimeoutMs: int('sessionTimeoutMs', 4000),
    callTimeoutMs: int('callTimeoutMs', 2000), witnesses: int('witnesses', 0, 0),
  };
}

const encode = (v: unknown) => (v === null || v === undefined ? '' : JSON.stringify(v));
const decode = (data: string | null): unknown => (data === null || data === '' ? null : JSON.parse(data));
const zkMeta = (stat: Stat, session: string) => ({ zxid: stat.mzxid, version: stat.version, session });

/** One client process: one ZooKeeper session to one node. */
export class RegisterClient implements Client {
  private session: ZkSession | undefined;
  /** A new session being opened (a witness renewing its expired one). */
  private opening: Promise<ZkSession> | undefined;
  private closed = false;
  /** cached mode: the last value this client saw per key. */
  private readonly seen = new Map<string, unknown>();
  readonly node: string;
  /** An idle witness (the first `witnesses` processes): it opens a new session at once when its
   *  session expired, so the next misjudged silence can expire it again. */
  private readonly witness: boolean;

  constructor(private readonly ctx: WorkloadContext<ZkEndpoint>, private readonly process: number, private readonly o: RegisterOptions) {
    this.node = nodeForProcess(ctx.cluster, process);
    this.witness = process < o.witnesses;
  }

  async open(): Promise<void> {
    const session = await this.connect();
    // the registers start as empty znodes (= nil); creating one that exists changes nothing
    try {
      for (let k = 0; k < this.o.keys; k++) await session.ensurePath(`${REGISTER_ROOT}/k${k}`);
    } catch {
      // a client cut off from the quorum: its ops will fail or be unknown, as they should
    }
  }

  /** A new session to this client's node (one at a time); session events go into the history. */
  private connect(): Promise<ZkSession> {
    this.opening ??= this.openSession().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async openSession(): Promise<ZkSession> {
    const events = this.ctx.events(this.process);
    const session = await ZkSession.open({
      connectString: await this.ctx.cluster.connectString(this.node),
      sessionTimeoutMs: this.o.sessionTimeoutMs, connectTimeoutMs: this.o.callTimeoutMs, callTimeoutMs: this.o.callTimeoutMs,
      onEvent: (state, id, facts) => {
        events('session', { state, session: id, ...(state === 'expired' ? facts : {}) }, { node: this.node });
        if (state === 'expired' && this.witness && !this.closed) this.connect().catch(() => {}); // else at its next op
      },
    });
    if (this.closed) {
      session.close();
      throw new HarnessError('client closed while its session opened');
    }
    this.session = session;
    events('session', { state: 'connected', session: session.sessionId }, { node: this.node });
    return session;
  }

  /** The live session, or a new one when the server expired the old one (a new session promises
   *  nothing about what the old one saw, which is why reads carry their session id). */
  private async liveSession(): Promise<ZkSession> {
    if (this.session && !this.session.isClosed) return this.session;
    return this.connect();
  }

  private path(key: string | undefined): string {
    if (!key) throw new HarnessError('register ops need a key');
    return `${REGISTER_ROOT}/${key}`;
  }

  async invoke(op: OpSpec): Promise<Completion> {
    let s: ZkSession;
    try {
      s = await this.liveSession();
    } catch (err) {
      return { type: 'fail', error: `no session: ${outcomeOf(err).error}`, node: this.node };
    }
    const done = await this.perform(s, op);
    done.node = this.node;
    if (done.type === 'ok') this.seen.set(op.key!, op.f === 'read' ? done.value : op.f === 'write' ? op.value : (op.value as unknown[])[1]);
    return done;
  }

  private perform(s: ZkSession, op: OpSpec): Promise<Completion> {
    switch (op.f) {
      case 'read':
        if (this.o.readMode === 'plain') return this.plainRead(s, op.key);
        if (this.o.readMode === 'cached' && this.seen.has(op.key!)) return Promise.resolve({ type: 'ok', value: this.seen.get(op.key!), meta: { cached: true } });
        return this.confirmedRead(s, op.key);
      case 'write':
        return this.write(s, op.key, op.value);
      case 'cas':
        return this.cas(s, op.key, op.value as [unknown, unknown]);
      default:
        throw new HarnessError(`register has no op '${op.f}'`);
    }
  }

  /** getData alone: whatever the connected server has. A failed read had no effect → fail. */
  private async plainRead(s: ZkSession, key: string | undefined): Promise<Completion> {
    try {
      const { data, stat } = await s.get(this.path(key));
      return { type: 'ok', value: decode(data), meta: zkMeta(stat, s.sessionId) };
    } catch (err) {
      return { type: 'fail', error: outcomeOf(err).error };
    }
  }

  /** getData + setData(same bytes, version read): linearizable (see the top of this file). A read
   *  never changes the register's value, so every failure of it is a `fail`. */
  private async confirmedRead(s: ZkSession, key: string | undefined): Promise<Completion> {
    const path = this.path(key);
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const { data, stat } = await s.get(path);
        try {
          const confirmed = await s.set(path, data ?? '', stat.version);
          return { type: 'ok', value: decode(data), meta: zkMeta(confirmed, s.sessionId) };
        } catch (err) {
          if (!isZkCode(err, 'BadVersion')) throw err;
        }
      }
      return { type: 'fail', error: 'BadVersion: the register kept changing under the read' };
    } catch (err) {
      return { type: 'fail', error: outcomeOf(err).error };
    }
  }

  private async write(s: ZkSession, key: string | undefined, value: unknown): Promise<Completion> {
    try {
      const stat = await s.set(this.path(key), encode(value), -1);
      return { type: 'ok', meta: zkMeta(stat, s.sessionId) };
    } catch (err) {
      return outcomeOf(err);
    }
  }

  private async cas(s: ZkSession, key: string | undefined, [from, to]: [unknown, unknown]): Promise<Completion> {
    const path = this.path(key);
    let current: { data: string | null; stat: Stat };
    try {
      current = await s.get(path);
    } catch (err) {
      return { type: 'fail', error: outcomeOf(err).error }; // nothing was written yet
    }
    const value = decode(current.data);
    if (value !== from) return { type: 'fail', error: 'mismatch', meta: { read: value, ...zkMeta(current.stat, s.sessionId) } };
    try {
      const stat = await s.set(path, encode(to), current.stat.version);
      return { type: 'ok', meta: zkMeta(stat, s.sessionId) };
    } catch (err) {
      return outcomeOf(err); // BadVersion → fail; a lost connection → info
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }
}

export function registerCheckers(o: RegisterOptions): Checker[] {
  const consistency: Checker = o.readMode === 'plain'
    ? sequentialChecker
    : linearizabilityChecker('cas-register', { timeLimitS: 60 }); // keys are independent registers
  return [consistency, recoveryChecker];
}

/** Worker slots below `witnesses` read once and are then done until the final reads (their client,
 *  and so their session, stays open: the runner closes clients only at the end); the others run `busy`. */
export function withWitnesses(witnesses: number, key: (rng: Rng) => string, busy: OpGenerator): OpGenerator {
  if (witnesses === 0) return busy;
  const once = limitPerWorker(1, ({ rng }) => ({ f: 'read', value: null, key: key(rng) }));
  return (ctx) => (ctx.worker < witnesses ? once(ctx) : busy(ctx));
}

/** The options the register workload reads (defaults in registerOptions). */
export const RegisterOptionsSchema = z.object({
  readMode: oneOf(READ_MODES),
  writes: oneOf(WRITE_VALUES),
  keys: int(1),
  values: int(1),
  sessionTimeoutMs: int(1),
  callTimeoutMs: int(1),
  witnesses: int(0),
}).partial();

export const registerWorkload = defineWorkload(RegisterOptionsSchema, (options: Record<string, unknown>): Workload<Cluster> => {
  const o = registerOptions(options);
  const key = (rng: Rng) => `k${rng.int(0, o.keys - 1)}`;
  const value = (rng: { int(lo: number, hi: number): number }) => rng.int(0, o.values - 1);
  // unique mode: the next value, and the last one generated per key (what a cas expects to find)
  let nextValue = 1;
  const lastWritten = new Map<string, number>();
  const fresh = (k: string) => {
    const v = nextValue++;
    lastWritten.set(k, v);
    return v;
  };
  const writeOp: (ctx: GenContext) => OpSpec = o.writes === 'unique'
    ? ({ rng }) => { const k = key(rng); return { f: 'write', value: fresh(k), key: k }; }
    : ({ rng }) => ({ f: 'write', value: value(rng), key: key(rng) });
  const casOp: (ctx: GenContext) => OpSpec = o.writes === 'unique'
    ? ({ rng }) => { const k = key(rng); const from = lastWritten.get(k) ?? null; return { f: 'cas', value: [from, fresh(k)], key: k }; }
    : ({ rng }) => ({ f: 'cas', value: [value(rng), value(rng)], key: key(rng) });
  return {
    name: `register-${o.readMode}`,
    client(ctx, process) {
      return new RegisterClient(withCapability(ctx, isZkEndpoint, 'the register workload needs a ZooKeeper-protocol target'), process, o);
    },
    generator: withWitnesses(o.witnesses, key, mix({
      read: [2, ({ rng }) => ({ f: 'read', value: null, key: key(rng) })],
      write: [1, writeOp],
      cas: [1, casOp],
    })),
    final: eachWorkerOnce(() => Array.from({ length: o.keys }, (_, k): OpSpec => ({ f: 'read', value: null, key: `k${k}` }))),
    checkers: registerCheckers(o),
  };
});

/** What the register scenarios share (scenarios/zk-register*.ts spread it and add their name, faults
 *  and limits): either ZooKeeper target, five clients, a 6 s op deadline, 4 s to recover after the
 *  heal, the register with linearizable reads. */
export const REGISTER_SCENARIO = {
  target: 'zookeeper',
  targets: ['zookeeper', 'zk-lite'],
  timeLimit: 30,
  concurrency: 5,
  opTimeoutMs: 6000,
  recover: 4,
  workload: registerWorkload,
  workloadOptions: { readMode: 'linearizable' },
} satisfies Partial<Scenario>;
