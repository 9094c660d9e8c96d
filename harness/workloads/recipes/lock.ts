// The ZooKeeper lock recipe under faults (`zk-lock`): each client creates an ephemeral-sequential
// child of /fl-lock; the lowest child holds the lock; every waiter watches only its predecessor, so a
// release wakes exactly one waiter (no herd). Ops: acquire, use, release.
//
// `use` is the work a holder does: a write to a resource that lives outside ZooKeeper (here an
// in-harness store shared by all clients) carrying the holder's fencing token, the czxid of its
// lock node. The resource rejects a token lower than the highest it has seen. A holder believes it
// holds until it releases or is told its session expired, which is how real lock clients behave:
// one whose session expired behind a partition keeps working, and only the token stops its stale
// writes. The checkers (../../checker/recipes/lock.ts) tell that hazard apart from a real double hold.
//
// `variant: 'herd-broken'` is deliberately wrong: every waiter watches the parent (the herd) and
// takes the lock when its node is among the first TWO children, so two clients hold at once.
import { type SessionOptions, baseName, bySequence, choiceOption, numberOption, sessionOptions } from './common.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockFencingChecker, lockSafetyChecker, mutexChecker } from '../../checker/recipes/lock.ts';
import { HarnessError } from '../../errors.ts';
import { eachWorkerOnce } from '../../generator/combinators.ts';
import type { Client, Completion, GenContext, OpGenerator, OpSpec, Workload, WorkloadContext } from '../../generator/types.ts';
import { defineWorkload } from '../../generator/types.ts';
import { int, oneOf } from '../../options.ts';
import { z } from 'zod';
import { type Cluster, isZkEndpoint, withCapability, type ZkEndpoint } from '../../target.ts';
import { isZkCode, outcomeOf, type ZkSession } from '../../clients/zk-client.ts';
import { RecipeSession } from './session.ts';

export const LOCK_ROOT = '/fl-lock';
export type LockVariant = 'correct' | 'herd-broken';
const VARIANTS: readonly LockVariant[] = ['correct', 'herd-broken'];

export interface LockOptions extends SessionOptions {
  variant: LockVariant;
  /** How long an acquire waits in the queue before it gives up (and removes its node). */
  acquireWaitMs: number;
  /** Guarded writes per hold, and the work (ms) before each. */
  usesPerHold: number;
  useMs: number;
  /** Process p opens its session min(p × staggerMs, 2 s) after it is created, so that in a fresh run
   *  the first holder is known (process 0, on the first node): lets a fixed schedule cut it off. */
  staggerMs: number;
}

export function lockOptions(o: Record<string, unknown>): LockOptions {
  const variant = choiceOption(o, 'lock', VARIANTS);
  const int = numberOption(o);
  return { variant, ...sessionOptions(o), acquireWaitMs: int('acquireWaitMs', 6000), usesPerHold: int('usesPerHold', 3), useMs: int('useMs', 40), staggerMs: int('staggerMs', 0) };
}

/** A store outside ZooKeeper that only accepts writes whose fencing token is at least the highest
 *  it has seen: what makes a lock safe when its holder may not know it lost it. */
export class FencedResource {
  private highest = -Infinity;
  readonly writes: { process: number; token: number; accepted: boolean }[] = [];
  write(process: number, token: number): { accepted: boolean; highest: number } {
    const accepted = token >= this.highest;
    if (accepted) this.highest = token;
    this.writes.push({ process, token, accepted });
    return { accepted, highest: this.highest };
  }
}

interface Held { path: string; token: number; session: string }


export class LockClient implements Client {
  private held: Held | undefined;
  private readonly zk: RecipeSession;

  constructor(ctx: WorkloadContext<ZkEndpoint>, private readonly process: number, private readonly o: LockOptions, private readonly resource: FencedResource) {
    this.zk = new RecipeSession(ctx, process, o, (state) => {
      if (state === 'expired') this.held = undefined; // told: the lock went with the session
    });
  }

  async open(): Promise<void> {
    if (this.o.staggerMs) await sleep(Math.min(2000, this.process * this.o.staggerMs));
    await this.zk.openAt(LOCK_ROOT);
  }

  invoke(op: OpSpec): Promise<Completion> {
    switch (op.f) {
      case 'acquire': return this.acquire();
      case 'use': return this.use();
      case 'release': return this.release();
      default: throw new HarnessError(`lock has no op '${op.f}'`);
    }
  }

  private async acquire(): Promise<Completion> {
    if (this.held) return { type: 'fail', error: 'already holding' };
    let s: ZkSession;
    try {
      s = await this.zk.live();
    } catch (err) {
      return { type: 'fail', error: `no session: ${outcomeOf(err).error}` };
    }
    let mine: string;
    try {
      mine = await s.create(`${LOCK_ROOT}/lock-`, `p${this.process}`, 'ephemeralSequential');
    } catch (err) {
      return outcomeOf(err); // info: the node may exist; the retired client's session takes it away
    }
    return this.queue(s, mine, Date.now() + this.o.acquireWaitMs);
  }

  /** Waits in the queue until admitted or the deadline; gives the node up on the deadline. */
  private async queue(s: ZkSession, mine: string, deadline: number): Promise<Completion> {
    while (Date.now() < deadline) {
      if (s.isClosed) return { type: 'fail', error: 'SessionExpired: the queued node went with the session' };
      try {
        const queue = bySequence((await s.children(LOCK_ROOT)).children, 'lock-');
        const at = queue.indexOf(baseName(mine));
        if (at < 0) return { type: 'fail', error: 'NoNode: our lock node is gone' };
        if (this.admitted(at)) {
          const stat = await s.exists(mine);
          if (!stat) return { type: 'fail', error: 'NoNode: our lock node is gone' };
          this.held = { path: mine, token: stat.czxid, session: s.sessionId };
          return { type: 'ok', value: { token: stat.czxid }, meta: { token: stat.czxid, session: s.sessionId, lockNode: mine, position: at } };
        }
        await this.awaitTurn(s, queue[at - 1], deadline);
      } catch (err) {
        if (!isZkCode(err, 'NoNode')) await s.awaitConnected(Math.max(0, Math.min(1000, deadline - Date.now())));
      }
    }
    return this.abandon(s, mine);
  }

  /** The correct recipe holds only as the lowest child; the broken one also as the second. */
  private admitted(at: number): boolean {
    return this.o.variant === 'herd-broken' ? at <= 1 : at === 0;
  }

  /** Sleeps until the watched node changes, the session reconnects, or the deadline. The correct
   *  recipe watches its predecessor only; the broken one watches the parent (every change wakes
   *  every waiter). */
  private async awaitTurn(s: ZkSession, predecessor: string, deadline: number): Promise<void> {
    let wake!: () => void;
    const woken = new Promise<void>((r) => (wake = r));
    if (this.o.variant === 'herd-broken') await s.children(LOCK_ROOT, () => wake());
    else if (!(await s.exists(`${LOCK_ROOT}/${predecessor}`, () => wake()))) return;
    const timer = sleep(Math.max(0, deadline - Date.now()), undefined, { ref: false });
    await Promise.race([woken, timer, this.zk.nextStateChange()]);
  }

  /** Gave up waiting: remove our node. If we cannot tell whether it is gone, the outcome is unknown. */
  private async abandon(s: ZkSession, mine: string): Promise<Completion> {
    try {
      await s.delete(mine);
      return { type: 'fail', error: 'gave up waiting for the lock' };
    } catch (err) {
      if (isZkCode(err, 'NoNode') || s.isExpired) return { type: 'fail', error: 'gave up waiting for the lock' };
      return { type: 'info', error: `gave up waiting, could not remove ${mine}: ${outcomeOf(err).error}` };
    }
  }

  /** Work, then a token-guarded write to the resource. Never touches ZooKeeper. */
  private async use(): Promise<Completion> {
    const held = this.held;
    if (!held) return { type: 'fail', error: 'not holding' };
    await sleep(this.o.useMs);
    if (this.held !== held) return { type: 'fail', error: 'lost the lock during the work', meta: { token: held.token } };
    const { accepted, highest } = this.resource.write(this.process, held.token);
    if (accepted) return { type: 'ok', value: { token: held.token }, meta: { token: held.token, highest } };
    return { type: 'fail', error: `fenced: token ${held.token} is below the highest the resource has seen (${highest})`, meta: { token: held.token, highest } };
  }

  private async release(): Promise<Completion> {
    const held = this.held;
    if (!held) return { type: 'fail', error: 'not holding' };
    let s: ZkSession;
    try {
      s = await this.zk.live();
    } catch (err) {
      return { type: 'fail', error: `no session: ${outcomeOf(err).error}` };
    }
    try {
      await s.delete(held.path);
      this.held = undefined;
      return { type: 'ok', meta: { token: held.token } };
    } catch (err) {
      if (isZkCode(err, 'NoNode')) {
        this.held = undefined;
        return { type: 'fail', error: 'NoNode: the lock node was already gone', meta: { token: held.token } };
      }
      return { ...outcomeOf(err), meta: { token: held.token } }; // not sent → fail, still held
    }
  }

  async close(): Promise<void> {
    this.held = undefined;
    this.zk.close();
  }
}

/** Per worker: acquire, `uses` × use, release, again; a new process id (after info) starts over. */
export function holdCycle(uses: number): OpGenerator {
  const state = new Map<number, { process: number; step: number }>();
  const cycle = ['acquire', ...Array.from({ length: uses }, () => 'use'), 'release'];
  return (ctx: GenContext) => {
    let s = state.get(ctx.worker);
    if (!s || s.process !== ctx.process) state.set(ctx.worker, (s = { process: ctx.process, step: 0 }));
    const f = cycle[s.step % cycle.length];
    s.step++;
    return { f, value: null };
  };
}

/** The options the lock workload reads (defaults in lockOptions). */
export const LockOptionsSchema = z.object({
  variant: oneOf(VARIANTS),
  sessionTimeoutMs: int(1), callTimeoutMs: int(1), acquireWaitMs: int(1), usesPerHold: int(1), useMs: int(0), staggerMs: int(0),
}).partial();

export const lockWorkload = defineWorkload(LockOptionsSchema, (options: Record<string, unknown>): Workload<Cluster> => {
  const o = lockOptions(options);
  const resource = new FencedResource();
  return {
    name: `lock-${o.variant}`,
    client(ctx, process) {
      return new LockClient(withCapability(ctx, isZkEndpoint, 'the lock workload needs a ZooKeeper-protocol target'), process, o, resource);
    },
    generator: holdCycle(o.usesPerHold),
    // after the heal, everyone still holding lets go, so the run ends with a free lock
    final: eachWorkerOnce(() => [{ f: 'release', value: null }]),
    checkers: [lockSafetyChecker, lockFencingChecker, mutexChecker],
  };
});

