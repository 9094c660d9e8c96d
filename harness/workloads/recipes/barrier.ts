// The ZooKeeper barrier recipe under faults (`zk-barrier`): N participants meet at
// /fl-barrier/<round>; each joins by creating an ephemeral child named after itself, then waits
// until N participants are there (children watch) and passes. As in ZooKeeper's own recipe, the
// participant that first sees all N creates a persistent `ready` child, and anyone who finds `ready`
// passes too — so a laggard can still pass a round that was released even if a participant's node
// has since gone with its session. Rounds repeat: a participant that passed moves to the next round.
// After the heal every participant meets at one last barrier (`final`), which all must pass.
//
// Ops (the op value names the participant, the worker slot): `join` (create our child in our
// current round; ok/fail/info, the round in value and meta), `await` (wait for the round to be
// released; ok = passed, meta: round, children seen, whether via `ready`; fail = not released within
// the wait). The checker (../../checker/recipes/barrier.ts) compares pass times with join times.
//
// `variant: 'early'` is deliberately wrong: a participant passes (and releases the round) as soon
// as it sees N-1 participants.
import { type SessionOptions, choiceOption, numberOption, sessionOptions } from './common.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { barrierCheckers } from '../../checker/recipes/barrier.ts';
import { HarnessError, UsageError } from '../../errors.ts';
import type { Client, Completion, GenContext, OpGenerator, OpSpec, Workload, WorkloadContext } from '../../generator/types.ts';
import { defineWorkload } from '../../generator/types.ts';
import { int, oneOf } from '../../options.ts';
import { z } from 'zod';
import { type Cluster, isZkEndpoint, withCapability, type ZkEndpoint } from '../../target.ts';
import { isZkCode, outcomeOf, type ZkSession } from '../../clients/zk-client.ts';
import { RecipeSession } from './session.ts';

export const BARRIER_ROOT = '/fl-barrier';
export const FINAL_ROUND = 'final';
export type BarrierVariant = 'correct' | 'early';
const VARIANTS: readonly BarrierVariant[] = ['correct', 'early'];

export interface BarrierOptions extends SessionOptions {
  variant: BarrierVariant;
  /** N: participants that must all join before anyone passes (= the scenario's concurrency). */
  participants: number;
  /** How long an `await` waits for its round to be released during the run. */
  awaitMs: number;
  /** How long the final barrier's `await` waits (after the heal). */
  finalAwaitMs: number;
}

export function barrierOptions(o: Record<string, unknown>): BarrierOptions {
  const variant = choiceOption(o, 'barrier', VARIANTS);
  const int = numberOption(o);
  const participants = int('participants', 4);
  if (!(participants >= 2)) throw new UsageError(`barrier participants must be at least 2, got ${String(o.participants)}`);
  return { variant, participants, ...sessionOptions(o), awaitMs: int('awaitMs', 4000), finalAwaitMs: int('finalAwaitMs', 15000) };
}

/** Where each participant stands, shared by the successive clients (process ids) of one slot. */
interface Standing { round: number; joined?: { round: string; session: string } }

const roundName = (round: number) => `r${round}`;
const member = (participant: number) => `w${participant}`;
const isMember = (child: string) => /^w\d+$/.test(child);

interface Spec { participant: number; final?: boolean }

export class BarrierClient implements Client {
  private readonly zk: RecipeSession;

  constructor(ctx: WorkloadContext<ZkEndpoint>, process: number, private readonly o: BarrierOptions, private readonly standings: Map<number, Standing>) {
    this.zk = new RecipeSession(ctx, process, o);
  }

  async open(): Promise<void> {
    await this.zk.openAt(BARRIER_ROOT);
  }

  async invoke(op: OpSpec): Promise<Completion> {
    const spec = op.value as Spec;
    if (!(spec.participant >= 0 && spec.participant < this.o.participants)) throw new HarnessError(`barrier participant ${spec.participant} outside 0..${this.o.participants - 1}: set workload option participants to the scenario's concurrency`);
    const standing = this.standings.get(spec.participant) ?? { round: 0 };
    this.standings.set(spec.participant, standing);
    const round = spec.final ? FINAL_ROUND : roundName(standing.round);
    let s: ZkSession;
    try {
      s = await this.zk.live();
    } catch (err) {
      return { type: 'fail', error: `no session: ${outcomeOf(err).error}`, meta: { round } };
    }
    const done = op.f === 'join' ? await this.join(s, spec.participant, round, standing) : await this.await(s, spec, round, standing);
    return { ...done, node: this.zk.node, meta: { round, session: s.sessionId, ...done.meta } };
  }

  /** Creates our ephemeral child in `round`. A child left by our own earlier session (a retired
   *  client) is replaced, so the child we count on lives as long as this session. */
  private async join(s: ZkSession, participant: number, round: string, standing: Standing): Promise<Completion> {
    if (standing.joined?.round === round && standing.joined.session === s.sessionId) return { type: 'ok', value: { participant, round }, meta: { already: true } };
    const path = `${BARRIER_ROOT}/${round}/${member(participant)}`;
    try {
      await s.ensurePath(`${BARRIER_ROOT}/${round}`);
    } catch (err) {
      return { type: 'fail', error: `round node: ${outcomeOf(err).error}` }; // creating the round node has no bearing on the barrier
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await s.create(path, String(participant), 'ephemeral');
        standing.joined = { round, session: s.sessionId };
        return { type: 'ok', value: { participant, round } };
      } catch (err) {
        if (!isZkCode(err, 'NodeExists') || attempt > 0) return { ...outcomeOf(err), value: { participant, round } };
        const stale = await this.removeStale(s, path);
        if (stale) return stale;
      }
    }
    return { type: 'fail', error: 'unreachable' };
  }

  /** Our child exists: ours (this session) is fine; one of an earlier session is deleted. */
  private async removeStale(s: ZkSession, path: string): Promise<Completion | undefined> {
    try {
      const stat = await s.exists(path);
      if (stat && stat.ephemeralOwner === s.sessionId) return { type: 'ok', value: null, meta: { already: true } };
      if (stat) await s.delete(path, stat.version);
      return undefined;
    } catch (err) {
      if (isZkCode(err, 'NoNode')) return undefined;
      return { type: 'fail', error: `removing our earlier session's child: ${outcomeOf(err).error}` };
    }
  }

  /** Waits until the round is released (`ready` exists, or we see all N and release it), the wait
   *  runs out (fail), or our own child is gone (fail: join again). */
  private async await(s: ZkSession, spec: Spec, round: string, standing: Standing): Promise<Completion> {
    if (standing.joined?.round !== round || standing.joined.session !== s.sessionId) return { type: 'fail', error: 'not joined in this session' };
    const deadline = Date.now() + (spec.final ? this.o.finalAwaitMs : this.o.awaitMs);
    const need = this.o.variant === 'early' ? this.o.participants - 1 : this.o.participants;
    let seen = 0;
    while (Date.now() < deadline) {
      try {
        const released = await this.look(s, round, need, spec.participant);
        seen = released.seen;
        if (released.passed) {
          if (!spec.final) standing.round++;
          standing.joined = undefined;
          return { type: 'ok', value: { participant: spec.participant, round, seen: released.seen, via: released.via }, meta: { seen: released.seen, via: released.via } };
        }
        if (released.gone) return { type: 'fail', error: 'our child is gone (session expired): join again', meta: { seen } };
        await Promise.race([released.woken, sleep(Math.max(0, deadline - Date.now()), undefined, { ref: false }), this.zk.nextStateChange()]);
      } catch (err) {
        if (s.isClosed) return { type: 'fail', error: `session ended while waiting: ${outcomeOf(err).error}`, meta: { seen } };
        await s.awaitConnected(Math.max(0, Math.min(1000, deadline - Date.now())));
      }
    }
    return { type: 'fail', error: `round ${round} not released within ${spec.final ? this.o.finalAwaitMs : this.o.awaitMs} ms (saw ${seen} of ${this.o.participants})`, meta: { seen } };
  }

  /** One look: `ready` (with an exists watch), else the children (with a watch); releases the round
   *  when enough participants are there. */
  private async look(s: ZkSession, round: string, need: number, participant: number) {
    let wake!: () => void;
    const woken = new Promise<void>((r) => (wake = r));
    const dir = `${BARRIER_ROOT}/${round}`;
    const listed = (await s.children(dir, () => wake())).children.filter(isMember);
    const seen = listed.length;
    if (!listed.includes(member(participant))) return { passed: false, gone: true, seen, woken };
    if (await s.exists(`${dir}/ready`, () => wake())) return { passed: true, via: 'ready', seen, woken };
    if (seen < need) return { passed: false, gone: false, seen, woken };
    try {
      await s.create(`${dir}/ready`, String(participant));
    } catch (err) {
      if (!isZkCode(err, 'NodeExists')) throw err;
    }
    return { passed: true, via: 'count', seen, woken };
  }

  async close(): Promise<void> {
    this.zk.close();
  }
}

/** Per worker slot: join, await, join, await, … (the final phase: two join/await pairs at the
 *  `final` barrier); the value names the participant (the slot). */
export function barrierGenerator(final = false): OpGenerator {
  const steps = new Map<number, number>();
  return (ctx: GenContext) => {
    const n = steps.get(ctx.worker) ?? 0;
    if (final && n >= 4) return null; // final: join, await, and once more in case the first attempt failed
    steps.set(ctx.worker, n + 1);
    return { f: n % 2 === 0 ? 'join' : 'await', value: { participant: ctx.worker, ...(final ? { final: true } : {}) } };
  };
}

/** The options the barrier workload reads (defaults in barrierOptions). */
export const BarrierOptionsSchema = z.object({
  variant: oneOf(VARIANTS),
  participants: int(2), sessionTimeoutMs: int(1), callTimeoutMs: int(1), awaitMs: int(1), finalAwaitMs: int(1),
}).partial();

export const barrierWorkload = defineWorkload(BarrierOptionsSchema, (options: Record<string, unknown>): Workload<Cluster> => {
  const o = barrierOptions(options);
  const standings = new Map<number, Standing>();
  return {
    name: `barrier-${o.variant}`,
    client(ctx, process) {
      return new BarrierClient(withCapability(ctx, isZkEndpoint, 'the barrier workload needs a ZooKeeper-protocol target'), process, o, standings);
    },
    generator: barrierGenerator(),
    final: barrierGenerator(true),
    checkers: barrierCheckers({ participants: o.participants }),
  };
});
