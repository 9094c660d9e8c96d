// The ZooKeeper leader-election recipe under faults (`zk-election`): every candidate creates an
// ephemeral-sequential child of /fl-election holding its name; the lowest child leads. A candidate
// watches its predecessor (to learn when it moves up) and the current leader's node (to learn who
// leads now), and re-checks the children whenever a watch fires. Its belief — who leads, and whether
// it is itself the leader — is recorded as a `leader` event each time it changes, so the checker
// sees every candidate's view over time.
//
// Faults: on a disconnect a candidate no longer knows whether it still leads, so it records "no
// known leader" and re-checks once reconnected; when told its session expired it joins again with a
// new session and node. Ops: `resign` (the leader deletes its node and joins again at the back: a
// handoff without faults), `status` (the candidate's current belief, no ZooKeeper traffic), and
// after the heal a final `view` per candidate (its belief once settled) to check convergence.
//
// `variant: 'no-recheck'` is deliberately wrong: the candidate ignores session events — it never
// re-checks after a disconnect and never rejoins after expiry, so it keeps believing what it last
// saw (possibly that it leads) after its node is gone.
import { type SessionOptions, baseName, bySequence, choiceOption, numberOption, sessionOptions } from './common.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { electionChecker } from '../../checker/recipes/election.ts';
import { HarnessError } from '../../errors.ts';
import { eachWorkerOnce, mix } from '../../generator/combinators.ts';
import type { Client, Completion, OpSpec, Workload, WorkloadContext } from '../../generator/types.ts';
import { defineWorkload } from '../../generator/types.ts';
import { int, num, oneOf } from '../../options.ts';
import { z } from 'zod';
import { type Cluster, isZkEndpoint, withCapability, type ZkEndpoint } from '../../target.ts';
import { isZkCode, outcomeOf, type SessionEvent, type ZkSession } from '../../clients/zk-client.ts';
import { RecipeSession } from './session.ts';

export const ELECTION_ROOT = '/fl-election';
export type ElectionVariant = 'correct' | 'no-recheck';
const VARIANTS: readonly ElectionVariant[] = ['correct', 'no-recheck'];

export interface ElectionOptions extends SessionOptions {
  variant: ElectionVariant;
  /** What the checker allows on top of the session timeout for a new leader to be seated. */
  electionBoundMs: number;
  /** How long the final view waits for the candidate to know a leader. */
  viewWaitMs: number;
  /** Candidate p stands min(p × staggerMs, 2 s) after it is created, so that in a fresh run the
   *  first leader is known (p0, on the first node) and a fixed schedule can cut it off. */
  staggerMs: number;
  /** A leader refuses to resign before it has led this long (keeps terms long enough to be hit by faults). */
  minTermMs: number;
  /** Share of ops that are `resign` (the rest are `status`). */
  resignShare: number;
}

export function electionOptions(o: Record<string, unknown>): ElectionOptions {
  const variant = choiceOption(o, 'election', VARIANTS);
  const int = numberOption(o);
  return { variant, ...sessionOptions(o), electionBoundMs: int('electionBoundMs', 8000), viewWaitMs: int('viewWaitMs', 6000), staggerMs: int('staggerMs', 0), minTermMs: int('minTermMs', 2000), resignShare: o.resignShare === undefined ? 0.25 : Number(o.resignShare) };
}

interface Belief { leader: string | null; self: boolean }


export class Candidate implements Client {
  readonly name: string;
  private readonly zk: RecipeSession;
  private mine: { path: string; session: string } | undefined;
  private belief: Belief = { leader: null, self: false };
  private leadingSince = 0;
  private checking = false;
  private again = false;
  private closed = false;
  private settled: (() => void)[] = [];

  constructor(private readonly ctx: WorkloadContext<ZkEndpoint>, private readonly process: number, private readonly o: ElectionOptions) {
    this.name = `p${process}`;
    this.zk = new RecipeSession(ctx, process, o, (state) => this.onSession(state));
  }

  async open(): Promise<void> {
    if (this.o.staggerMs) await sleep(Math.min(2000, this.process * this.o.staggerMs));
    try {
      const s = await this.zk.live();
      await s.ensurePath(ELECTION_ROOT);
      await this.join(s);
    } catch (err) {
      this.zk.close();
      throw err;
    }
  }

  /** A new node at the back of the queue, then a look at where it stands. */
  private async join(s: ZkSession): Promise<void> {
    const path = await s.create(`${ELECTION_ROOT}/c-`, this.name, 'ephemeralSequential');
    this.mine = { path, session: s.sessionId };
    await this.recheck('joined');
  }

  private onSession(state: SessionEvent): void {
    if (this.o.variant === 'no-recheck' || this.closed) return; // the bug: session changes are ignored
    if (state === 'disconnected') this.believe({ leader: null, self: false }, 'disconnected');
    else if (state === 'connected') void this.recheck('reconnected');
    else if (state === 'expired') {
      this.mine = undefined;
      this.believe({ leader: null, self: false }, 'expired');
      void this.rejoin();
    }
  }

  /** After expiry: a new session and node, retried until it works or the client closes. */
  private async rejoin(): Promise<void> {
    for (let attempt = 0; attempt < 60 && !this.closed && !this.mine; attempt++) {
      try {
        await this.join(await this.zk.live());
      } catch {
        await sleep(500);
      }
    }
  }

  private believe(b: Belief, reason: string): void {
    const changed = b.leader !== this.belief.leader || b.self !== this.belief.self;
    if (b.self && !this.belief.self) this.leadingSince = Date.now();
    this.belief = b;
    if (changed) this.ctx.events(this.process)('leader', { leader: b.leader, self: b.self, session: this.mine?.session ?? this.zk.current?.sessionId ?? null, reason }, { node: this.zk.node });
    if (b.leader !== null && !this.checking) this.settle();
  }

  private settle(): void {
    const w = this.settled;
    this.settled = [];
    w.forEach((r) => r());
  }

  /** Re-reads the queue; overlapping requests coalesce into one more pass. */
  private async recheck(reason: string): Promise<void> {
    if (this.checking) {
      this.again = true;
      return;
    }
    this.checking = true;
    try {
      for (let pass = 0; pass < 20 && !this.closed; pass++) {
        this.again = false;
        const retry = await this.look(reason).catch(() => true);
        if (!this.again && !retry) break;
        if (retry) await sleep(300);
      }
    } finally {
      this.checking = false;
      if (this.belief.leader !== null) this.settle();
    }
  }

  /** One look at the queue. Returns true when it should be retried (a node vanished under it). */
  private async look(reason: string): Promise<boolean> {
    const s = this.zk.current;
    const mine = this.mine;
    if (!s || s.isClosed || !mine) return false;
    const queue = bySequence((await s.children(ELECTION_ROOT)).children, 'c-');
    const at = queue.indexOf(baseName(mine.path));
    if (at < 0) {
      // our node is gone although the session lives (it should not happen): stand again
      this.mine = undefined;
      this.believe({ leader: null, self: false }, 'node gone');
      await this.join(s);
      return false;
    }
    if (at === 0) {
      this.believe({ leader: this.name, self: true }, reason);
      return false;
    }
    const onChange = (event: string) => {
      if (event !== 'session' && event !== 'not-watching') void this.recheck('watch');
    };
    try {
      const leader = await s.get(`${ELECTION_ROOT}/${queue[0]}`, onChange);
      if (!(await s.exists(`${ELECTION_ROOT}/${queue[at - 1]}`, onChange))) return true;
      this.believe({ leader: leader.data, self: false }, reason);
      return false;
    } catch (err) {
      if (isZkCode(err, 'NoNode')) return true;
      throw err;
    }
  }

  invoke(op: OpSpec): Promise<Completion> {
    switch (op.f) {
      case 'status': return Promise.resolve({ type: 'ok', value: { ...this.belief } });
      case 'resign': return this.resign();
      case 'view': return this.view();
      default: throw new HarnessError(`election has no op '${op.f}'`);
    }
  }

  /** The leader steps down: deletes its node and stands again at the back of the queue. */
  private async resign(): Promise<Completion> {
    const s = this.zk.current;
    const mine = this.mine;
    if (!this.belief.self || !s || !mine) return { type: 'fail', error: 'not the leader' };
    if (Date.now() - this.leadingSince < this.o.minTermMs) return { type: 'fail', error: `leading for less than ${this.o.minTermMs} ms` };
    this.believe({ leader: null, self: false }, 'resign');
    try {
      await s.delete(mine.path);
    } catch (err) {
      void this.recheck('resign failed');
      return outcomeOf(err);
    }
    this.mine = undefined;
    try {
      await this.join(s);
    } catch {
      void this.rejoin();
    }
    return { type: 'ok', value: { resigned: baseName(mine.path) } };
  }

  /** Final view after the heal: the belief once the candidate knows a leader (or after a wait). */
  private async view(): Promise<Completion> {
    if (this.belief.leader === null || this.checking) {
      await Promise.race([new Promise<void>((r) => this.settled.push(r)), sleep(this.o.viewWaitMs)]);
    }
    if (this.belief.leader === null) return { type: 'fail', error: `knows no leader ${this.o.viewWaitMs} ms after the heal` };
    return { type: 'ok', value: { ...this.belief } };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.settle();
    this.zk.close();
  }
}

/** The options the election workload reads (defaults in electionOptions). */
export const ElectionOptionsSchema = z.object({
  variant: oneOf(VARIANTS),
  sessionTimeoutMs: int(1), callTimeoutMs: int(1), electionBoundMs: int(1), viewWaitMs: int(1), staggerMs: int(0), minTermMs: int(0),
  resignShare: num(0).pipe(z.number().max(1, 'must be at most 1')),
}).partial();

export const electionWorkload = defineWorkload(ElectionOptionsSchema, (options: Record<string, unknown>): Workload<Cluster> => {
  const o = electionOptions(options);
  return {
    name: `election-${o.variant}`,
    client(ctx, process) {
      return new Candidate(withCapability(ctx, isZkEndpoint, 'the election workload needs a ZooKeeper-protocol target'), process, o);
    },
    generator: mix({
      status: [1 - o.resignShare, () => ({ f: 'status', value: null })],
      resign: [o.resignShare, () => ({ f: 'resign', value: null })],
    }),
    final: eachWorkerOnce(() => [{ f: 'view', value: null }]),
    checkers: [electionChecker({ sessionTimeoutMs: o.sessionTimeoutMs, electionBoundMs: o.electionBoundMs })],
  };
});
