// The ZooKeeper group-membership recipe under faults (`zk-membership`): each member is its own OS
// process (a small node script, one ZooKeeper session) that registers an ephemeral node
// /fl-group/m<slot>-<k>; an observer lists the group. Members end in three ways: the workload
// SIGKILLs the member process (`crash`: its session must expire, so its node must disappear within
// the session timeout plus a bound), the member deletes its node and closes its session (`leave`:
// the node goes at once), or the nemesis cuts the member's server off long enough for the session to expire. The
// checker (../../checker/recipes/membership.ts) holds lists to that, and to the other half of the
// promise: a member whose session lives stays listed.
//
// A member is a separate process (member.ts) so that `crash` is a real process death: the server
// hears nothing, exactly as when a host dies, and only the session timeout removes the node. Member
// processes carry the run's tag, so `faultline clean` finds them if the harness dies.
//
// Evidence that lists can be judged by: the observer writes to /fl-group (setData) before each
// list, so the list reflects every commit before the list began (its server may otherwise lag); a
// member's `hold` is a setData on its own node, which succeeds only while the node exists — proof
// that it still existed at a moment after the hold began.
//
// Ops: observer `list` (ok value: member names; after the heal, lists spread over session
// timeout + bound, so members that ended late in the run are judged too); member `join` (ok
// value: {member}), `hold`
// (ok = the node still exists), `crash`, `leave`. Every member end is also a `member` event
// ({member, state: killed | left | expired}) with its time, including the kill of a member whose
// client is retired after an unknown outcome.
//
// `variant: 'persistent'` is deliberately wrong: members register PERSISTENT nodes (the classic
// slip of a missing ephemeral flag), so dead members stay listed forever.
import { type SessionOptions, choiceOption, numberOption, sessionOptions } from './common.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { membershipCheckers } from '../../checker/recipes/membership.ts';
import { HarnessError } from '../../errors.ts';
import { eachWorkerOnce } from '../../generator/combinators.ts';
import type { Client, Completion, EventSink, GenContext, OpGenerator, OpSpec, Workload, WorkloadContext } from '../../generator/types.ts';
import { defineWorkload } from '../../generator/types.ts';
import { int, oneOf } from '../../options.ts';
import { z } from 'zod';
import { type Cluster, isZkEndpoint, withCapability, type ZkEndpoint, nodeForProcess } from '../../target.ts';
import { outcomeOf } from '../../clients/zk-client.ts';
import { runTag } from '../../runtime/ledger.ts';
import { RecipeSession } from './session.ts';

export const GROUP_PATH = '/fl-group';

export type MembershipVariant = 'correct' | 'persistent';
const VARIANTS: readonly MembershipVariant[] = ['correct', 'persistent'];

export interface MembershipOptions extends SessionOptions {
  variant: MembershipVariant;
  /** Worker slots 0..observers-1 list the group, the others are members. */
  observers: number;
  /** What the checker allows on top of the session timeout for a dead member's node to go (an
   *  election in between gives every session a fresh timeout on the new leader). */
  removalBoundMs: number;
  /** Holds between a member's join and its end, and the pause before each hold. */
  holds: number;
  holdMs: number;
  /** How long a join may take: start the member process, open its session, create its node. */
  joinTimeoutMs: number;
  /** Pause before each observer list. */
  listPauseMs: number;
}

export function membershipOptions(o: Record<string, unknown>): MembershipOptions {
  const variant = choiceOption(o, 'membership', VARIANTS);
  const int = numberOption(o);
  return {
    variant, observers: int('observers', 1), ...sessionOptions(o),
    removalBoundMs: int('removalBoundMs', 6000), holds: int('holds', 4), holdMs: int('holdMs', 400), joinTimeoutMs: int('joinTimeoutMs', 6000), listPauseMs: int('listPauseMs', 150),
  };
}

/** The member process (a file of its own, started with tsx like the other node processes we run). */
const MEMBER_MAIN = fileURLToPath(new URL('./member.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
/** node-zookeeper-client's codes for the answers a member can get. */
const NO_NODE = -101;
const DEFINITE_CODES = new Set([NO_NODE, -110, -112]);

type Reply = Record<string, unknown>;

/** One member process and its answers. Every request carries an id and only the answer with that
 *  id completes it: a late answer to a request that timed out is dropped, never taken as the
 *  answer to the next one (a stale `held` would claim the node existed later than it did). */
class MemberProcess {
  private readonly replies: Reply[] = [];
  private waiting: { id: number; resolve: (r: Reply | undefined) => void } | undefined;
  private requests = 0;
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess, private readonly onSession: (state: string) => void) {
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      for (let i; (i = buffered.indexOf('\n')) >= 0; buffered = buffered.slice(i + 1)) this.take(JSON.parse(buffered.slice(0, i)) as Reply);
    });
    // a write to a member that just died must not throw out of the harness (EPIPE)
    child.stdin!.on('error', () => {});
    child.on('error', () => {});
    this.exited = new Promise((r) => child.once('exit', () => r()));
    void this.exited.then(() => this.deliver(undefined));
  }

  private take(reply: Reply): void {
    if (reply.id === undefined) {
      if (typeof reply.session === 'string') this.onSession(reply.session);
      return;
    }
    if (this.waiting?.id === reply.id) this.deliver(reply);
    else if (reply.id === 0) this.replies.push(reply); // the join answer may come before anyone waits
  }

  private deliver(reply: Reply | undefined): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve(reply);
  }

  /** The answer to request `id`, or undefined when the process exited or `ms` passed. */
  answer(id: number, ms: number): Promise<Reply | undefined> {
    const queued = this.replies.findIndex((r) => r.id === id);
    if (queued >= 0) return Promise.resolve(this.replies.splice(queued, 1)[0]);
    if (!this.alive) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.deliver(undefined), ms);
      this.waiting = { id, resolve: (r) => {
        clearTimeout(timer);
        resolve(r);
      } };
    });
  }

  /** Sends a command and waits for its answer. */
  request(command: 'hold' | 'close', ms: number): Promise<Reply | undefined> {
    const id = ++this.requests;
    this.child.stdin!.write(`${command} ${id}\n`);
    return this.answer(id, ms);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }
}

interface Incarnation { member: string; session: string; process: MemberProcess }

/** A member worker: at most one live member process at a time. */
export class MemberClient implements Client {
  private current: Incarnation | undefined;
  private readonly node: string;
  private readonly record: EventSink;

  constructor(private readonly ctx: WorkloadContext<ZkEndpoint>, process: number, private readonly o: MembershipOptions, private readonly names: () => string) {
    this.node = nodeForProcess(ctx.cluster, process);
    this.record = ctx.events(process);
  }

  async open(): Promise<void> {}

  invoke(op: OpSpec): Promise<Completion> {
    this.reapDead();
    switch (op.f) {
      case 'join': return this.join();
      case 'hold': return this.hold();
      case 'crash': return this.crash();
      case 'leave': return this.leave();
      default: throw new HarnessError(`membership has no member op '${op.f}'`);
    }
  }

  /** A member process that died on its own ended its membership: record it (late, so the checker's
   *  deadline for its node is, if anything, generous). */
  private reapDead(): void {
    const m = this.current;
    if (!m || m.process.alive) return;
    this.current = undefined;
    this.record('member', { member: m.member, state: 'killed', session: m.session, reason: 'member process exited by itself' }, { node: this.node });
  }

  private async join(): Promise<Completion> {
    if (this.current?.process.alive) return { type: 'fail', error: 'already a member', node: this.node };
    const member = this.names();
    const args = [await this.ctx.cluster.connectString(this.node), String(this.o.sessionTimeoutMs), `${GROUP_PATH}/${member}`, this.o.variant === 'persistent' ? 'PERSISTENT' : 'EPHEMERAL'];
    const child = spawn(process.execPath, ['--import', TSX, MEMBER_MAIN, ...args], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, ...runTag(this.ctx.runId) } });
    const proc = new MemberProcess(child, (state) => {
      this.record('member', { member, state: `session-${state}`, session: this.current?.session ?? null }, { node: this.node });
      if (state === 'expired') this.record('member', { member, state: 'expired', session: this.current?.session ?? null }, { node: this.node });
    });
    const reply = await proc.answer(0, this.o.joinTimeoutMs);
    if (reply?.joined === true) {
      this.current = { member, session: String(reply.session), process: proc };
      return { type: 'ok', value: { member }, node: this.node, meta: { session: reply.session, pid: child.pid } };
    }
    proc.kill();
    this.record('member', { member, state: 'killed', reason: 'join did not succeed' }, { node: this.node });
    // a refused create (NodeExists, NoNode on the parent…) left nothing; no answer may have
    const definite = reply !== undefined && DEFINITE_CODES.has(Number(reply.code));
    return { type: definite ? 'fail' : 'info', value: { member }, error: reply ? `create refused: code ${String(reply.code)}` : `no session or no answer within ${this.o.joinTimeoutMs} ms`, node: this.node };
  }

  /** A setData on our own node: ok means it still existed after the hold began. */
  private async hold(): Promise<Completion> {
    await sleep(this.o.holdMs);
    const m = this.current;
    if (!m?.process.alive) return { type: 'fail', error: 'not a member' };
    const reply = await m.process.request('hold', this.o.callTimeoutMs);
    const value = { member: m.member };
    if (reply?.held === true) return { type: 'ok', value, node: this.node, meta: { session: m.session } };
    if (Number(reply?.code) === NO_NODE) return { type: 'fail', value, error: 'NoNode: our member node is gone (session expired)', node: this.node };
    return { type: 'fail', value, error: reply ? `hold refused: code ${String(reply.code)}` : `no answer within ${this.o.callTimeoutMs} ms`, node: this.node }; // a write of the same node: nothing changes either way
  }

  /** SIGKILL the member process: the server is told nothing. */
  private async crash(): Promise<Completion> {
    const m = this.current;
    if (!m?.process.alive) return { type: 'fail', error: 'not a member' };
    this.current = undefined;
    m.process.kill();
    this.record('member', { member: m.member, state: 'killed', session: m.session, pid: m.process.child.pid }, { node: this.node });
    await m.process.exited;
    return { type: 'ok', value: { member: m.member }, node: this.node, meta: { session: m.session } };
  }

  /** The member leaves: deletes its node, then closes its session. Only a delete the ensemble
   *  confirmed makes it a graceful leave (a session close is no proof: a server that lost its quorum
   *  drops the connection just the same); otherwise the member is killed and counts as such. */
  private async leave(): Promise<Completion> {
    const m = this.current;
    if (!m?.process.alive) return { type: 'fail', error: 'not a member' };
    this.current = undefined;
    const reply = await m.process.request('close', this.o.callTimeoutMs);
    const graceful = reply?.closed === true;
    if (!graceful) m.process.kill();
    this.record('member', { member: m.member, state: graceful ? 'left' : 'killed', session: m.session, ...(graceful ? {} : { reason: 'leave not confirmed' }) }, { node: this.node });
    if (graceful) await Promise.race([m.process.exited, sleep(1000)]).then(() => m.process.kill());
    return { type: 'ok', value: { member: m.member, graceful }, node: this.node, meta: { session: m.session } };
  }

  /** Retired or the run ended: the member process is killed (and recorded as such). */
  async close(): Promise<void> {
    const m = this.current;
    this.current = undefined;
    if (!m?.process.alive) return;
    m.process.kill();
    this.record('member', { member: m.member, state: 'killed', session: m.session, reason: 'client closed' }, { node: this.node });
    await Promise.race([m.process.exited, sleep(1000)]);
  }
}

/** The observer: lists the group after a catch-up write, so the list is not stale. */
export class ObserverClient implements Client {
  private readonly zk: RecipeSession;

  constructor(ctx: WorkloadContext<ZkEndpoint>, process: number, private readonly o: MembershipOptions) {
    this.zk = new RecipeSession(ctx, process, o);
  }

  async open(): Promise<void> {
    await this.zk.openAt(GROUP_PATH);
  }

  async invoke(op: OpSpec): Promise<Completion> {
    if (op.f !== 'list') throw new HarnessError(`membership has no observer op '${op.f}'`);
    await sleep((op.value as { pauseMs?: number } | null)?.pauseMs ?? this.o.listPauseMs);
    try {
      const s = await this.zk.live();
      await s.set(GROUP_PATH, '', -1);
      const { children } = await s.children(GROUP_PATH);
      return { type: 'ok', value: children.sort(), node: this.zk.node, meta: { session: s.sessionId } };
    } catch (err) {
      return { type: 'fail', error: outcomeOf(err).error, node: this.zk.node }; // a list changes nothing
    }
  }

  async close(): Promise<void> {
    this.zk.close();
  }
}

/** Observer slots list; member slots cycle join, holds, then crash or leave (drawn). */
export function membershipGenerator(o: MembershipOptions): OpGenerator {
  const steps = new Map<number, number>();
  return (ctx: GenContext) => {
    if (ctx.worker < o.observers) return { f: 'list', value: null };
    const n = steps.get(ctx.worker) ?? 0;
    steps.set(ctx.worker, n + 1);
    const at = n % (o.holds + 2);
    if (at === 0) return { f: 'join', value: null };
    if (at <= o.holds) return { f: 'hold', value: null };
    return { f: ctx.rng.float() < 0.7 ? 'crash' : 'leave', value: null };
  };
}

/** A worker's client takes its role from its first op: `list` makes it the observer, anything else
 *  a member (a process id replacing a retired one keeps its slot's role this way). */
class MembershipClient implements Client {
  private role: ObserverClient | MemberClient | undefined;
  constructor(private readonly make: (observer: boolean) => ObserverClient | MemberClient) {}
  async open(): Promise<void> {}
  async invoke(op: OpSpec): Promise<Completion> {
    if (!this.role) {
      this.role = this.make(op.f === 'list');
      await this.role.open();
    }
    return this.role.invoke(op);
  }
  async close(): Promise<void> {
    await this.role?.close();
  }
}

/** The options the membership workload reads (defaults in membershipOptions). */
export const MembershipOptionsSchema = z.object({
  variant: oneOf(VARIANTS),
  observers: int(0), sessionTimeoutMs: int(1), callTimeoutMs: int(1), removalBoundMs: int(0), holds: int(0), holdMs: int(0), joinTimeoutMs: int(1), listPauseMs: int(0),
}).partial();

export const membershipWorkload = defineWorkload(MembershipOptionsSchema, (options: Record<string, unknown>): Workload<Cluster> => {
  const o = membershipOptions(options);
  const incarnations = new Map<number, number>();
  return {
    name: `membership-${o.variant}`,
    client(ctx, process) {
      const zkCtx = withCapability(ctx, isZkEndpoint, 'the membership workload needs a ZooKeeper-protocol target');
      const name = () => {
        const k = (incarnations.get(process) ?? 0) + 1;
        incarnations.set(process, k);
        return `m${process}-${k}`;
      };
      return new MembershipClient((observer) => (observer ? new ObserverClient(zkCtx, process, o) : new MemberClient(zkCtx, process, o, name)));
    },
    generator: membershipGenerator(o),
    final: finalLists(o),
    checkers: membershipCheckers({ sessionTimeoutMs: o.sessionTimeoutMs, removalBoundMs: o.removalBoundMs }),
  };
});

/** After the heal the observers list at once, then every quarter of session timeout + bound until
 *  that much has passed: by the last list every member that ended during the run must be gone. */
function finalLists(o: MembershipOptions): OpGenerator {
  const pauseMs = Math.ceil((o.sessionTimeoutMs + o.removalBoundMs) / 4) + 100;
  const lists = eachWorkerOnce((): OpSpec[] => [{ f: 'list', value: null }, ...Array.from({ length: 4 }, () => ({ f: 'list', value: { pauseMs } }))]);
  return (ctx) => (ctx.worker < o.observers ? lists(ctx) : null);
}
