// The ZooKeeper distributed-queue recipe under faults (`zk-queue`): producers create
// persistent-sequential children of /fl-queue/q holding a unique element; a consumer lists the
// children and takes the lowest: getData, then delete — the delete is the take (it succeeds for
// exactly one consumer), NoNode means someone else took it and the consumer tries the next one.
// After the heal every consumer drains the queue until it sees it empty, so the checker
// (../../checker/recipes/queue.ts) can tell a lost element from one still waiting.
//
// Ops: `enqueue v` (ok = acknowledged), `dequeue` (ok value = the element taken, null = empty; info
// = a delete whose outcome is unknown, the candidate element in meta), `drain` (final phase: takes
// until empty within a budget; ok value = the elements taken, meta.empty = it saw the queue empty,
// meta.uncertain = an element whose delete outcome is unknown).
//
// `variant: 'read-is-take'` is deliberately wrong: the consumer treats the getData of the lowest
// child as the take and deletes it afterwards ignoring NoNode, so two consumers reading the same
// child both deliver it.
import { type SessionOptions, bySequence, choiceOption, numberOption, sessionOptions } from './common.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { queueCheckers } from '../../checker/recipes/queue.ts';
import { HarnessError } from '../../errors.ts';
import { eachWorkerOnce } from '../../generator/combinators.ts';
import type { Client, Completion, GenContext, OpGenerator, OpSpec, Workload, WorkloadContext } from '../../generator/types.ts';
import { defineWorkload } from '../../generator/types.ts';
import { flag, int, oneOf } from '../../options.ts';
import { z } from 'zod';
import { type Cluster, isZkEndpoint, withCapability, type ZkEndpoint } from '../../target.ts';
import { isZkCode, outcomeOf, type ZkSession } from '../../clients/zk-client.ts';
import { RecipeSession } from './session.ts';

export const QUEUE_PATH = '/fl-queue/q';
/** A consumer that found the queue empty waits this long before answering, so idle consumers do
 *  not spin on the ensemble. */
const EMPTY_PAUSE_MS = 50;
export type QueueVariant = 'correct' | 'read-is-take';
const VARIANTS: readonly QueueVariant[] = ['correct', 'read-is-take'];

export interface QueueOptions extends SessionOptions {
  variant: QueueVariant;
  /** Worker slots 0..producers-1 enqueue, the others consume. */
  producers: number;
  /** Time budget of one final `drain` op (below the scenario's op deadline). */
  drainBudgetMs: number;
  /** Hold the consumers to FIFO (only meaningful with a single consumer). */
  fifo: boolean;
  /** Pause before each enqueue, so producers do not outrun the consumers (a growing backlog makes
   *  every take list more children and the final drain longer). */
  enqueuePauseMs: number;
}

export function queueOptions(o: Record<string, unknown>): QueueOptions {
  const variant = choiceOption(o, 'queue', VARIANTS);
  const int = numberOption(o);
  return {
    variant, producers: int('producers', 2), ...sessionOptions(o),
    drainBudgetMs: int('drainBudgetMs', 5000), fifo: o.fifo === true, enqueuePauseMs: int('enqueuePauseMs', 0),
  };
}

/** One element taken off the queue: its value and the child it was stored in. */
export interface Taken { element: string; path: string }


/** The outcome of one attempt to take the lowest element. */
type Take = { kind: 'taken'; taken: Taken } | { kind: 'empty' } | { kind: 'unknown'; candidate: Taken; error: string } | { kind: 'failed'; error: string };

export class QueueClient implements Client {
  private readonly zk: RecipeSession;

  constructor(ctx: WorkloadContext<ZkEndpoint>, process: number, private readonly o: QueueOptions) {
    this.zk = new RecipeSession(ctx, process, o);
  }

  async open(): Promise<void> {
    await this.zk.openAt(QUEUE_PATH);
  }

  async invoke(op: OpSpec): Promise<Completion> {
    let s: ZkSession;
    try {
      s = await this.zk.live();
    } catch (err) {
      return { type: 'fail', error: `no session: ${outcomeOf(err).error}`, node: this.zk.node };
    }
    const done = await this.perform(s, op);
    return { ...done, node: this.zk.node, meta: { ...done.meta, session: s.sessionId } };
  }

  private perform(s: ZkSession, op: OpSpec): Promise<Completion> {
    switch (op.f) {
      case 'enqueue': return this.enqueue(s, String(op.value));
      case 'dequeue': return this.dequeue(s);
      case 'drain': return this.drain(s);
      default: throw new HarnessError(`queue has no op '${op.f}'`);
    }
  }

  private async enqueue(s: ZkSession, element: string): Promise<Completion> {
    if (this.o.enqueuePauseMs) await sleep(this.o.enqueuePauseMs);
    try {
      const path = await s.create(`${QUEUE_PATH}/item-`, element, 'persistentSequential');
      return { type: 'ok', value: element, meta: { path } };
    } catch (err) {
      return outcomeOf(err); // info: the child may exist and be delivered later
    }
  }

  private async dequeue(s: ZkSession): Promise<Completion> {
    const take = await this.take(s, false);
    switch (take.kind) {
      case 'taken': return { type: 'ok', value: take.taken.element, meta: { path: take.taken.path } };
      case 'empty':
        await sleep(EMPTY_PAUSE_MS);
        return { type: 'ok', value: null };
      case 'unknown': return { type: 'info', error: take.error, meta: { candidate: take.candidate } };
      case 'failed': return { type: 'fail', error: take.error };
    }
  }

  /** Takes until the queue is seen empty, a take fails or the budget is spent. Always `ok` with
   *  what it surely took; an element whose delete outcome is unknown goes into meta.uncertain. */
  private async drain(s: ZkSession): Promise<Completion> {
    const taken: Taken[] = [];
    const deadline = Date.now() + this.o.drainBudgetMs;
    while (Date.now() < deadline && taken.length < 1000) {
      const take = await this.take(s, true);
      if (take.kind === 'taken') {
        taken.push(take.taken);
        continue;
      }
      const meta = { empty: take.kind === 'empty', ...(take.kind === 'unknown' ? { uncertain: take.candidate } : {}), ...(take.kind !== 'empty' ? { stoppedBy: take.error } : {}) };
      return { type: 'ok', value: taken, meta };
    }
    return { type: 'ok', value: taken, meta: { empty: false, stoppedBy: 'drain budget spent' } };
  }

  /** Lists the queue and takes the lowest element it can: the recipe's core. When every listed
   *  child was taken by others meanwhile it lists again (a few rounds). */
  private async take(s: ZkSession, confirm: boolean): Promise<Take> {
    let confirmed = false;
    for (let round = 0; round < 5; round++) {
      let children: string[];
      try {
        children = bySequence((await s.children(QUEUE_PATH)).children, 'item-');
      } catch (err) {
        return { kind: 'failed', error: `list: ${outcomeOf(err).error}` }; // a read: no effect
      }
      if (children.length === 0) {
        if (!confirm || confirmed) return { kind: 'empty' };
        const failed = await this.catchUp(s);
        if (failed) return failed;
        confirmed = true;
        continue;
      }
      for (const child of children.slice(0, 20)) {
        const outcome = await this.takeChild(s, `${QUEUE_PATH}/${child}`);
        if (outcome) return outcome;
      }
    }
    return { kind: 'failed', error: 'every listed child was taken by others, five rounds in a row' };
  }

  /** getData + delete of one child; undefined when another consumer took it first (NoNode). */
  private async takeChild(s: ZkSession, path: string): Promise<Take | undefined> {
    let element: string;
    try {
      element = (await s.get(path)).data ?? '';
    } catch (err) {
      if (isZkCode(err, 'NoNode')) return undefined;
      return { kind: 'failed', error: `get: ${outcomeOf(err).error}` };
    }
    if (this.o.variant === 'read-is-take') return this.readIsTake(s, { element, path });
    try {
      await s.delete(path);
      return { kind: 'taken', taken: { element, path } };
    } catch (err) {
      if (isZkCode(err, 'NoNode')) return undefined;
      const { type, error } = outcomeOf(err);
      if (type === 'fail') return { kind: 'failed', error: `delete: ${error}` };
      return { kind: 'unknown', candidate: { element, path }, error: `delete: ${error}` };
    }
  }

  /** An empty list came from this client's server, which may lag the leader. A write from this
   *  session (setData on the queue's parent, which leaves its children alone) is answered only after
   *  the server applied everything committed before it, so the list after it sees every
   *  acknowledged enqueue: the drain calls the queue empty only then. */
  private async catchUp(s: ZkSession): Promise<Take | undefined> {
    try {
      await s.set(QUEUE_PATH, '', -1);
      return undefined;
    } catch (err) {
      return { kind: 'failed', error: `catching up before calling the queue empty: ${outcomeOf(err).error}` };
    }
  }

  /** The broken consumer: having read the element it counts it as taken, and deletes it after. */
  private async readIsTake(s: ZkSession, taken: Taken): Promise<Take> {
    try {
      await s.delete(taken.path);
    } catch {
      // NoNode (another consumer deleted it) or anything else: the broken consumer does not care
    }
    return { kind: 'taken', taken };
  }

  async close(): Promise<void> {
    this.zk.close();
  }
}

/** Producer slots enqueue unique elements (`p<process>-<n>`), consumer slots dequeue. */
export function queueGenerator(producers: number): OpGenerator {
  const counters = new Map<number, number>();
  return (ctx: GenContext) => {
    if (ctx.worker >= producers) return { f: 'dequeue', value: null };
    const n = (counters.get(ctx.process) ?? 0) + 1;
    counters.set(ctx.process, n);
    return { f: 'enqueue', value: `p${ctx.process}-${n}` };
  };
}

/** Final phase: each consumer slot drains a few times (a drain stops at its budget or at an unknown
 *  take); producers are done, so a single-consumer run stays single-consumer to the end. */
export function drainGenerator(producers: number): OpGenerator {
  const drains = eachWorkerOnce((): OpSpec[] => Array.from({ length: 3 }, () => ({ f: 'drain', value: null })));
  return (ctx) => (ctx.worker >= producers ? drains(ctx) : null);
}

/** The options the queue workload reads (defaults in queueOptions). */
export const QueueOptionsSchema = z.object({
  variant: oneOf(VARIANTS),
  producers: int(1), sessionTimeoutMs: int(1), callTimeoutMs: int(1), drainBudgetMs: int(1), fifo: flag, enqueuePauseMs: int(0),
}).partial();

export const queueWorkload = defineWorkload(QueueOptionsSchema, (options: Record<string, unknown>): Workload<Cluster> => {
  const o = queueOptions(options);
  return {
    name: `queue-${o.variant}`,
    client(ctx, process) {
      return new QueueClient(withCapability(ctx, isZkEndpoint, 'the queue workload needs a ZooKeeper-protocol target'), process, o);
    },
    generator: queueGenerator(o.producers),
    // after the heal every worker drains (a few times: a drain stops at its budget or an unknown take)
    final: drainGenerator(o.producers),
    checkers: queueCheckers({ fifo: o.fifo }),
  };
});
